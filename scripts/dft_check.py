#!/usr/bin/env python3
"""Runs every case of tests/reference/dft/dft_references.json (psi4 1.3.2, 99x590 grid) with
`cagescreen run --grid fine` and prints the differences: total energy, and the largest over the
occupied and first five virtual orbital energies (both spins).

usage: dft_check.py [--cagescreen PATH] [--threads N] [case ...]"""
import argparse, json, os, subprocess, sys, tempfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
SYMBOL = {1: "H", 5: "B", 6: "C", 7: "N", 8: "O"}
BOHR_ANGSTROM = 0.529177210903  # CODATA 2018


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cagescreen", default=os.path.join(ROOT, "build", "workflows", "cagescreen"))
    ap.add_argument("--threads", default="0")
    ap.add_argument("cases", nargs="*")
    a = ap.parse_args()
    refs = json.load(open(os.path.join(ROOT, "tests", "reference", "dft", "dft_references.json")))
    print("%-18s %18s %12s %12s %8s" % ("case", "psi4 E/Eh", "dE/Eh", "max deps/Eh", "wall/s"))
    tmp = tempfile.mkdtemp()
    for name, r in refs.items():
        if a.cases and name not in a.cases:
            continue
        xyz = os.path.join(tmp, name + ".xyz")
        with open(xyz, "w") as f:
            f.write("%d\ncharge=%d multiplicity=%d\n" % (len(r["geometry_bohr"]), r["charge"], r["multiplicity"]))
            for z, x, y, zz in r["geometry_bohr"]:
                f.write("%s %.14f %.14f %.14f\n" % (SYMBOL[z], x * BOHR_ANGSTROM, y * BOHR_ANGSTROM, zz * BOHR_ANGSTROM))
        out = os.path.join(tmp, name + ".json")
        p = subprocess.run([a.cagescreen, "run", xyz, "--method", r["functional"], "--basis", r["basis"],
                            "--grid", "fine", "--reference", "uhf" if r["reference"] == "UKS" else "rhf",
                            "--e-convergence", "1e-10", "--d-convergence", "1e-8", "--threads", a.threads,
                            "--quiet", "--json", out], capture_output=True, text=True)
        if p.returncode != 0:
            print("%-18s failed: %s" % (name, p.stderr.strip().splitlines()[-1]))
            continue
        res = json.load(open(out))
        wf = res["wavefunction"]
        diffs = []
        for key, occ, virt in (("scf_eigenvalues_a", r["eps_alpha_occ"], r["eps_alpha_virt5"]),
                               ("scf_eigenvalues_b", r["eps_beta_occ"], r["eps_beta_virt5"])):
            if occ is None:
                continue
            ours = wf[key][:len(occ) + len(virt)]
            diffs += [abs(x - y) for x, y in zip(ours, occ + virt)]
        print("%-18s %18.10f %12.2e %12.2e %8.1f" % (name, r["total_energy"], res["return_result"] - r["total_energy"],
                                                   max(diffs), res["extras"]["cagescreen"]["timings"]["wall_seconds"]),
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
