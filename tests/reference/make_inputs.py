#!/usr/bin/env python3
"""Generate the psi4 and NWChem inputs used for the HF reference numbers.

Geometries: Angstrom XYZ in data/geometries, converted to bohr with
1 bohr = 0.529177210903 Angstrom (CODATA 2018), written with 14 decimals.
"""
import json, os, sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
BOHR = 0.529177210903
ZNUM = {"H": 1, "B": 5, "C": 6, "O": 8, "Zn": 30}

def read_xyz(name):
    with open(os.path.join(ROOT, "data", "geometries", name)) as f:
        lines = f.read().splitlines()
    n = int(lines[0].split()[0])
    atoms = []
    for l in lines[2:2 + n]:
        s, x, y, z = l.split()[:4]
        atoms.append((s, float(x), float(y), float(z)))
    return atoms

def to_bohr(atoms):
    out = []
    for s, x, y, z in atoms:
        out.append((s, ) + tuple(float("%.14f" % (v / BOHR)) for v in (x, y, z)))
    return out

MOLS = {
    "water": to_bohr(read_xyz("water.xyz")),
    "o-carborane": to_bohr(read_xyz("o-carborane.xyz")),
    "zno": to_bohr(read_xyz("zno.xyz")),
    "o2": to_bohr([("O", 0.0, 0.0, -0.60375), ("O", 0.0, 0.0, 0.60375)]),
    "oh": to_bohr([("O", 0.0, 0.0, 0.0), ("H", 0.0, 0.0, 0.9697)]),
}

# case: molecule, basis, reference, cartesian, multiplicity, nwchem basis name
CASES = {
    "water_sto3g":          ("water", "sto-3g", "rhf", False, 1, "sto-3g"),
    "water_ccpvdz":         ("water", "cc-pvdz", "rhf", False, 1, "cc-pvdz"),
    "ocarborane_631gs_cart": ("o-carborane", "6-31g*", "rhf", True, 1, "6-31g*"),
    "ocarborane_def2svp":   ("o-carborane", "def2-svp", "rhf", False, 1, "def2-svp"),
    "zno_def2svp":          ("zno", "def2-svp", "rhf", False, 1, "def2-svp"),
    "o2_631gs_cart_uhf":    ("o2", "6-31g*", "uhf", True, 3, "6-31g*"),
    "oh_def2svp_uhf":       ("oh", "def2-svp", "uhf", False, 2, "def2-svp"),
}

PSI4_TMPL = """# {case}: {mol} / {basis} {ref_u}{cart_note}
# geometry in bohr = Angstrom / 0.529177210903
memory 4 gb

molecule {{
units bohr
no_reorient
no_com
symmetry c1
0 {mult}
{geom}
}}

set {{
  basis {basis}
  reference {ref}
  scf_type pk
  e_convergence 1e-10
  d_convergence 1e-8
  maxiter 200
{extra}}}

e, wfn = energy('scf', return_wfn=True)

import numpy as np
def _p(label, val):
    print_out("REF %s %s\\n" % (label, val))
    print("REF %s %s" % (label, val))
_p("NBF", wfn.basisset().nbf())
_p("NMO", wfn.nmo())
_p("NALPHA", wfn.nalpha())
_p("NBETA", wfn.nbeta())
_p("NUCLEAR_REPULSION", "%.12f" % wfn.molecule().nuclear_repulsion_energy())
_p("TOTAL_ENERGY", "%.12f" % wfn.energy())
_p("SCF_TOTAL_ENERGY_VAR", "%.12f" % variable('SCF TOTAL ENERGY'))
_p("SCF_ITERATIONS", "%d" % variable('SCF ITERATIONS'))
_p("EPS_A", " ".join("%.12f" % x for x in wfn.epsilon_a().to_array()))
_p("EPS_B", " ".join("%.12f" % x for x in wfn.epsilon_b().to_array()))
# <S^2> from the MO coefficients: Sz(Sz+1) + Nb - sum_ij |<i_a|S|j_b>|^2
S = wfn.S().to_array()
na, nb = wfn.nalpha(), wfn.nbeta()
Ca = wfn.Ca().to_array()[:, :na]
Cb = wfn.Cb().to_array()[:, :nb]
Oab = Ca.T @ S @ Cb
sz = 0.5 * (na - nb)
_p("S2", "%.12f" % (sz * (sz + 1) + nb - np.sum(Oab ** 2)))
"""

NW_TMPL = """# {case}: {mol} / {basis} {ref_u}{cart_note}
# geometry in bohr = Angstrom / 0.529177210903
start {case}
title "{case}"
permanent_dir {scratch}
scratch_dir {scratch}
memory total 2000 mb

geometry units bohr noautoz nocenter noautosym
symmetry c1
{geom}
end

basis {btype}
  * library {nwbasis}
end

scf
  {ref}
  {multname}
  thresh 1e-8
  tol2e 1e-14
  maxiter 200
  vectors input atomic output {case}.movecs
  print "final vectors analysis"
end

task scf energy
"""

MULTNAME = {1: "singlet", 2: "doublet", 3: "triplet"}

def main():
    scratch = sys.argv[1] if len(sys.argv) > 1 else "/tmp/hfref"
    meta = {}
    for case, (mol, basis, ref, cart, mult, nwbasis) in CASES.items():
        atoms = MOLS[mol]
        geom = "\n".join("  %-2s %22.14f %22.14f %22.14f" % a for a in atoms)
        cart_note = " (Cartesian d)" if cart else " (spherical)"
        psi = PSI4_TMPL.format(case=case, mol=mol, basis=basis, ref=ref,
                               ref_u=ref.upper(), cart_note=cart_note, mult=mult,
                               geom=geom, extra="  puream false\n" if cart else "")
        nw = NW_TMPL.format(case=case, mol=mol, basis=basis, ref=ref,
                            ref_u=ref.upper(), cart_note=cart_note,
                            scratch=scratch, geom=geom,
                            btype="cartesian" if cart else "spherical",
                            nwbasis=nwbasis, multname=MULTNAME[mult])
        with open(os.path.join(HERE, "psi4", case + ".in"), "w") as f:
            f.write(psi)
        with open(os.path.join(HERE, "nwchem", case + ".nw"), "w") as f:
            f.write(nw)
        meta[case] = {"molecule": mol, "basis": basis, "reference": ref.upper(),
                      "cartesian": cart, "charge": 0, "multiplicity": mult,
                      "geometry_bohr": [[ZNUM[a[0]], a[1], a[2], a[3]] for a in atoms]}
    with open(os.path.join(HERE, "cases_meta.json"), "w") as f:
        json.dump(meta, f, indent=1)

if __name__ == "__main__":
    main()
