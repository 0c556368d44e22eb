#!/usr/bin/python3
"""Collect psi4 and NWChem results into hf_references.json.

usage: extract.py WORKDIR   (the folder where run_all.sh ran)
psi4 numbers come from the 'REF ...' lines that the psi4 inputs print via the
Python API (%.12f); NWChem numbers from the output (total energy, 12 decimals)
and from the binary movecs file (orbital energies, nuclear repulsion and
<S^2>, full double precision, written here with %.12f).
"""
import json, os, re, sys
import numpy as np
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from read_movecs import read_movecs

def r12(x):
    return float("%.12f" % x)

def psi4_results(path):
    ref = {}
    for line in open(path):
        if line.startswith("REF "):
            k, v = line[4:].rstrip("\n").split(" ", 1)
            ref[k] = v
    s2_printed = None
    m = re.search(r"@S\^2 Observed:\s+(\S+)", open(path).read())
    if m:
        s2_printed = float(m.group(1))
    return ref, s2_printed

def main(work):
    meta = json.load(open(os.path.join(HERE, "cases_meta.json")))
    out = {}
    for case, m in meta.items():
        uhf = m["reference"] == "UHF"
        if not os.path.exists(os.path.join(work, case + ".movecs")):
            print("missing results for", case); continue
        ref, s2p = psi4_results(os.path.join(work, case + ".psi4.out"))
        na, nb = int(ref["NALPHA"]), int(ref["NBETA"])
        ea = [float(x) for x in ref["EPS_A"].split()]
        eb = [float(x) for x in ref["EPS_B"].split()]
        p = {"version": "1.3.2", "nuclear_repulsion": float(ref["NUCLEAR_REPULSION"]),
             "total_energy": float(ref["TOTAL_ENERGY"]),
             "eps_alpha_occ": ea[:na], "eps_alpha_virt5": ea[na:na + 5],
             "eps_beta_occ": eb[:nb] if uhf else None,
             "eps_beta_virt5": eb[nb:nb + 5] if uhf else None,
             "s2": float(ref["S2"]) if uhf else None,
             "scf_iterations": int(ref["SCF_ITERATIONS"])}
        assert abs(float(ref["TOTAL_ENERGY"]) - float(ref["SCF_TOTAL_ENERGY_VAR"])) < 1e-12
        if uhf:
            p["s2_printed"] = s2p
        # NWChem
        nwout = open(os.path.join(work, case + ".nw.out")).read()
        e_nw = float(re.findall(r"Total SCF energy =\s+(\S+)", nwout)[-1])
        enuc_nw_printed = float(re.findall(r"Nuclear repulsion energy =\s+(\S+)", nwout)[-1])
        mv = read_movecs(os.path.join(work, case + ".movecs"))
        assert abs(mv["energy"] - e_nw) < 1e-11, (mv["energy"], e_nw)
        sa = mv["sets"][0]; sb = mv["sets"][1] if uhf else mv["sets"][0]
        nocc_a = sum(1 for o in sa["occ"] if o > 0.5)
        nocc_b = sum(1 for o in sb["occ"] if o > (0.5 if uhf else 1.5))
        assert nocc_a == na and nocc_b == nb, (nocc_a, nocc_b, na, nb)
        # aufbau check: occupied orbitals are the lowest ones
        assert all(o > 0.5 for o in sa["occ"][:na]) and all(o < 0.5 for o in sa["occ"][na:])
        n = {"version": "7.0.2", "nuclear_repulsion": r12(mv["enrep"]),
             "nuclear_repulsion_printed": enuc_nw_printed,
             "total_energy": e_nw,
             "eps_alpha_occ": [r12(x) for x in sa["eps"][:na]],
             "eps_alpha_virt5": [r12(x) for x in sa["eps"][na:na + 5]],
             "eps_beta_occ": [r12(x) for x in sb["eps"][:nb]] if uhf else None,
             "eps_beta_virt5": [r12(x) for x in sb["eps"][nb:nb + 5]] if uhf else None,
             "s2": None}
        m2 = re.findall(r"S\^2 =\s+(\S+)", nwout)
        if uhf:
            # <S^2> from the movecs: with C square and C^T S C = 1,
            # C_a^T S C_b = C_a^{-1} C_b, so no AO overlap matrix is needed.
            Ca = np.array(sa["vecs"]).T; Cb = np.array(sb["vecs"]).T
            assert Ca.shape[0] == Ca.shape[1] == mv["nbf"]
            O = np.linalg.solve(Ca, Cb)[:na, :nb]
            sz = 0.5 * (na - nb)
            n["s2"] = r12(sz * (sz + 1) + nb - np.sum(O ** 2))
            n["s2_printed"] = float(m2[-1]) if m2 else None
        nbf = int(ref["NBF"])
        assert nbf == mv["nbf"], (nbf, mv["nbf"])
        keys = ["eps_alpha_occ", "eps_alpha_virt5"] + (["eps_beta_occ", "eps_beta_virt5"] if uhf else [])
        dmax = max(abs(a - b) for k in keys for a, b in zip(p[k], n[k]))
        diff = {"total_energy": r12(p["total_energy"] - n["total_energy"]),
                "nuclear_repulsion": r12(p["nuclear_repulsion"] - n["nuclear_repulsion"]),
                "max_abs_eps": float("%.3e" % dmax)}
        if uhf:
            diff["s2"] = float("%.3e" % (p["s2"] - n["s2"]))
        out[case] = dict(m, nbf=nbf, psi4=p, nwchem=n, diff_psi4_minus_nwchem=diff)
        print("%-24s nbf=%4d  E_psi4=%.12f  dE=%+.3e  dEnuc=%+.1e  max|deps|=%.2e%s" % (
            case, nbf, p["total_energy"], diff["total_energy"], diff["nuclear_repulsion"], dmax,
            ("  S2 psi4=%.6f nw=%.6f" % (p["s2"], n["s2"])) if uhf else ""))
    text = json.dumps(out, indent=1)
    # put lists of numbers on one line
    text = re.sub(r"\[\s*([-0-9.e+,\s]+?)\s*\]",
                  lambda m: "[" + ", ".join(x.strip() for x in m.group(1).split(",")) + "]", text)
    with open(os.path.join(HERE, "hf_references.json"), "w") as f:
        f.write(text + "\n")
    assert json.load(open(os.path.join(HERE, "hf_references.json"))) == out

if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/hfref")
