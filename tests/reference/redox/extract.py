#!/usr/bin/env python3
"""Read the NWChem outputs of the jobs in jobs.json and write references.json.

usage: extract.py [WORKDIR]   (default /tmp/redoxref/jobs; outputs WORKDIR/<job>/<job>.out,
                               wall time / peak memory WORKDIR/<job>/<job>.err from /usr/bin/time)
       extract.py --summary    (print markdown tables of references.json, change nothing)
Jobs without a finished output keep the run already stored in references.json (if any),
so earlier results survive when their outputs are gone; otherwise they are left out.
Derived vertical IP / EA (eV) are recomputed from the stored runs.  See README.md.
"""
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ARGS = [a for a in sys.argv[1:] if not a.startswith("--")]
W = ARGS[0] if ARGS else "/tmp/redoxref/jobs"
HARTREE_EV = 27.211386245988  # CODATA 2018
AU2KCAL = 627.509451          # NWChem's cau2kcal (src/util/util_params.fh)
REL = "tests/reference/redox/"

NUM = r"([-+]?\d+\.\d+(?:[EeDd][-+]?\d+)?)"


def last(pattern, text, cast=float):
    m = re.findall(pattern, text, re.M)
    if not m:
        return None
    v = m[-1]
    if isinstance(v, tuple):
        v = v[0]
    return cast(v)


def scf_iterations(block):
    return len(re.findall(r"^ d=\s*\d+,ls=", block, re.M))


def parse(job, kind):
    out = os.path.join(W, job, job + ".out")
    if not os.path.exists(out):
        return None
    txt = open(out, errors="replace").read()
    if "Total times" not in txt:
        return None
    r = {}
    tot = last(r"Total DFT energy =\s+" + NUM, txt)
    s2 = re.findall(r"<S2> =\s+" + NUM + r" \(Exact =\s+" + NUM + r"\)", txt)
    r["s2"] = float(s2[-1][0]) if s2 else None
    r["s2_exact"] = float(s2[-1][1]) if s2 else None
    maxit = last(r"^\s+iterations\s+(\d+)", txt, int) or 30  # from the echoed input
    r["max_iterations"] = maxit
    if kind == "gas":
        r["e_gas"] = tot
        r["scf_iterations"] = scf_iterations(txt)
        its = [r["scf_iterations"]]
    else:
        i_g = txt.find("COSMO gas phase")
        i_s = txt.find("COSMO solvation phase")
        r["scf_iterations_gas"] = scf_iterations(txt[i_g:i_s]) if i_g >= 0 and i_s > 0 else None
        r["scf_iterations_solv"] = scf_iterations(txt[i_s:]) if i_s > 0 else None
        its = [r["scf_iterations_gas"], r["scf_iterations_solv"]]
        r["n_points"] = last(r"number of -cosmo- surface points =\s+(\d+)", txt, int)
        r["minbem_printed"] = last(r"-bem- low  level\s+=\s+(\d+)", txt, int)
        r["screen_factor_printed"] = last(r"screen = \(eps-1\)/\(eps[^)]*\)\s+=\s+" + NUM, txt)
        r["charge_correction_printed"] = last(r"surface charge correction\s+=\s+(\w+)", txt, str)
        r["dielec_printed"] = last(r"dielectric constant -eps-\s+=\s+" + NUM, txt)
        r["york_karplus"] = "Cosmo: York-Karplus" in txt
        blocks = re.findall(r"atomic radii = \n --------------\n((?:\s+\d+\s+\d+\.\d+\s+\d+\.\d+\n)+)", txt)
        if blocks:
            r["radii_printed"] = [float(l.split()[2]) for l in blocks[-1].strip("\n").split("\n")]
        r["area"] = last(r"molecular surface =\s+" + NUM + " angstrom", txt)
        r["volume"] = last(r"molecular volume  =\s+" + NUM + " angstrom", txt)
        r["cosmo_energy"] = last(r"COSMO energy =\s+" + NUM, txt)
        r["e_total_dft_printed"] = tot
        if kind == "cosmo":
            r["e_gas"] = last(r"^\s+gas phase energy =\s+" + NUM, txt)
            r["e_solv"] = tot
            r["e_solv_printed_block"] = last(r"^\s+sol phase energy =\s+" + NUM, txt)
            r["nwchem_solvation_energy_hartree"] = last(
                r"\(electrostatic\) solvation energy =\s+" + NUM, txt)
            r["nwchem_solvation_energy_kcal"] = last(
                r"\(electrostatic\) solvation energy =\s+\S+\s+\(\s*" + NUM + r" kcal/mol\)", txt)
            r["g_cav_disp_kcal_printed"] = last(r"G\(cav/disp\)\s+=\s+" + NUM, txt)
            if None not in (r["e_gas"], tot):
                r["dg_elec_kcal"] = round((tot - r["e_gas"]) * AU2KCAL, 8)
        else:
            r["e_gas"] = last(r"internal energy in gas <Psi\(g\)\|H\|Psi\(g\)> =\s+" + NUM, txt)
            r["e_solv"] = last(r"total free energy in solvent including G\(SMD-CDS\) =\s+" + NUM, txt)
            r["e_internal_solv"] = last(r"internal energy in solvent <Psi\(s\)\|H\|Psi\(s\)> =\s+" + NUM, txt)
            r["delta_internal_hartree"] = last(r"delta internal energy  =\s+" + NUM, txt)
            r["e_solv_elec"] = last(r"total free energy in solvent <Psi\(s\)\|H\+V/2\|Psi\(s\)> =\s+" + NUM, txt)
            r["polarization_energy"] = last(r"polarization energy contribution <Psi\(s\)\|V/2\|Psi\(s\)> =\s+" + NUM, txt)
            r["g_cds_hartree"] = last(r"G\(SMD-CDS\) energy contribution =\s+" + NUM, txt)
            r["g_cds_kcal_printed_init"] = last(r"G\(SMD-CDS\) energy \(kcal/mol\)\s+=\s+" + NUM, txt)
            r["sasa_cds"] = last(r"SMD-CDS SASA \(angstrom\*\*2\)\s+=\s+" + NUM, txt)
            r["dg_solv_hartree_printed"] = last(r"1 M fixed-concentration free energy of solvation =\s+" + NUM, txt)
            r["dg_solv_kcal_printed"] = last(r"1 M fixed-concentration free energy of solvation =\s+\S+\s+\(\s*" + NUM, txt)
            if None not in (r["e_gas"], r["e_solv"], r["e_solv_elec"], r["g_cds_hartree"]):
                r["dg_elec_kcal"] = round((r["e_solv_elec"] - r["e_gas"]) * AU2KCAL, 8)
                r["g_cds_kcal"] = round(r["g_cds_hartree"] * AU2KCAL, 8)
                r["dg_solv_kcal"] = round((r["e_solv"] - r["e_gas"]) * AU2KCAL, 8)
    # multipole analysis of the final density (identifies which broken-symmetry
    # component a degenerate ion converged to: alpha-beta second moments)
    i_m = txt.rfind("Multipole analysis of the density")
    if i_m >= 0:
        mp = {}
        lab = {(1, 0, 0): "x", (0, 1, 0): "y", (0, 0, 1): "z", (2, 0, 0): "xx", (1, 1, 0): "xy",
               (1, 0, 1): "xz", (0, 2, 0): "yy", (0, 1, 1): "yz", (0, 0, 2): "zz"}
        for m in re.finditer(r"^\s+([12])\s+(\d) (\d) (\d)\s+" + NUM + r"\s+" + NUM + r"\s+" + NUM
                             + r"\s+" + NUM, txt[i_m:i_m + 3000], re.M):
            k = lab.get((int(m.group(2)), int(m.group(3)), int(m.group(4))))
            if k:
                mp[k] = {"total": float(m.group(5)), "alpha": float(m.group(6)),
                         "beta": float(m.group(7)), "nuclear": float(m.group(8))}
        r["multipoles_au"] = mp
    # NWChem goes on to the solvated SCF (and prints energies) even when the gas-phase SCF
    # stopped at the iteration limit, so convergence is judged by the iteration counts
    r["converged"] = (tot is not None and None not in its and max(its) < maxit
                      and not re.search(r"Calculation failed to converge", txt))
    warn = sorted(set(l.strip() for l in txt.splitlines()
                      if re.search(r"warning|not converged|failed to converge|too many", l, re.I)))
    r["warnings"] = warn
    r["wall_s_nwchem"] = last(r"Total times\s+cpu:\s+\S+s\s+wall:\s+" + NUM, txt)
    err = os.path.join(W, job, job + ".err")
    if os.path.exists(err):
        e = open(err).read().strip().splitlines()
        if e:
            m = re.match(r"([\d.]+) s (\d+) kB", e[-1])
            if m:
                r["wall_s"] = float(m.group(1))
                r["max_rss_mb"] = round(int(m.group(2)) / 1024.0, 1)
    return r


TOP = ("e_gas", "e_solv", "s2", "s2_exact", "converged", "wall_s")


def derived(runs):
    """Vertical IP = E(cation) - E(neutral), EA = E(neutral) - E(anion), in eV."""
    by = {(o["model"], o["basis"], o["molecule"], o["state"]): o for o in runs}
    res = []
    models = []
    for o in runs:
        if o["model"] != "gas" and (o["model"], o["basis"]) not in models:
            models.append((o["model"], o["basis"]))
    mols = []
    for o in runs:
        if o["molecule"] not in mols:
            mols.append(o["molecule"])
    for model, basis in models:
        for mol in mols:
            n = by.get((model, basis, mol, "neutral"))
            c = by.get((model, basis, mol, "cation"))
            a = by.get((model, basis, mol, "anion"))
            if n is None:
                continue
            d = {"molecule": mol, "model": model, "basis": basis, "method": n["method"],
                 "geometry_file": n["geometry_file"],
                 "jobs": {"neutral": n["job"], "cation": c and c["job"], "anion": a and a["job"]}}

            def get(x, key):
                if x is None:
                    return None
                return x[key] if key in x else x.get("nwchem", {}).get(key)

            def diff(x, y, key):
                if get(x, key) is None or get(y, key) is None:
                    return None
                return round((get(x, key) - get(y, key)) * HARTREE_EV, 6)
            d["ip_gas_ev"] = diff(c, n, "e_gas")
            d["ip_solv_ev"] = diff(c, n, "e_solv")
            d["ea_gas_ev"] = diff(n, a, "e_gas")
            d["ea_solv_ev"] = diff(n, a, "e_solv")
            if model == "SMD":
                d["ip_solv_elec_ev"] = diff(c, n, "e_solv_elec")
                d["ea_solv_elec_ev"] = diff(n, a, "e_solv_elec")
            # gas-phase check from the separate gas-phase ion jobs
            for st, key in (("cation", "ip_gas_from_gas_jobs_ev"), ("anion", "ea_gas_from_gas_jobs_ev")):
                g = by.get(("gas", basis, mol, st))
                if g is not None:
                    d[key] = diff(g, n, "e_gas") if st == "cation" else diff(n, g, "e_gas")
            d["s2"] = {}
            for st, x in (("cation", c), ("anion", a)):
                if x is None:
                    continue
                g = by.get(("gas", basis, mol, st))
                d["s2"][st] = {"solv": x.get("s2"), "gas": g.get("s2") if g else None}
            d["complete"] = None not in (c, a)
            res.append(d)
    return res


def summary(doc):
    """Markdown tables of the stored results (extract.py --summary)."""
    print("| job | E gas (Eh) | E solv (Eh) | <S2> gas | <S2> solv | SCF it. gas/solv | wall (s) |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for o in doc["runs"]:
        if o["model"] == "gas":
            continue
        n = o["nwchem"]
        print("| %s | %s | %s | %s | %s | %s/%s | %s |" % (
            o["job"], o["e_gas"], o["e_solv"], o.get("s2_gas"), o.get("s2_solv"),
            n.get("scf_iterations_gas"), n.get("scf_iterations_solv"), o.get("wall_s")))
    print()
    print("| molecule | model | IP gas | IP solv | EA gas | EA solv |")
    print("| --- | --- | --- | --- | --- | --- |")
    f = lambda v: "-" if v is None else "%.4f" % v
    for d in doc["derived"]:
        print("| %s | %s %s | %s | %s | %s | %s |" % (
            d["molecule"], d["model"], d["basis"], f(d["ip_gas_ev"]), f(d["ip_solv_ev"]),
            f(d["ea_gas_ev"]), f(d["ea_solv_ev"])))


EXCERPT_RE = re.compile(
    r"Total DFT energy =|gas phase energy =|sol phase energy =|solvation energy =|COSMO energy ="
    r"|<S2> =|number of -cosmo- surface points|internal energy in|delta internal energy"
    r"|total free energy in solvent|polarization energy contribution|G\(SMD-CDS\)"
    r"|SMD-CDS SASA|fixed-concentration free energy|surface charge correction|Total times"
    r"|COSMO gas phase|COSMO solvation phase|Calculation failed")


def write_excerpts(jobs):
    """outputs_excerpt.txt: the energy lines of every output (merged like references.json)."""
    path = os.path.join(HERE, "outputs_excerpt.txt")
    old = {}
    if os.path.exists(path):
        cur = None
        for line in open(path).read().splitlines():
            m = re.match(r"^=== (\S+) ===$", line)
            if m:
                cur = m.group(1)
                old[cur] = []
            elif cur:
                old[cur].append(line)
    for rec in jobs:
        out = os.path.join(W, rec["job"], rec["job"] + ".out")
        if os.path.exists(out):
            txt = open(out, errors="replace").read()
            if "Total times" in txt:
                keep = []
                lines = txt.splitlines()
                for i, l in enumerate(lines):
                    if EXCERPT_RE.search(l):
                        keep.append(l.rstrip())
                    # last SCF iteration of each phase
                    if re.match(r"^ d=\s*\d+,ls=", l):
                        nxt = next((x for x in lines[i + 1:i + 4] if x.strip()
                                    and not re.match(r"^\s+[\d.]+D[-+]\d+\s+[\d.]+D[-+]\d+$", x)), "")
                        if not nxt.startswith(" d="):
                            keep.append(l.rstrip())
                old[rec["job"]] = keep
    with open(path, "w") as f:
        f.write("# energy lines of the NWChem outputs (/tmp/redoxref/jobs/<job>/<job>.out), "
                "written by extract.py\n")
        for rec in jobs:
            if rec["job"] in old:
                f.write("=== %s ===\n" % rec["job"])
                f.write("\n".join(l for l in old[rec["job"]] if l.strip()) + "\n")


def main():
    if "--summary" in sys.argv:
        summary(json.load(open(os.path.join(HERE, "references.json"))))
        return
    jobs = json.load(open(os.path.join(HERE, "jobs.json")))
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
        kind = {"COSMO": "cosmo", "SMD": "smd", "gas": "gas"}[rec["model"]]
        r = parse(rec["job"], kind)
        if r is None:
            if rec["job"] in old:
                runs.append(old[rec["job"]])
            continue
        o = {k: rec[k] for k in ("job", "set", "molecule", "state", "charge", "multiplicity",
                                 "reference", "method", "basis", "model")}
        o["solvent"] = None if kind == "gas" else "water"
        o["geometry_file"] = REL + rec["geometry_file"]
        o["input_file"] = REL + "nwchem/%s.nw" % rec["job"]
        o["elements"] = rec["elements"]
        o["settings"] = rec["settings"]
        if "dft_extra" in rec:
            o["dft_extra"] = rec["dft_extra"]
        for k in TOP:
            o[k] = r.pop(k, None)
        if kind == "gas":
            o["e_solv"] = None
        o["nwchem"] = r
        runs.append(o)
    runs += [o for j, o in old.items() if j not in known]
    # gas-phase <S^2> of the ions from the separate gas-phase jobs, copied onto the
    # COSMO/SMD run of the same state and basis
    gas = {(o["basis"], o["molecule"], o["state"]): o for o in runs if o["model"] == "gas"}
    for o in runs:
        if o["model"] == "gas":
            continue
        g = gas.get((o["basis"], o["molecule"], o["state"]))
        o["s2_solv"] = o.get("s2")
        o["s2_gas"] = g["s2"] if g else None
        o["e_gas_separate_job"] = g["e_gas"] if g else None
        o["e_gas_separate_job_diff"] = (round(g["e_gas"] - o["e_gas"], 12)
                                        if g and None not in (g["e_gas"], o["e_gas"]) else None)
    doc = {
        "description": "Vertical ionisation energies and electron affinities (Delta-SCF, neutral "
                       "geometry) of 5 molecules, gas phase and water (B3LYP/6-31G* + COSMO; "
                       "B3LYP/def2-SVP + SMD), NWChem 7.0.2 (Debian 7.0.2-4). See README.md.",
        "units": {"energies": "hartree", "*_ev": "eV (1 hartree = 27.211386245988 eV, CODATA 2018)",
                  "*_kcal": "kcal/mol (1 hartree = 627.509451 kcal/mol, NWChem's cau2kcal)",
                  "area": "angstrom**2", "volume": "angstrom**3", "radii": "angstrom",
                  "wall_s": "s"},
        "definitions": {
            "e_gas": "gas-phase total energy (COSMO: 'gas phase energy'; SMD: 'internal energy in "
                     "gas <Psi(g)|H|Psi(g)>'; gas jobs: 'Total DFT energy')",
            "e_solv": "COSMO: final 'Total DFT energy' in solution (includes the dielectric energy); "
                      "SMD: 'total free energy in solvent including G(SMD-CDS)'",
            "s2": "<S2> printed at the end of the job (COSMO/SMD jobs: of the solvated SCF); "
                  "s2_solv = s2, s2_gas from the separate gas-phase job of that ion (model 'gas'); "
                  "closed-shell (RKS) neutrals: not printed by NWChem, null",
            "ip": "E(cation) - E(neutral), same geometry (vertical)",
            "ea": "E(neutral) - E(anion), same geometry (vertical); negative = anion unbound",
            "ip_solv_elec_ev / ea_solv_elec_ev": "SMD: the same from 'total free energy in solvent "
                                                 "<Psi(s)|H+V/2|Psi(s)>' (without G(SMD-CDS))",
            "dg_elec_kcal": "COSMO: (e_solv - e_gas)*627.509451; SMD: (e_solv_elec - e_gas)*627.509451",
        },
        "runs": runs,
        "derived": derived(runs),
    }
    with open(ref, "w") as f:
        json.dump(doc, f, indent=1)
    write_excerpts(jobs)
    print(len(runs), "runs written")


if __name__ == "__main__":
    main()
