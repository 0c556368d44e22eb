#!/usr/bin/env python3
"""Collect (merge) the psi4 gradient / optimisation reference numbers from WORKDIR/<case>.log
(REF lines printed by the inputs, plus the /usr/bin/time wall time) and WORKDIR/<case>.out
(psi4's printed gradient and, for the optimisation, its convergence tables) into
gradient_references.json.  Cases not found in WORKDIR are kept.  usage: extract.py WORKDIR

Every entry has "kind": "gradient" (analytic SCF gradient at a fixed geometry), "fd_check"
(analytic vs five-point finite-difference gradient, the grid-weight-derivative test) or
"optimization".  Units: hartree, bohr, hartree/bohr."""
import json, os, re, sys

HERE = os.path.dirname(os.path.abspath(__file__))
W = sys.argv[1] if len(sys.argv) > 1 else "/tmp/gradref"
meta = json.load(open(os.path.join(HERE, "cases_meta.json")))

# Gaussian's default criteria (psi4 G_CONVERGENCE GAU), internal coordinates, au
GAU = {"max_force": 4.5e-4, "rms_force": 3.0e-4, "max_disp": 1.8e-3, "rms_disp": 1.2e-3}
GAU_TIGHT = {"max_force": 1.5e-5, "rms_force": 1.0e-5, "max_disp": 6.0e-5, "rms_disp": 4.0e-5}


def ref_lines(path):
    d = {}
    for l in open(path):
        if l.startswith("REF "):
            k, _, v = l[4:].rstrip("\n").partition(" ")
            d[k] = v
    return d


def floats(s):
    return [float(x) for x in s.split()]


def rows3(flat):
    return [flat[i:i + 3] for i in range(0, len(flat), 3)]


def wall_seconds(log):
    t = re.findall(r"^([0-9.]+) s$", open(log).read(), re.M)
    return float(t[-1]) if t else None


def printed_gradient(txt):
    """The last '-Total Gradient:' block psi4 printed (rows of 3 numbers)."""
    i = txt.rindex("-Total Gradient:")
    rows = []
    for l in txt[i:].splitlines()[3:]:
        t = l.split()
        if len(t) != 4:
            break
        rows.append([float(x) for x in t[1:]])
    return rows


def settings(r, m):
    s = {k[4:].lower(): v for k, v in r.items() if k.startswith("OPT_")}
    s["num_threads"] = int(r["NUM_THREADS"])
    s["units"] = "bohr"; s["no_reorient"] = True; s["no_com"] = True; s["symmetry"] = "c1"
    if m["method"] == "hf":   # the grid options are psi4 defaults printed for completeness only
        s = {k: v for k, v in s.items() if not k.startswith("dft_")}
    return s


def opt_summary(txt):
    """psi4's '==> Optimization Summary <==' table (full precision) and the per-step
    '==> Convergence Check <==' lines; step -> energy, delta E, max/rms force, max/rms disp."""
    i = txt.index("==> Optimization Summary <==")
    steps = []
    for l in txt[i:].splitlines()[6:]:   # title, blank, 'Measures ...', rule, header, rule
        t = l.replace("~", "").split()
        if not t or not t[0].isdigit():
            break
        n, e, de, mf, rf, md, rd = t[:7]
        steps.append({"step": int(n), "energy": float(e), "delta_e": float(de), "max_force": float(mf),
                      "rms_force": float(rf), "max_disp": float(md), "rms_disp": float(rd)})
    return steps


def first_met(steps, crit):
    for s in steps:
        if all(s[k] < v for k, v in crit.items()):
            return s["step"]
    return None


JSON = os.path.join(HERE, "gradient_references.json")
out = json.load(open(JSON)) if os.path.exists(JSON) else {}
for case, m in meta.items():
    log = os.path.join(W, case + ".log")
    if not os.path.exists(log):
        continue
    r = ref_lines(log)
    txt = open(os.path.join(W, case + ".out")).read()
    e = {"kind": m["kind"], "method": m["method"], "basis": m["basis"], "reference": m["reference"],
         "molecule": m["molecule"], "geometry_source": m["geometry_source"],
         "symbols": m["symbols"], "charge": m["charge"], "multiplicity": m["multiplicity"],
         "geometry_bohr": m["geometry_bohr"]}
    if m["kind"] == "optimization":
        if "FINAL_ENERGY" not in r:
            print("no result (yet)", case); continue
        steps = opt_summary(txt)
        hist = floats(r["HISTORY_ENERGIES"])
        assert len(steps) == len(hist) == int(r["N_GRADIENTS"]), (len(steps), len(hist))
        assert all(abs(s["energy"] - h) < 1e-9 for s, h in zip(steps, hist))
        ngau = first_met(steps, GAU)
        e.update({
            "geometry_bohr_start": m["geometry_bohr"],
            "nbf": int(r["NBF"]), "has_puream": r["BASIS_PUREAM"] == "True",
            "start_energy": hist[0],
            "energy": float(r["FINAL_ENERGY"]),
            "final_geometry_bohr": rows3(floats(r["FINAL_GEOMETRY_REPR"])),
            "final_minus_last_gradient_geometry_maxabs": float(r["FINAL_MINUS_LAST_GRADIENT_GEOMETRY_MAXABS"]),
            "gradient": rows3(floats(r["FINAL_GRADIENT_REPR"])),
            "gradient_note": "Cartesian gradient at the final geometry (last gradient evaluation)",
            "n_gradient_evaluations": len(hist),
            "steps": steps,
            "steps_note": "psi4 optking (C++, 1.3.2) 'Optimization Summary': forces and displacements in "
                          "redundant internal coordinates (au); the displacement of step n is the step "
                          "optking proposed from geometry n (as used in its convergence check at step n)",
            "gau_criteria": GAU, "gau_tight_criteria": GAU_TIGHT,
            "gau_first_met_step": ngau,
            "gau_first_met_energy": None if ngau is None else steps[ngau - 1]["energy"],
            "gau_tight_first_met_step": first_met(steps, GAU_TIGHT),
            "optking": {k[8:].lower(): v for k, v in r.items() if k.startswith("OPTKING_")},
        })
    else:
        if "TOTAL_ENERGY" not in r:
            print("no result", case); continue
        natom = len(m["symbols"])
        if m["kind"] == "gradient":
            g = rows3(floats(r["GRADIENT_REPR"]))
        else:
            g = [floats(r["GRADIENT_%d" % (i + 1)]) for i in range(natom)]
        pg = printed_gradient(txt)
        assert len(pg) == natom and all(abs(a - b) < 1e-11 for ra, rb in zip(g, pg) for a, b in zip(ra, rb))
        e.update({
            "nbf": int(r["NBF"]), "has_puream": r["BASIS_PUREAM"] == "True", "basis_name": r["BASIS_NAME"],
            "nalpha": int(r["NALPHA"]), "nbeta": int(r["NBETA"]),
            "nuclear_repulsion": float(r["NUCLEAR_REPULSION"]),
            "energy": float(r["TOTAL_ENERGY"]),
            "gradient": g,
            "gradient_sum_over_atoms": floats(r["GRADIENT_SUM"]),
        })
        if "SCF_ITERATIONS" in r:
            e["iterations"] = int(r["SCF_ITERATIONS"])
        if "XC_ENERGY" in r:
            e["xc_energy"] = float(r["XC_ENERGY"])
            e["grid_points"] = int(r["NPOINTS"])
        if m["kind"] == "fd_check":
            fd = [floats(r["FD_GRADIENT_%d" % (i + 1)]) for i in range(natom)]
            e.update({
                "fd_gradient": fd,
                "fd_method": "five-point central differences of the SCF energy, h = 0.005 bohr, "
                             "one atom moved at a time (grid moves with the atom)",
                "analytic_minus_fd": [[float("%.3e" % (a - b)) for a, b in zip(ra, rb)] for ra, rb in zip(g, fd)],
                "max_abs_analytic_minus_fd": float(r["MAX_ABS_ANALYTIC_MINUS_FD"]),
                "fd_gradient_sum_over_atoms": floats(r["FD_GRADIENT_SUM"]),
            })
    e["d_convergence"] = m["d_convergence"]
    e["settings"] = settings(r, m)
    e["psi4_version"] = r["PSI4_VERSION"]
    e["seconds"] = wall_seconds(log)
    out[case] = e

out = {c: out[c] for c in meta if c in out}   # the order of make_inputs.py
json.dump(out, open(JSON, "w"), indent=1)
for c, e in out.items():
    if e["kind"] == "optimization":
        print("%-28s nbf=%3d E0=%.12f E=%.12f ngrad=%d gau@%s gau_tight@%s %.1fs" % (
            c, e["nbf"], e["start_energy"], e["energy"], e["n_gradient_evaluations"], e["gau_first_met_step"],
            e["gau_tight_first_met_step"], e["seconds"]))
    else:
        print("%-28s nbf=%3d puream=%d E=%.12f it=%s max|g|=%.6f sum=%s %.1fs" % (
            c, e["nbf"], e["has_puream"], e["energy"], e.get("iterations"),
            max(abs(x) for r in e["gradient"] for x in r), e["gradient_sum_over_atoms"], e["seconds"]))
        if e["kind"] == "fd_check":
            print("    max |analytic - FD| = %.3e" % e["max_abs_analytic_minus_fd"])
