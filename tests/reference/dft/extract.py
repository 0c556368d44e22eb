#!/usr/bin/env python3
"""Collect (merge) the psi4 DFT reference numbers from WORKDIR/<case>.log (REF lines printed by the
inputs, plus the /usr/bin/time wall time) and WORKDIR/<case>.out (grid and functional blocks
printed by psi4) into dft_references.json.  usage: extract.py WORKDIR"""
import json, os, re, sys

HERE = os.path.dirname(os.path.abspath(__file__))
W = sys.argv[1] if len(sys.argv) > 1 else "/tmp/dftref"
meta = json.load(open(os.path.join(HERE, "cases_meta.json")))

def ref_lines(path):
    d = {}
    for l in open(path):
        if l.startswith("REF "):
            k, _, v = l[4:].rstrip("\n").partition(" ")
            d[k] = v
    return d

def floats(s):
    return [float(x) for x in s.split()]

def printed_blocks(path):
    txt = open(path).read()
    dft = txt[txt.index("==> DFT Potential <=="):txt.index("==> Pre-Iterations <==")]
    comp = dft[:dft.index("=> Molecular Quadrature <=")]
    quad = dft[dft.index("=> Molecular Quadrature <="):]
    grid = {}
    for l in quad.splitlines():
        if "=" in l and "=>" not in l:
            k, v = [s.strip() for s in l.split("=", 1)]
            grid[k] = v
    # functional composition as printed: section -> list of lines
    sections, cur = {}, None
    for l in comp.splitlines():
        m = re.match(r"\s*=> (.*) <=", l)
        if m:
            cur = m.group(1).strip()
            sections[cur] = []
        elif cur and l.strip():
            sections[cur].append(l.strip())
    # per-component lines "coef  name [omega = w]"
    comps = {}
    for sec in ("Exchange Functionals", "Exact (HF) Exchange", "Correlation Functionals",
                "Exchange-Correlation Functionals"):
        if sec in sections:
            comps[sec] = sections[sec]
    head = sections.get([k for k in sections if k.startswith("Composite Functional")][0])
    m = re.search(r"Integral cutoff\s+(\S+)", txt)
    return grid, comps, head, (m.group(1) if m else None)

# Merge: cases found in WORKDIR replace their entries; the others are kept.
JSON = os.path.join(HERE, "dft_references.json")
out = json.load(open(JSON)) if os.path.exists(JSON) else {}
for case, m in meta.items():
    log = os.path.join(W, case + ".log")
    if not os.path.exists(log):
        continue
    r = ref_lines(log)
    if "TOTAL_ENERGY" not in r:
        print("no result", case); continue
    secs = float(open(log).read().strip().splitlines()[-1].split()[0])
    grid, comps, head, intcut = printed_blocks(os.path.join(W, case + ".out"))
    uks = m["reference"] == "UKS"
    if uks:
        ne = {"alpha": float(r["QUAD_RHO_A"]), "beta": float(r["QUAD_RHO_B"])}
        ne["total"] = float("%.12f" % (ne["alpha"] + ne["beta"]))
    else:
        # RKS in psi4 1.3.2: quadrature_values()["RHO_A"] is the integral of the TOTAL density
        ne = {"total": float(r["QUAD_RHO_A"])}
    opt = {k[4:]: v for k, v in r.items() if k.startswith("OPT_DFT_")}
    e = {
        "molecule": m["molecule"], "functional": m["functional"], "reference": m["reference"],
        "basis": m["basis"], "charge": m["charge"], "multiplicity": m["multiplicity"],
        "geometry_bohr": m["geometry_bohr"],
        "nbf": int(r["NBF"]), "nalpha": int(r["NALPHA"]), "nbeta": int(r["NBETA"]),
        "nuclear_repulsion": float(r["NUCLEAR_REPULSION"]),
        "total_energy": float(r["TOTAL_ENERGY"]),
        "xc_energy": float(r["XC_ENERGY"]),
        "dft_functional_total_energy": float(r["DFT_FUNCTIONAL_TOTAL_ENERGY"]),
        "xc_energy_quadrature": float(r["QUAD_FUNCTIONAL"]),
        "scf_iterations": int(r["SCF_ITERATIONS"]),
        "eps_alpha_occ": floats(r["EPS_A_OCC"]),
        "eps_alpha_virt5": floats(r["EPS_A_VIRT5"]),
        "eps_beta_occ": floats(r["EPS_B_OCC"]) if uks else None,
        "eps_beta_virt5": floats(r["EPS_B_VIRT5"]) if uks else None,
        "electrons_integrated": ne,
        "electrons_integrated_source": "not printed by psi4 1.3.2; wfn.V_potential().quadrature_values() "
                                       "of the last XC build (RKS: RHO_A = total density integral)",
        "psi4_grid": {
            "printed": grid,
            "radial_scheme": grid["Radial Scheme"], "nuclear_scheme": grid["Nuclear Scheme"],
            "pruning_scheme": grid["Pruning Scheme"], "spherical_scheme": opt["DFT_SPHERICAL_SCHEME"],
            "radial_points": int(grid["Radial Points"]), "spherical_points": int(grid["Spherical Points"]),
            "total_points": int(grid["Total Points"]), "npoints_api": int(r["NPOINTS"]),
            "bs_radius_alpha": float(grid["BS radius alpha"]), "pruning_alpha": float(grid["Pruning alpha"]),
            "basis_tolerance": float(opt["DFT_BASIS_TOLERANCE"]),
            "basis_tolerance_source": "option DFT_BASIS_TOLERANCE (default; not printed at print 1)",
            "density_tolerance": "none set by psi4 1.3.2 (no such option); libxc 5.2.3 per-functional "
                                 "dens_threshold defaults apply, see README",
            "options": opt,
        },
        "psi4_functional": {"header": head, "components": comps},
        "integral_cutoff": intcut,
        "psi4_version": r["PSI4_VERSION"],
        "seconds": secs,
    }
    out[case] = e
out = {c: out[c] for c in meta if c in out}  # the order of make_inputs.py
json.dump(out, open(JSON, "w"), indent=1)
for c, e in out.items():
    print("%-18s nbf=%3d E=%.12f Exc=%.12f N=%s it=%d %.1fs" % (c, e["nbf"], e["total_energy"], e["xc_energy"],
          e["electrons_integrated"], e["scf_iterations"], e["seconds"]))
