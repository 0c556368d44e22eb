#!/usr/bin/env python3
"""Collect (merge) the psi4 DF reference numbers from WORKDIR/<case>.log (REF lines printed by the
inputs, plus the /usr/bin/time wall time) and WORKDIR/<case>.out (JK, auxiliary basis, grid and
functional blocks printed by psi4) into df_references.json, with the conventional (scf_type pk)
numbers of the same case from ../dft/dft_references.json or ../hf_references.json where they exist.
usage: extract.py WORKDIR"""
import json, os, re, sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
W = sys.argv[1] if len(sys.argv) > 1 else "/tmp/dfref"
meta = json.load(open(os.path.join(HERE, "cases_meta.json")))
SYM = {1: "H", 5: "B", 6: "C", 8: "O"}
AM = "SPDFGHIK"

def ref_lines(path):
    d = {}
    for l in open(path):
        if l.startswith("REF "):
            k, _, v = l[4:].rstrip("\n").partition(" ")
            d[k] = v
    return d

def floats(s):
    return [float(x) for x in s.split()]

def gbs_count(path, symbols):
    """Independent count of the fitting functions in a .gbs file: (spherical, Cartesian, shells)."""
    shells, el = {}, None
    lines = open(path).read().splitlines()
    i = 0
    while i < len(lines):
        t = lines[i].split()
        if lines[i].strip() == "****":
            el = None
        elif el is None and len(t) == 2 and t[1] == "0" and t[0].isalpha():
            el = t[0].capitalize(); shells[el] = []
        elif el is not None and t and t[0].upper() in AM and len(t) == 3:
            shells[el].append(AM.index(t[0].upper())); i += int(t[1])
        i += 1
    sph = sum(2 * l + 1 for s in symbols for l in shells[s])
    cart = sum((l + 1) * (l + 2) // 2 for s in symbols for l in shells[s])
    return sph, cart, sum(len(shells[s]) for s in symbols)

def block(txt, start, end):
    i = txt.index(start)
    return txt[i:txt.index(end, i)]

def kv_lines(text, sep):
    d = {}
    for l in text.splitlines():
        if sep in l and "=>" not in l:
            k, v = [s.strip() for s in l.split(sep, 1)]
            if k and v:
                d[k] = v
    return d

def printed_jk(txt):
    """The JK object and auxiliary basis blocks psi4 prints (MemDFJK / DiskDFJK)."""
    m = re.search(r"==> (\w+): Density-Fitted J/K Matrices <==", txt)
    jk = block(txt[m.start():], m.group(0), "=> Auxiliary Basis Set <=")
    aux = block(txt[m.start():], "=> Auxiliary Basis Set <=", "Minimum eigenvalue")
    loading = block(txt, "Keyword: DF_BASIS_SCF", "==> Pre-Iterations <==")
    files = sorted(set(re.findall(r"file (\S+)", loading)))
    return {"jk_class": m.group(1), "jk_block": kv_lines(jk, ":"), "aux_block": kv_lines(aux, ":"),
            "aux_files_loaded": files}

def printed_dft(txt):
    """Grid and functional blocks printed by psi4 (as in ../dft/extract.py)."""
    dft = txt[txt.index("==> DFT Potential <=="):txt.index("==> Pre-Iterations <==")]
    comp = dft[:dft.index("=> Molecular Quadrature <=")]
    grid = kv_lines(dft[dft.index("=> Molecular Quadrature <="):], "=")
    sections, cur = {}, None
    for l in comp.splitlines():
        m = re.match(r"\s*=> (.*) <=", l)
        if m:
            cur = m.group(1).strip(); sections[cur] = []
        elif cur and l.strip():
            sections[cur].append(l.strip())
    comps = {s: sections[s] for s in ("Exchange Functionals", "Exact (HF) Exchange", "Correlation Functionals",
                                      "Exchange-Correlation Functionals") if s in sections}
    head = sections.get([k for k in sections if k.startswith("Composite Functional")][0])
    return grid, comps, head

def conventional(m, e):
    if m["conventional"] is None:
        return None
    c = m["conventional"]
    ref = json.load(open(os.path.join(ROOT, c["file"])))[c["case"]]
    if ref["geometry_bohr"] != m["geometry_bohr"]:
        raise SystemExit("geometry of %s differs" % c["case"])
    src = ref["psi4"] if "psi4" in ref else ref   # hf_references.json keeps psi4 numbers under "psi4"
    de = [abs(a - b) for k in ("eps_alpha_occ", "eps_alpha_virt5", "eps_beta_occ", "eps_beta_virt5")
          if e[k] is not None and src.get(k) for a, b in zip(e[k], src[k])]
    return {"source": "%s [%s] (psi4 1.3.2, scf_type pk, same geometry/basis/settings)" % (c["file"], c["case"]),
            "total_energy": src["total_energy"],
            "df_minus_conventional": float("%.12f" % (e["total_energy"] - src["total_energy"])),
            "max_abs_deps_occ_virt5": float("%.3e" % max(de))}

# Merge: cases found in WORKDIR replace their entries; the others are kept.
JSON = os.path.join(HERE, "df_references.json")
out = json.load(open(JSON)) if os.path.exists(JSON) else {}
for case, m in meta.items():
    log = os.path.join(W, case + ".log")
    if not os.path.exists(log):
        continue
    r = ref_lines(log)
    if "TOTAL_ENERGY" not in r:
        print("no result", case); continue
    secs = float(open(log).read().strip().splitlines()[-1].split()[0])
    txt = open(os.path.join(W, case + ".out")).read()
    jk = printed_jk(txt)
    symbols = [SYM[a[0]] for a in m["geometry_bohr"]]
    gbs = os.path.join(ROOT, m["df_basis_scf_file"])
    sph, cart, nsh = gbs_count(gbs, symbols)
    naux = int(r["NAUX"])
    assert naux == sph == int(jk["aux_block"]["Number of basis function"]), (case, naux, sph)
    assert int(r["NAUX_SHELL"]) == nsh and int(jk["aux_block"]["Number of Cartesian functions"]) == cart
    assert r["AUX_PUREAM"] == "True" and jk["aux_block"]["Spherical Harmonics?"] == "true"
    uks = m["reference"] == "UKS"
    dft = m["method"] != "hf"
    e = {
        "molecule": m["molecule"], "method": m["method"], "reference": m["reference"],
        "basis": m["basis"], "df_basis_scf": m["df_basis_scf"], "df_basis_scf_file": m["df_basis_scf_file"],
        "charge": m["charge"], "multiplicity": m["multiplicity"],
        "geometry_bohr": m["geometry_bohr"],
        "nbf": int(r["NBF"]), "naux": naux,
        "naux_check": {"spherical_from_gbs": sph, "cartesian_from_gbs": cart, "shells_from_gbs": nsh,
                       "psi4_api_nbf": naux, "psi4_printed": int(jk["aux_block"]["Number of basis function"]),
                       "psi4_puream": r["AUX_PUREAM"] == "True"},
        "nalpha": int(r["NALPHA"]), "nbeta": int(r["NBETA"]),
        "nuclear_repulsion": float(r["NUCLEAR_REPULSION"]),
        "total_energy": float(r["TOTAL_ENERGY"]),
    }
    if dft:
        e["xc_energy"] = float(r["XC_ENERGY"])
        e["dft_functional_total_energy"] = float(r["DFT_FUNCTIONAL_TOTAL_ENERGY"])
        e["xc_energy_quadrature"] = float(r["QUAD_FUNCTIONAL"])
    e.update({
        "scf_iterations": int(r["SCF_ITERATIONS"]),
        "eps_alpha_occ": floats(r["EPS_A_OCC"]),
        "eps_alpha_virt5": floats(r["EPS_A_VIRT5"]),
        "eps_beta_occ": floats(r["EPS_B_OCC"]) if uks else None,
        "eps_beta_virt5": floats(r["EPS_B_VIRT5"]) if uks else None,
    })
    if dft:
        grid, comps, head = printed_dft(txt)
        opt = {k[4:]: v for k, v in r.items() if k.startswith("OPT_DFT_")}
        if uks:
            ne = {"alpha": float(r["QUAD_RHO_A"]), "beta": float(r["QUAD_RHO_B"])}
            ne["total"] = float("%.12f" % (ne["alpha"] + ne["beta"]))
        else:   # RKS in psi4 1.3.2: RHO_A is the integral of the TOTAL density
            ne = {"total": float(r["QUAD_RHO_A"])}
        e["electrons_integrated"] = ne
        e["psi4_grid"] = {"printed": grid, "total_points": int(grid["Total Points"]),
                          "npoints_api": int(r["NPOINTS"]), "options": opt}
        e["psi4_functional"] = {"header": head, "components": comps}
    e["psi4_df"] = {
        "scf_type_option": r["OPT_SCF_TYPE"], "jk_class": jk["jk_class"],
        "schwarz_cutoff": jk["jk_block"].get("Schwarz Cutoff"),
        "fitting_condition": jk["jk_block"].get("Fitting Condition"),
        "ints_tolerance_option": r["OPT_INTS_TOLERANCE"], "df_fitting_condition_option": r["OPT_DF_FITTING_CONDITION"],
        "jk_printed": jk["jk_block"], "aux_basis_printed": jk["aux_block"],
        "aux_name": r["AUX_NAME"], "aux_file_read": r.get("AUX_FILE"), "aux_file_md5": r.get("AUX_FILE_MD5"),
        "aux_files_in_psi4_loading_block": jk["aux_files_loaded"],
        "aux_max_am": int(r["AUX_MAX_AM"]), "aux_nprimitive": int(r["NAUX_PRIMITIVE"]),
    }
    e["conventional_pk"] = conventional(m, e)
    e["psi4_version"] = r["PSI4_VERSION"]
    e["threads"] = int(r["NUM_THREADS"])
    e["seconds"] = secs
    out[case] = e
out = {c: out[c] for c in meta if c in out}  # the order of make_inputs.py
json.dump(out, open(JSON, "w"), indent=1)
for c, e in out.items():
    cv = e["conventional_pk"]
    print("%-20s nbf=%3d naux=%4d E=%.12f it=%2d %7.1fs  DF-PK=%s" % (
        c, e["nbf"], e["naux"], e["total_energy"], e["scf_iterations"], e["seconds"],
        "%+.3e (max|deps| %.1e)" % (cv["df_minus_conventional"], cv["max_abs_deps_occ_virt5"]) if cv else "-"))
