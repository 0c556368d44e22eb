#!/usr/bin/env python3
"""Write the NWChem 7.0.2 inputs for the vertical IP/EA (Delta-SCF) reference runs.

usage: make_inputs.py            (writes nwchem/<job>.nw and jobs.json)

Jobs: 5 molecules x 3 states (neutral 0/singlet RKS, cation +1/doublet UKS,
anion -1/doublet UKS) x 2 models:
  b3lyp_631gs_cosmo_<mol>_<state>  B3LYP/6-31G* (Cartesian d), COSMO (C-PCM) water,
                                   eps 78.4, screen st, 1.2 x Bondi radii, minbem 4
  b3lyp_def2svp_smd_<mol>_<state>  B3LYP/def2-SVP (spherical), SMD water, NWChem defaults
  b3lyp_631gs_gas_<mol>_<ion>      the ions again without solvent (set "S2"): NWChem
  b3lyp_def2svp_gas_<mol>_<ion>    prints <S^2> only for the final (solvated) SCF of a
                                   COSMO/SMD job, so the gas-phase <S^2> comes from these
                                   (and their energy checks the COSMO/SMD job's gas phase)
Every COSMO/SMD job converges the gas phase first and then the solvated SCF (NWChem's
default do_gasphase), so both energies come from one output.  All states of a
molecule use the neutral's geometry (geometries/<mol>.xyz).  See README.md.
Extra job-specific dft keywords (convergence aids) come from extra() below; an input
changed that way is recorded in jobs.json ("dft_extra").
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
WORK = "/tmp/redoxref/jobs"

RADII_12BONDI = {"H": 1.44, "B": 2.304, "C": 2.04, "N": 1.86, "O": 1.824}

MOLECULES = [  # (job tag, molecule name, geometry file relative to this folder)
    ("water", "water", "geometries/water.xyz"),
    ("acetonitrile", "acetonitrile", "geometries/acetonitrile.xyz"),
    ("benzene", "benzene", "geometries/benzene.xyz"),
    ("ethylene_carbonate", "ethylene carbonate", "geometries/ethylene_carbonate.xyz"),
    ("ocarborane", "o-carborane", "geometries/o-carborane.xyz"),
]
STATES = [("neutral", 0, 1), ("cation", 1, 2), ("anion", -1, 2)]
MODELS = [  # (the "gas" models: ions only, no cosmo block -- for the gas-phase <S^2>)
    # (job prefix, model, method, basis label, basis block, cosmo kind)
    ("b3lyp_631gs_cosmo", "COSMO", "B3LYP", "6-31G* (Cartesian d)",
     ["basis cartesian", "  * library 6-31g*", "end"], "cosmo"),
    ("b3lyp_def2svp_smd", "SMD", "B3LYP", "def2-SVP (spherical)",
     ["basis spherical", "  * library def2-svp", "end"], "smd"),
    ("b3lyp_631gs_gas", "gas", "B3LYP", "6-31G* (Cartesian d)",
     ["basis cartesian", "  * library 6-31g*", "end"], "gas"),
    ("b3lyp_def2svp_gas", "gas", "B3LYP", "def2-SVP (spherical)",
     ["basis spherical", "  * library def2-svp", "end"], "gas"),
]
# job -> extra lines for the dft block (convergence aids).
# NWChem switches on level shifting (0.5 Eh) when the HOMO-LUMO gap (over both spins)
# falls below 0.01 Eh and keeps it on; for several ions that made the SCF creep
# (acetonitrile anion: not converged after 200 gas-phase iterations, still -6e-9 Eh per
# iteration; ethylene carbonate anion: still -5e-6 Eh per iteration at iteration 131).
# With level shifting off (pure DIIS) the acetonitrile anion converged in 41 iterations
# to a 2.9e-6 Eh lower energy.  So every ion job gets "convergence nolevelshifting",
# except those that had already converged with the defaults (kept as run):
DEFAULT_CONVERGED = {
    "b3lyp_631gs_cosmo_water_cation", "b3lyp_631gs_cosmo_water_anion",
    "b3lyp_631gs_cosmo_acetonitrile_cation", "b3lyp_631gs_cosmo_ethylene_carbonate_cation",
    "b3lyp_def2svp_smd_water_cation",
    # their gas-phase twins keep the same settings
    "b3lyp_631gs_gas_water_cation", "b3lyp_631gs_gas_water_anion",
    "b3lyp_631gs_gas_acetonitrile_cation", "b3lyp_631gs_gas_ethylene_carbonate_cation",
    "b3lyp_def2svp_gas_water_cation",
}
NOLS = ["convergence nolevelshifting"]


def extra(job, mult):
    if mult == 1 or job in DEFAULT_CONVERGED:
        return []
    return NOLS


def read_xyz(path):
    with open(path) as f:
        lines = f.read().splitlines()
    n = int(lines[0].split()[0])
    return lines[1], [tuple(l.split()[:4]) for l in lines[2:2 + n]]


def make(job, charge, mult, atoms, basis, kind):
    s = [f"start {job}",
         f"scratch_dir {WORK}/{job}",
         f"permanent_dir {WORK}/{job}",
         "echo",
         "memory heap 200 mb stack 3000 mb global 800 mb",
         f"charge {charge}",
         "geometry units angstrom noautoz nocenter noautosym",
         "  symmetry c1"]
    for el, x, y, z in atoms:
        s.append(f"  {el:<2s} {x:>18s} {y:>18s} {z:>18s}")
    s.append("end")
    s += basis
    s += ["dft", "  xc b3lyp", "  grid xfine", "  convergence energy 1e-9 density 1e-7",
          "  iterations 200"]
    if mult != 1:
        s += ["  odft", f"  mult {mult}"]
    s += ["  " + l for l in extra(job, mult)]
    s.append("end")
    if kind == "cosmo":
        radii = " ".join(str(RADII_12BONDI[a[0]]) for a in atoms)
        s += ["cosmo", "  dielec 78.4", "  screen st", "  charge_correction no",
              f"  radius {radii}", "  minbem 4", "  ificos 0", "end"]
    elif kind == "smd":
        s += ["cosmo", "  do_cosmo_smd true", "  solvent water", "end"]
    s.append("task dft energy")
    return "\n".join(s) + "\n"


def main():
    os.makedirs(os.path.join(HERE, "nwchem"), exist_ok=True)
    jobs = []
    for prefix, model, method, blabel, bblock, kind in MODELS:
        for tag, name, gfile in MOLECULES:
            _, atoms = read_xyz(os.path.join(HERE, gfile))
            for state, q, m in STATES:
                if kind == "gas" and q == 0:
                    continue
                job = f"{prefix}_{tag}_{state}"
                with open(os.path.join(HERE, "nwchem", job + ".nw"), "w") as f:
                    f.write(make(job, q, m, atoms, bblock, kind))
                rec = {"job": job, "set": {"cosmo": "A", "smd": "B", "gas": "S2"}[kind],
                       "molecule": name, "molecule_tag": tag, "state": state,
                       "charge": q, "multiplicity": m,
                       "reference": "RKS" if m == 1 else "UKS",
                       "method": method, "basis": blabel, "model": model,
                       "geometry_file": gfile, "elements": [a[0] for a in atoms]}
                if kind == "cosmo":
                    rec["settings"] = {"dielec": 78.4, "screen": "st", "charge_correction": "no",
                                       "minbem": 4, "ificos": 0,
                                       "radii_angstrom": [RADII_12BONDI[a[0]] for a in atoms]}
                elif kind == "smd":
                    rec["settings"] = {"do_cosmo_smd": True, "solvent": "water"}
                else:
                    rec["settings"] = {}
                if extra(job, m):
                    rec["dft_extra"] = extra(job, m)
                jobs.append(rec)
    with open(os.path.join(HERE, "jobs.json"), "w") as f:
        json.dump(jobs, f, indent=1)
    print(len(jobs), "inputs written")


if __name__ == "__main__":
    main()
