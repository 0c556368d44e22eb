#!/usr/bin/env python3
"""Read the NWChem outputs of the jobs in jobs.json and write references.json.

usage: extract.py [WORKDIR]   (default /tmp/solvref/jobs; outputs WORKDIR/<job>/<job>.out,
                               surface charges WORKDIR/<job>/<job>.cosmo.xyz)
Jobs without a finished output keep the run already stored in references.json (if any),
so earlier results survive when their outputs are gone; otherwise they are left out.  See README.md for the meaning of every key.
"""
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
W = sys.argv[1] if len(sys.argv) > 1 else "/tmp/solvref/jobs"
AU2KCAL = 627.509451  # NWChem's cau2kcal (src/util/util_params.fh)

NUM = r"([-+]?\d+\.\d+(?:[EeDd][-+]?\d+)?)"


def last(pattern, text, cast=float, group=1):
    m = re.findall(pattern, text, re.M)
    if not m:
        return None
    v = m[-1]
    if isinstance(v, tuple):
        v = v[group - 1]
    return cast(v)


def parse(job, rec):
    out = os.path.join(W, job, job + ".out")
    if not os.path.exists(out):
        return None
    txt = open(out, errors="replace").read()
    if "Total times" not in txt:
        return None
    r = {}
    r["n_points"] = last(r"number of -cosmo- surface points =\s+(\d+)", txt, int)
    r["area"] = last(r"molecular surface =\s+" + NUM + " angstrom", txt)
    r["volume"] = last(r"molecular volume  =\s+" + NUM + " angstrom", txt)
    r["g_cav_disp_kcal_printed"] = last(r"G\(cav/disp\)\s+=\s+" + NUM, txt)
    r["minbem_printed"] = last(r"-bem- low  level\s+=\s+(\d+)", txt, int)
    r["lineq_printed"] = last(r"-lineq- algorithm\s+=\s+(\d+)", txt, int)
    r["screen_factor_printed"] = last(r"screen = \(eps-1\)/\(eps[^)]*\)\s+=\s+" + NUM, txt)
    r["charge_correction_printed"] = last(r"surface charge correction\s+=\s+(\w+)", txt, str)
    r["york_karplus"] = "Cosmo: York-Karplus" in txt
    r["dielec_printed"] = last(r"dielectric constant -eps-\s+=\s+" + NUM, txt)
    # radii table (last one printed)
    blocks = re.findall(r"atomic radii = \n --------------\n((?:\s+\d+\s+\d+\.\d+\s+\d+\.\d+\n)+)", txt)
    if blocks:
        r["radii_printed"] = [float(l.split()[2]) for l in blocks[-1].strip("\n").split("\n")]
    smd = "COSMO-SMD solvation results" in txt
    if not smd:
        r["e_gas"] = last(r"^\s+gas phase energy =\s+" + NUM, txt)
        e_sol_block = last(r"^\s+sol phase energy =\s+" + NUM, txt)
        r["e_solv_printed_block"] = e_sol_block
        tot = last(r"Total (?:SCF|DFT) energy =\s+" + NUM, txt)
        r["e_solv"] = tot
        r["nwchem_solvation_energy_hartree"] = last(
            r"\(electrostatic\) solvation energy =\s+" + NUM, txt)
        r["nwchem_solvation_energy_kcal"] = last(
            r"\(electrostatic\) solvation energy =\s+\S+\s+\(\s*" + NUM + r" kcal/mol\)", txt)
        r["cosmo_energy"] = last(r"COSMO energy =\s+" + NUM, txt)
        if r["e_gas"] is not None and tot is not None:
            r["dg_elec_kcal"] = round((tot - r["e_gas"]) * AU2KCAL, 8)
    else:
        r["e_gas"] = last(r"internal energy in gas <Psi\(g\)\|H\|Psi\(g\)> =\s+" + NUM, txt)
        r["e_internal_solv"] = last(r"internal energy in solvent <Psi\(s\)\|H\|Psi\(s\)> =\s+" + NUM, txt)
        r["delta_internal_kcal_printed"] = last(r"delta internal energy  =\s+\S+\s+\(\s*" + NUM, txt)
        r["e_solv_elec"] = last(r"total free energy in solvent <Psi\(s\)\|H\+V/2\|Psi\(s\)> =\s+" + NUM, txt)
        r["polarization_energy"] = last(r"polarization energy contribution <Psi\(s\)\|V/2\|Psi\(s\)> =\s+" + NUM, txt)
        r["e_solv"] = last(r"total free energy in solvent including G\(SMD-CDS\) =\s+" + NUM, txt)
        r["g_cds_hartree"] = last(r"G\(SMD-CDS\) energy contribution =\s+" + NUM, txt)
        r["g_cds_kcal_printed_init"] = last(r"G\(SMD-CDS\) energy \(kcal/mol\)\s+=\s+" + NUM, txt)
        r["sasa_cds"] = last(r"SMD-CDS SASA \(angstrom\*\*2\)\s+=\s+" + NUM, txt)
        r["dg_solv_hartree_printed"] = last(r"1 M fixed-concentration free energy of solvation =\s+" + NUM, txt)
        r["dg_solv_kcal_printed"] = last(r"1 M fixed-concentration free energy of solvation =\s+\S+\s+\(\s*" + NUM, txt)
        r["cosmo_energy"] = last(r"COSMO energy =\s+" + NUM, txt)
        r["e_total_dft_printed"] = last(r"Total DFT energy =\s+" + NUM, txt)
        if None not in (r["e_gas"], r["e_solv"], r["e_solv_elec"], r["g_cds_hartree"]):
            r["dg_elec_kcal"] = round((r["e_solv_elec"] - r["e_gas"]) * AU2KCAL, 8)
            r["g_cds_kcal"] = round(r["g_cds_hartree"] * AU2KCAL, 8)
            r["dg_solv_kcal"] = round((r["e_solv"] - r["e_gas"]) * AU2KCAL, 8)
    # total surface charge (sum of the screened charges of the last SCF step)
    cx = os.path.join(W, job, job + ".cosmo.xyz")
    if os.path.exists(cx):
        lines = open(cx).read().splitlines()
        n = int(lines[0].split()[0])
        q = [float(l.split()[4].replace("D", "E")) for l in lines[2:2 + n]]
        # cosmo.xyz holds -efcz; efcz (NWChem's surface charges, which act on the
        # solute as point charges) = -q
        r["surface_charge"] = round(-sum(q), 12)
        r["n_points_cosmo_xyz"] = n
    # warnings / non-convergence
    warn = sorted(set(l.strip() for l in txt.splitlines()
                      if re.search(r"warning|not converged|too many|hnd_cosequ: it", l, re.I)))
    r["warnings"] = warn
    err = os.path.join(W, job, job + ".err")
    if os.path.exists(err):
        e = open(err).read().strip().splitlines()
        if e:
            m = re.match(r"([\d.]+) s (\d+) kB", e[-1])
            if m:
                r["wall_s"] = float(m.group(1))
                r["max_rss_mb"] = round(int(m.group(2)) / 1024.0, 1)
    return r


def main():
    jobs = json.load(open(os.path.join(HERE, "jobs.json")))
    # Merge: runs already in references.json whose output is not present in WORKDIR
    # (e.g. computed earlier on another machine) are kept unchanged, keyed by job name.
    ref = os.path.join(HERE, "references.json")
    old = {}
    if os.path.exists(ref):
        try:
            old = {o["job"]: o for o in json.load(open(ref)).get("runs", [])}
        except (ValueError, KeyError):
            sys.exit("references.json unreadable; not overwriting it")
    runs = []
    known = set()
    for rec in jobs:
        known.add(rec["job"])
        r = parse(rec["job"], rec)
        if r is None:
            if rec["job"] in old:
                runs.append(old[rec["job"]])
            continue
        o = {"job": rec["job"], "part": rec["part"], "molecule": rec["molecule"],
             "charge": rec["charge"], "method": rec["method"], "basis": rec["basis"],
             "minbem": rec["settings"].get("minbem", r.get("minbem_printed")),
             "settings": rec["settings"]}
        gf = rec["geometry_file"]
        if gf.startswith("/work/shared/"):
            gf = gf[len("/work/"):]
        else:
            gf = "tests/reference/solvation/" + gf
        o["geometry_file"] = gf
        o["input_file"] = "tests/reference/solvation/nwchem/%s.nw" % rec["job"]
        o["elements"] = rec["elements"]
        for k in ("freesolv_id", "smiles", "dg_hyd_exp_kcal", "dg_hyd_exp_unc_kcal"):
            if k in rec:
                o[k] = rec[k]
        for k in ("n_points", "e_gas", "e_solv", "dg_elec_kcal", "g_cds_kcal",
                  "dg_solv_kcal", "area", "volume", "surface_charge"):
            o[k] = r.pop(k, None)
        o["nwchem"] = r
        runs.append(o)
    runs += [o for j, o in old.items() if j not in known]
    doc = {
        "description": "C-PCM (NWChem COSMO, York-Karplus) and SMD reference numbers from "
                       "NWChem 7.0.2 (Debian 7.0.2-4). See README.md.",
        "units": {"energies": "hartree", "*_kcal": "kcal/mol (1 hartree = 627.509451 kcal/mol)",
                  "area": "angstrom**2", "volume": "angstrom**3",
                  "surface_charge": "e", "radii": "angstrom"},
        "sign_conventions": {
            "dg_elec_kcal": "(e_solv - e_gas) * 627.509451, negative = stabilised by the solvent; "
                            "for SMD e_solv is replaced by the electrostatic-only "
                            "total free energy in solvent <Psi(s)|H+V/2|Psi(s)>",
            "nwchem.nwchem_solvation_energy_*": "as printed by NWChem: e_gas - e_solv (opposite sign)",
            "surface_charge": "sum of NWChem's screened surface charges (efcz = minus the "
                              "q column of cosmo.xyz); for a solute of charge Q with "
                              "the lagrangian correction it equals -f(eps)*Q"},
        "runs": runs,
    }
    with open(os.path.join(HERE, "references.json"), "w") as f:
        json.dump(doc, f, indent=1)
    print(len(runs), "runs written")


if __name__ == "__main__":
    main()
