#!/usr/bin/env python3
"""Write the NWChem 7.0.2 inputs for the C-PCM / SMD reference runs.

usage: make_inputs.py            (writes nwchem/<job>.nw and jobs.json)

Every input uses its own scratch/permanent folder /tmp/solvref/jobs/<job>;
run_jobs.sh runs them (one at a time, single process) and extract.py reads
the outputs into references.json.  See README.md.
"""
import glob
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))  # /work/main
FREESOLV = "/work/shared/data/reference/freesolv-sample"
WORK = "/tmp/solvref/jobs"

# 1.2 x Bondi (Mantina for B), Angstrom
RADII_12BONDI = {"H": 1.44, "B": 2.304, "C": 2.04, "N": 1.86, "O": 1.824}

OWN = {  # name: (geometry file relative to this folder, charge)
    "water": ("geometries/water.xyz", 0),
    "methanol": ("geometries/methanol.xyz", 0),
    "acetonitrile": ("geometries/acetonitrile.xyz", 0),
    "acetate": ("geometries/acetate.xyz", -1),
    "o-carborane": ("geometries/o-carborane.xyz", 0),
    "b12h12": ("geometries/b12h12.xyz", -2),
}


def read_xyz(path):
    with open(path) as f:
        lines = f.read().splitlines()
    n = int(lines[0].split()[0])
    atoms = []
    for line in lines[2:2 + n]:
        p = line.split()
        atoms.append((p[0], p[1], p[2], p[3]))  # keep the text verbatim
    return lines[1], atoms


def geometry_block(atoms):
    out = ["geometry units angstrom noautoz nocenter noautosym",
           "  symmetry c1"]
    for el, x, y, z in atoms:
        out.append(f"  {el:<2s} {x:>18s} {y:>18s} {z:>18s}")
    out.append("end")
    return "\n".join(out)


def header(job, charge):
    s = [f"start {job}",
         f"scratch_dir {WORK}/{job}",
         f"permanent_dir {WORK}/{job}",
         "echo",
         "memory heap 200 mb stack 3000 mb global 800 mb"]
    if charge:
        s.append(f"charge {charge}")
    return "\n".join(s)


BASIS = "basis cartesian\n  * library 6-31g*\nend"
SCF = "scf\n  thresh 1e-8\n  tol2e 1e-14\n  maxiter 200\nend"
DFT = ("dft\n  xc b3lyp\n  grid xfine\n  convergence energy 1e-9 density 1e-7\n"
       "  iterations 200\nend")


def cpcm_block(atoms, minbem, screen="st", sccor="no", lineq=None):
    radii = " ".join(f"{RADII_12BONDI[a[0]]:g}" for a in atoms)
    s = ["cosmo", "  dielec 78.4", f"  screen {screen}",
         f"  charge_correction {sccor}", f"  radius {radii}",
         f"  minbem {minbem}", "  ificos 0"]
    if lineq is not None:
        s.append(f"  lineq {lineq}")
    s.append("end")
    return "\n".join(s)


def smd_block(solvent="water", extra=()):
    s = ["cosmo", "  do_cosmo_smd true", f"  solvent {solvent}"]
    s += [f"  {e}" for e in extra]
    s.append("end")
    return "\n".join(s)


def main():
    jobs = []

    def add(job, mol, geomfile, charge, method, cosmo, settings, part, extra=None):
        _, atoms = read_xyz(geomfile if os.path.isabs(geomfile)
                            else os.path.join(HERE, geomfile))
        body = [header(job, charge), geometry_block(atoms), BASIS,
                SCF if method == "HF" else DFT, cosmo,
                "task scf energy" if method == "HF" else "task dft energy"]
        with open(os.path.join(HERE, "nwchem", job + ".nw"), "w") as f:
            f.write("\n".join(body) + "\n")
        rec = {"job": job, "part": part, "molecule": mol, "charge": charge,
               "method": method, "basis": "6-31G* (Cartesian d)",
               "geometry_file": geomfile, "settings": settings,
               "elements": [a[0] for a in atoms]}
        if extra:
            rec.update(extra)
        jobs.append(rec)

    # ---- Part A: HF C-PCM
    for mol, (gf, q) in OWN.items():
        _, atoms = read_xyz(os.path.join(HERE, gf))
        radii = [RADII_12BONDI[a[0]] for a in atoms]
        tag = mol.replace("-", "")
        for m in (2, 3, 4, 5):
            # minbem 5: the direct solver (lineq 0) is far faster than the
            # iterative one for the sizes that fit in memory (see README)
            lineq = None
            st = {"dielec": 78.4, "screen": "st", "charge_correction": "no",
                  "minbem": m, "ificos": 0, "lineq": lineq if lineq else 0,
                  "radii_angstrom": radii}
            add(f"hf_{tag}_m{m}", mol, gf, q, "HF",
                cpcm_block(atoms, m, lineq=lineq), st, "A")
        if mol in ("water", "acetate"):
            st = {"dielec": 78.4, "screen": "st",
                  "charge_correction": "lagrangian", "minbem": 3, "ificos": 0,
                  "lineq": 0, "radii_angstrom": radii}
            add(f"hf_{tag}_m3_lagr", mol, gf, q, "HF",
                cpcm_block(atoms, 3, sccor="lagrangian"), st, "A-variant")
        if mol == "water":
            st = {"dielec": 78.4, "screen": "ks", "charge_correction": "no",
                  "minbem": 3, "ificos": 0, "lineq": 0, "radii_angstrom": radii}
            add(f"hf_{tag}_m3_ks", mol, gf, q, "HF",
                cpcm_block(atoms, 3, screen="ks"), st, "A-variant")
        if mol in ("water", "methanol"):  # direct vs iterative solver check
            st = {"dielec": 78.4, "screen": "st", "charge_correction": "no",
                  "minbem": 4, "ificos": 0, "lineq": 1, "radii_angstrom": radii}
            add(f"hf_{tag}_m4_lineq1", mol, gf, q, "HF",
                cpcm_block(atoms, 4, lineq=1), st, "A-variant")

    # ---- Part A2: B3LYP C-PCM
    for mol in ("water", "acetate"):
        gf, q = OWN[mol]
        _, atoms = read_xyz(os.path.join(HERE, gf))
        radii = [RADII_12BONDI[a[0]] for a in atoms]
        for m in (2, 3, 4):
            st = {"dielec": 78.4, "screen": "st", "charge_correction": "no",
                  "minbem": m, "ificos": 0, "lineq": 0, "radii_angstrom": radii}
            add(f"b3lyp_{mol}_m{m}", mol, gf, q, "B3LYP",
                cpcm_block(atoms, m), st, "A2")

    # ---- Part B: SMD
    fs = sorted(glob.glob(os.path.join(FREESOLV, "*.xyz")))
    for i, path in enumerate(fs):
        comment, _ = read_xyz(path)
        fields = [c.strip() for c in comment.split("|")]
        fid = fields[0].split()[0]
        name = fields[1]
        smiles = fields[2]
        exp = fields[3]
        expval = float(exp.split("=")[1].split()[0])
        experr = float(exp.split("+-")[1].split()[0])
        add(f"smd_{fid}", name, path, 0, "B3LYP",
            smd_block(), {"do_cosmo_smd": True, "solvent": "water"},
            "B" if i < 12 else "B-extra",
            {"freesolv_id": fid, "smiles": smiles,
             "dg_hyd_exp_kcal": expval, "dg_hyd_exp_unc_kcal": experr})
    for mol in ("water", "methanol", "acetonitrile", "o-carborane"):
        gf, q = OWN[mol]
        tag = mol.replace("-", "")
        add(f"smd_{tag}", mol, gf, q, "B3LYP", smd_block(),
            {"do_cosmo_smd": True, "solvent": "water"}, "B")
    for mol in ("water", "methanol"):
        gf, q = OWN[mol]
        add(f"smd_{mol}_nocorr", mol, gf, q, "B3LYP",
            smd_block(extra=["charge_correction no"]),
            {"do_cosmo_smd": True, "solvent": "water",
             "charge_correction": "no"}, "B-variant")
        add(f"smd_{mol}_m4", mol, gf, q, "B3LYP",
            smd_block(extra=["minbem 4"]),
            {"do_cosmo_smd": True, "solvent": "water", "minbem": 4},
            "B-variant")
        add(f"smd_{mol}_nocorr_m4", mol, gf, q, "B3LYP",
            smd_block(extra=["charge_correction no", "minbem 4"]),
            {"do_cosmo_smd": True, "solvent": "water",
             "charge_correction": "no", "minbem": 4}, "B-variant")
    gf, q = OWN["water"]
    add("smd_water_octanol", "water", gf, q, "B3LYP", smd_block("octanol"),
        {"do_cosmo_smd": True, "solvent": "octanol"}, "B-extra")

    with open(os.path.join(HERE, "jobs.json"), "w") as f:
        json.dump(jobs, f, indent=1)
    print(len(jobs), "jobs")


if __name__ == "__main__":
    main()
