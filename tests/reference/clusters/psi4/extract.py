#!/usr/bin/env python3
"""Collect the psi4 cluster references from NAME.out (REF lines printed by the inputs and psi4's
own printout) into references.json.  usage: extract.py [TIMEDIR]
TIMEDIR holds NAME.time from /usr/bin/time -f "WALL %e USER %U MAXRSS_KB %M" (optional)."""
import json, os, re, sys

HERE = os.path.dirname(os.path.abspath(__file__))
TIMEDIR = sys.argv[1] if len(sys.argv) > 1 else None
HARTREE_EV = 27.211386245988

# Which options were set for each reference, and why (see README.md).
SCF_PATH = {
    "znf2": {
        "guess": "RHF orbitals (guess read): RHF/def2-SVP with the same geometry, scf_type, thresholds "
                 "and SAD guess is converged first, then B3LYP starts from its orbitals",
        "convergence_aids": "none besides the RHF start (plain DIIS, no damping, no SOSCF)",
        "ladder_tried_from_sad": [
            "plain DIIS (maxiter 200): failed, stuck at E = -1966.8923, |[F,P]| = 7.3e-2",
            "damping_percentage 20: failed (200 iterations), stuck at E = -1968.1445, |[F,P]| = 6.9e-2",
            "damping_percentage 20 + level_shift 0.5 + level_shift_cutoff 1e-5: not available in psi4 1.3.2 "
            "(LEVEL_SHIFT_CUTOFF is not a valid option; LEVEL_SHIFT is not read by SCF)",
            "damping_percentage 20 + soscf true: failed (SOSCF never starts, |[F,P]| stays above "
            "soscf_start_convergence 1e-2)",
            "damping_percentage 20 + soscf true + maxiter 300: failed (300 iterations), same stuck state",
        ],
    },
    "zno2": {"guess": "sad (psi4 default)", "convergence_aids": "none (plain DIIS)", "ladder_tried_from_sad": []},
    "zno4": {"guess": "sad (psi4 default)", "convergence_aids": "none (plain DIIS)", "ladder_tried_from_sad": []},
}


def ref_lines(path):
    d = {}
    for l in open(path):
        if l.startswith("REF "):
            k, _, v = l[4:].rstrip("\n").partition(" ")
            d.setdefault(k, []).append(v)
    return {k: (v[0] if len(v) == 1 else v) for k, v in d.items()}


def floats(s):
    return [float(x) for x in s.split()]


def set_block(path):
    txt = open(path).read()
    blk = txt[txt.index("set {") + 5:txt.index("}", txt.index("set {"))]
    return dict(l.split(None, 1) for l in blk.strip().splitlines())


out = {"_about": {
    "program": "psi4 1.3.2 (Debian 1:1.3.2+dfsg-5, libxc 5.2.3), psi4 -n 1",
    "method": "RKS B3LYP (psi4 definition: VWN5_RPA) / def2-SVP (psi4 built-in, spherical), all-electron",
    "geometry": "clusters/NAME.xyz in Angstrom as given, units angstrom, no_com, no_reorient, symmetry c1; "
                "psi4 1.3.2 converts with 1 bohr = 0.52917721067 A (CODATA 2014); geometry_bohr is what psi4 used",
    "units": "energies and orbital energies in hartree; homo_eV/lumo_eV with 27.211386245988 eV/Eh",
    "eps_occ_top5": "5 highest occupied orbital energies, ascending (last = HOMO)",
    "eps_virt_low5": "5 lowest virtual orbital energies, ascending (first = LUMO)",
    "precision": "values printed with 12 decimals from the psi4 Python API; orbital energies are converged "
                 "to ~1e-7 Eh and energies to ~1e-10 Eh (see README.md)",
}}
for name in ("znf2", "zno2", "zno4"):
    p = os.path.join(HERE, name + ".out")
    r = ref_lines(p)
    txt = open(p).read()
    na = int(r["NALPHA"])
    occ = floats(r["EPS_A_OCC"]); virt = floats(r["EPS_A_VIRT5"]); allv = floats(r["EPS_A_ALL"])
    assert allv[:na] == occ and allv[na:na + 5] == virt
    homo, lumo = occ[-1], virt[0]
    m = re.findall(r"@RKS Final Energy:\s+(\S+)", txt)
    w = re.search(r"Psi4 wall time for execution: (\d+):(\d+):([\d.]+)", txt)
    wall = int(w.group(1)) * 3600 + int(w.group(2)) * 60 + float(w.group(3))
    entry = {
        "name": name,
        "xyz": "tests/reference/clusters/%s.xyz" % name,
        "input": "tests/reference/clusters/psi4/%s.in" % name,
        "nbf": int(r["NBF"]), "nmo": int(r["NMO"]), "nalpha": na, "nbeta": int(r["NBETA"]),
        "total_energy": float(r["TOTAL_ENERGY"]),
        "total_energy_printed": r["TOTAL_ENERGY"],
        "psi4_final_energy_line": m[-1] if m else None,
        "scf_iterations": int(r["SCF_ITERATIONS"]),
        "eps_occ_top5": occ[-5:],
        "eps_virt_low5": virt,
        "homo": homo, "lumo": lumo,
        "homo_eV": homo * HARTREE_EV, "lumo_eV": lumo * HARTREE_EV,
        "gap_eV": (lumo - homo) * HARTREE_EV,
        "aufbau": {"ok": max(allv[:na]) < min(allv[na:]), "max_occ": max(allv[:na]), "min_virt": min(allv[na:]),
                   "occupation": "doccpi = %s (C1), lowest %d orbitals doubly occupied" % (r["DOCCPI"], na)},
        "nuclear_repulsion": float(r["NUCLEAR_REPULSION"]),
        "xc_energy": float(r["XC_ENERGY"]),
        "grid_points": int(r["NPOINTS"]),
        "integrated_electrons": float(r["QUAD_RHO_A"]),
        "bohr2angstroms_used_by_psi4": float(r["BOHR2ANGSTROMS"]),
        "geometry_bohr": [[g.split()[0]] + floats(" ".join(g.split()[1:])) for g in r["GEOM_BOHR"]],
        "wall_time_s": wall,
        "wall_time_note": "psi4's 'wall time for execution', psi4 -n 1 on a shared 2-core machine "
                          "with other jobs running" + (", includes the RHF guess run" if name == "znf2" else ""),
        "options": {
            "set": set_block(p),
            "molecule": "units angstrom, no_reorient, no_com, symmetry c1, charge 0, multiplicity 1",
            "method": "energy('b3lyp')",
            "scf_path": SCF_PATH[name],
            "memory": "4 gb (the tests/reference/dft inputs use 12 gb; PK needs < 3 GB here)",
        },
        "psi4_version": r["PSI4_VERSION"],
    }
    if "HF_GUESS_ENERGY" in r:
        entry["options"]["set_before_b3lyp"] = {"reference": "rks", "guess": "read"}
        entry["options"]["set"]["reference"] = "rhf for the RHF guess run, then rks"
        entry["rhf_guess_energy"] = float(r["HF_GUESS_ENERGY"])
        entry["rhf_guess_iterations"] = int(r["HF_GUESS_ITERATIONS"])
    if TIMEDIR and os.path.exists(os.path.join(TIMEDIR, name + ".time")):
        t = open(os.path.join(TIMEDIR, name + ".time")).read().split()
        entry["usr_bin_time"] = {"elapsed_s": float(t[t.index("WALL") + 1]), "user_s": float(t[t.index("USER") + 1]),
                                 "maxrss_kb": int(t[t.index("MAXRSS_KB") + 1])}
    # checks: the same state from other starting points / the CODATA 2018 bohr geometry
    checks = {}
    for f in sorted(os.listdir(os.path.join(HERE, "checks"))):
        if f.startswith(name + "_") and f.endswith(".out"):
            rc = ref_lines(os.path.join(HERE, "checks", f))
            if "TOTAL_ENERGY" not in rc:
                checks[f[:-4]] = {"converged": False}
                continue
            o = floats(rc["EPS_A_OCC"]); v = floats(rc["EPS_A_VIRT5"])
            checks[f[:-4]] = {"converged": True, "total_energy": float(rc["TOTAL_ENERGY"]),
                              "dE_vs_reference": float(rc["TOTAL_ENERGY"]) - entry["total_energy"],
                              "scf_iterations": int(rc["SCF_ITERATIONS"]),
                              "max_abs_deps_top5occ_low5virt": max(abs(a - b) for a, b in zip(o[-5:] + v, occ[-5:] + virt)),
                              "aufbau": rc["AUFBAU_A"].split()[0] == "True"}
    entry["checks"] = checks
    out[name] = entry

with open(os.path.join(HERE, "references.json"), "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
for name in ("znf2", "zno2", "zno4"):
    e = out[name]
    print("%-5s nbf=%3d E=%s it=%d HOMO=%.4f eV LUMO=%.4f eV gap=%.4f eV wall=%.1fs aufbau=%s" % (
        name, e["nbf"], e["total_energy_printed"], e["scf_iterations"], e["homo_eV"], e["lumo_eV"], e["gap_eV"],
        e["wall_time_s"], e["aufbau"]["ok"]))
    for k, c in e["checks"].items():
        print("    %-32s %s" % (k, {kk: c[kk] for kk in c if kk in ("converged", "dE_vs_reference", "max_abs_deps_top5occ_low5virt")}))
