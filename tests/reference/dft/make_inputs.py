#!/usr/bin/env python3
"""Generate the psi4 1.3.2 DFT inputs (tests/reference/dft/<case>.in) and cases_meta.json.

Geometries: Angstrom XYZ in data/geometries, converted to bohr with
1 bohr = 0.529177210903 Angstrom (CODATA 2018), rounded to 14 decimals.
"""
import importlib.util, json, os

HERE = os.path.dirname(os.path.abspath(__file__))
# The HF generator's geometry helpers (same files, same conversion), loaded by path: this script
# has the same module name.
_spec = importlib.util.spec_from_file_location("hf_inputs", os.path.join(os.path.dirname(HERE), "make_inputs.py"))
_hf = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_hf)
ZNUM, read_xyz, to_bohr = _hf.ZNUM, _hf.read_xyz, _hf.to_bohr

def _read_local_xyz(name):
    """An XYZ file (Angstrom) in this folder, read as read_xyz reads data/geometries."""
    with open(os.path.join(HERE, name)) as f:
        lines = f.read().splitlines()
    n = int(lines[0].split()[0])
    return [(l.split()[0], float(l.split()[1]), float(l.split()[2]), float(l.split()[3])) for l in lines[2:2 + n]]

MOLS = {
    "water": to_bohr(read_xyz("water.xyz")),
    "o-carborane": to_bohr(read_xyz("o-carborane.xyz")),
    "oh": to_bohr([("O", 0.0, 0.0, 0.0), ("H", 0.0, 0.0, 0.9697)]),
    # closo-1,5-C2B3H5 (tests/reference/dft/c2b3h5.xyz): the smallest closo carborane, for PBE and
    # PBE0 on boron and carbon at 95 basis functions instead of o-carborane's 228.
    "c2b3h5": to_bohr(_read_local_xyz("c2b3h5.xyz")),
}

# case: (molecule, psi4 functional name, reference, multiplicity)  -- run in this order
CASES = [
    ("water_b3lyp",       "water",       "b3lyp",     "rks", 1),
    ("water_pbe",         "water",       "pbe",       "rks", 1),
    ("water_pbe0",        "water",       "pbe0",      "rks", 1),
    ("oh_b3lyp_uks",      "oh",          "b3lyp",     "uks", 2),
    ("water_wb97x",       "water",       "wb97x",     "rks", 1),
    ("water_camb3lyp",    "water",       "cam-b3lyp", "rks", 1),
    ("ocarborane_b3lyp",  "o-carborane", "b3lyp",     "rks", 1),
    ("ocarborane_pbe",    "o-carborane", "pbe",       "rks", 1),
    ("ocarborane_pbe0",   "o-carborane", "pbe0",      "rks", 1),
    ("water_tpss",        "water",       "tpss",      "rks", 1),
    ("water_m062x",       "water",       "m06-2x",    "rks", 1),
    ("oh_tpss_uks",       "oh",          "tpss",      "uks", 2),
    ("c2b3h5_pbe",        "c2b3h5",      "pbe",       "rks", 1),
    ("c2b3h5_pbe0",       "c2b3h5",      "pbe0",      "rks", 1),
]

TMPL = """# {case}: {mol} / def2-svp (spherical) {func} {ref_u}
# geometry in bohr = Angstrom / 0.529177210903 (CODATA 2018), 14 decimals
memory 12 gb

molecule {{
units bohr
no_reorient
no_com
symmetry c1
0 {mult}
{geom}
}}

set {{
  basis def2-svp
  reference {ref}
  scf_type pk
  guess sad
  e_convergence 1e-10
  d_convergence 1e-8
  maxiter 200
  dft_radial_points 99
  dft_spherical_points 590
}}

e, wfn = energy('{func}', return_wfn=True)

def _p(label, val):
    print_out("REF %s %s\\n" % (label, val))
    print("REF %s %s" % (label, val))
na, nb = wfn.nalpha(), wfn.nbeta()
_p("NBF", wfn.basisset().nbf())
_p("NMO", wfn.nmo())
_p("NALPHA", na)
_p("NBETA", nb)
_p("NUCLEAR_REPULSION", "%.12f" % wfn.molecule().nuclear_repulsion_energy())
_p("TOTAL_ENERGY", "%.12f" % e)
_p("WFN_ENERGY", "%.12f" % wfn.energy())
_p("XC_ENERGY", "%.12f" % variable('DFT XC ENERGY'))
_p("DFT_FUNCTIONAL_TOTAL_ENERGY", "%.12f" % variable('DFT FUNCTIONAL TOTAL ENERGY'))
_p("DFT_TOTAL_ENERGY", "%.12f" % variable('DFT TOTAL ENERGY'))
_p("SCF_ITERATIONS", "%d" % variable('SCF ITERATIONS'))
ea = wfn.epsilon_a().to_array()
eb = wfn.epsilon_b().to_array()
_p("EPS_A_OCC", " ".join("%.12f" % x for x in ea[:na]))
_p("EPS_A_VIRT5", " ".join("%.12f" % x for x in ea[na:na + 5]))
_p("EPS_B_OCC", " ".join("%.12f" % x for x in eb[:nb]))
_p("EPS_B_VIRT5", " ".join("%.12f" % x for x in eb[nb:nb + 5]))
# grid integrals of the last Fock build (psi4 does not print them at default print level)
qv = wfn.V_potential().quadrature_values()
_p("QUAD_KEYS", " ".join(sorted(qv.keys())))
for k in sorted(qv.keys()):
    _p("QUAD_" + k, "%.12f" % qv[k])
_p("NPOINTS", wfn.V_potential().grid().npoints())
# DFT grid options in effect (defaults except radial/spherical points)
for k in ["DFT_RADIAL_SCHEME", "DFT_NUCLEAR_SCHEME", "DFT_PRUNING_SCHEME", "DFT_PRUNING_ALPHA",
          "DFT_SPHERICAL_SCHEME", "DFT_RADIAL_POINTS", "DFT_SPHERICAL_POINTS", "DFT_BS_RADIUS_ALPHA",
          "DFT_BASIS_TOLERANCE", "DFT_BLOCK_SCHEME", "DFT_BLOCK_MAX_POINTS", "DFT_BLOCK_MIN_POINTS",
          "DFT_BLOCK_MAX_RADIUS", "DFT_V2_RHO_CUTOFF", "INTS_TOLERANCE", "PUREAM"]:
    _p("OPT_" + k, core.get_option("SCF", k))
_p("PSI4_VERSION", psi4.__version__)
"""

def main():
    meta = {}
    for case, mol, func, ref, mult in CASES:
        atoms = MOLS[mol]
        geom = "\n".join("  %-2s %22.14f %22.14f %22.14f" % a for a in atoms)
        with open(os.path.join(HERE, case + ".in"), "w") as f:
            f.write(TMPL.format(case=case, mol=mol, func=func, ref=ref, ref_u=ref.upper(),
                                mult=mult, geom=geom))
        meta[case] = {"molecule": mol, "functional": func, "reference": ref.upper(),
                      "basis": "def2-svp", "charge": 0, "multiplicity": mult,
                      "geometry_bohr": [[ZNUM[a[0]], a[1], a[2], a[3]] for a in atoms]}
    with open(os.path.join(HERE, "cases_meta.json"), "w") as f:
        json.dump(meta, f, indent=1)

if __name__ == "__main__":
    main()
