#!/usr/bin/env python3
"""Generate the psi4 1.3.2 analytic-gradient and geometry-optimisation inputs
(tests/reference/gradients/<case>.in) and cases_meta.json.

Geometries: Angstrom, converted to bohr with 1 bohr = 0.529177210903 Angstrom (CODATA 2018),
rounded to 14 decimals (the helpers of tests/reference/make_inputs.py, loaded by path: this script
has the same module name).
  water      distorted water (not a minimum): O 0 0 0; H 0.99 0 0; H -0.25 0.93 0.05
  o-carborane data/geometries/o-carborane.xyz
  oh         O at the origin, H at z = 0.9697
  o-carborane (xtb) ocarborane_xtb.xyz in this directory, written by
             `cagescreen optimize o-carborane --convergence tight -o .../ocarborane_xtb.xyz`
             (GFN2-xTB minimum); the starting geometry of the B3LYP/6-31G* optimisation.
"""
import importlib.util, json, os, sys

sys.dont_write_bytecode = True   # no __pycache__ next to the loaded ../make_inputs.py

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("hf_inputs", os.path.join(os.path.dirname(HERE), "make_inputs.py"))
_hf = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_hf)
ZNUM, read_xyz, to_bohr = _hf.ZNUM, _hf.read_xyz, _hf.to_bohr

WATER_DISTORTED_ANG = [("O", 0.0, 0.0, 0.0), ("H", 0.99, 0.0, 0.0), ("H", -0.25, 0.93, 0.05)]
XTB_XYZ = os.path.join(HERE, "ocarborane_xtb.xyz")


def read_xyz_path(path):
    with open(path) as f:
        lines = f.read().splitlines()
    n = int(lines[0].split()[0])
    atoms = []
    for l in lines[2:2 + n]:
        s, x, y, z = l.split()[:4]
        atoms.append((s.capitalize(), float(x), float(y), float(z)))
    return atoms


MOLS = {
    "water_distorted": to_bohr(WATER_DISTORTED_ANG),
    "o-carborane": to_bohr(read_xyz("o-carborane.xyz")),
    "oh": to_bohr([("O", 0.0, 0.0, 0.0), ("H", 0.0, 0.0, 0.9697)]),
}
if os.path.exists(XTB_XYZ):
    MOLS["o-carborane_xtb"] = to_bohr(read_xyz_path(XTB_XYZ))

GEOM_SOURCE = {
    "water_distorted": "distorted water, Angstrom: O 0 0 0; H 0.99 0 0; H -0.25 0.93 0.05",
    "o-carborane": "data/geometries/o-carborane.xyz",
    "oh": "O 0 0 0; H 0 0 0.9697 Angstrom",
    "o-carborane_xtb": "tests/reference/gradients/ocarborane_xtb.xyz (cagescreen optimize o-carborane "
                       "--convergence tight, GFN2-xTB)",
}

# case: (molecule, method (psi4 name), basis, reference, multiplicity)  -- run in this order
CASES = [
    ("water_hf",         "water_distorted", "hf",    "6-31g*",   "rhf", 1),
    ("water_b3lyp",      "water_distorted", "b3lyp", "def2-svp", "rks", 1),
    ("water_pbe",        "water_distorted", "pbe",   "def2-svp", "rks", 1),
    ("oh_uhf",           "oh",              "hf",    "6-31g*",   "uhf", 2),
    ("oh_uks_b3lyp",     "oh",              "b3lyp", "def2-svp", "uks", 2),
    ("ocarborane_hf",    "o-carborane",     "hf",    "6-31g*",   "rhf", 1),
    ("ocarborane_b3lyp", "o-carborane",     "b3lyp", "def2-svp", "rks", 1),
]
# d_convergence is 1e-10 except here: the OH UKS SCF stalls at an orbital-gradient RMS of ~5-6e-10 (the
# energy is converged to 1e-13 after 10 iterations and then only fluctuates by 1e-14) with DIIS, with
# 4 DIIS vectors and with SOSCF, 1 or 2 threads alike, so 1e-10 is never reached (see README)
DCONV = {"oh_uks_b3lyp": "1e-9"}
# finite-difference check of the analytic DFT gradient (grid-weight derivatives), not a reference case
FD_CASES = [
    ("water_b3lyp_fd", "water_distorted", "b3lyp", "def2-svp", "rks", 1),
]
OPT_CASES = [
    ("ocarborane_b3lyp_631gs_opt", "o-carborane_xtb", "b3lyp", "6-31g*", "rks", 1),
]

HEAD = """# {case}: {mol} / {basis} {method} {ref_u}{what}
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
  basis {basis}
  reference {ref}
  scf_type pk
  guess sad
  e_convergence 1e-10
  d_convergence {dconv}
  maxiter 200
  dft_radial_points 99
  dft_spherical_points 590
{extra}}}
"""

COMMON = """
def _p(label, val):
    print_out("REF %s %s\\n" % (label, val))
    print("REF %s %s" % (label, val))

def _scf_info(wfn):
    _p("NBF", wfn.basisset().nbf())
    _p("NMO", wfn.nmo())
    _p("NALPHA", wfn.nalpha())
    _p("NBETA", wfn.nbeta())
    _p("BASIS_NAME", wfn.basisset().name())
    _p("BASIS_PUREAM", wfn.basisset().has_puream())
    _p("NUCLEAR_REPULSION", "%.12f" % wfn.molecule().nuclear_repulsion_energy())
    if wfn.V_potential() is not None:
        _p("XC_ENERGY", "%.12f" % variable('DFT XC ENERGY'))
        _p("NPOINTS", wfn.V_potential().grid().npoints())

def _options():
    for k in ["SCF_TYPE", "PUREAM", "INTS_TOLERANCE"]:
        _p("OPT_" + k, core.get_global_option(k))
    _p("OPT_PUREAM_CHANGED", core.has_global_option_changed("PUREAM"))
    for k in ["REFERENCE", "GUESS", "E_CONVERGENCE", "D_CONVERGENCE", "MAXITER",
              "DFT_RADIAL_SCHEME", "DFT_NUCLEAR_SCHEME", "DFT_PRUNING_SCHEME", "DFT_SPHERICAL_SCHEME",
              "DFT_RADIAL_POINTS", "DFT_SPHERICAL_POINTS", "DFT_BS_RADIUS_ALPHA", "DFT_BASIS_TOLERANCE",
              "DFT_BLOCK_SCHEME", "DFT_V2_RHO_CUTOFF"]:
        _p("OPT_" + k, core.get_option("SCF", k))
    _p("NUM_THREADS", core.get_num_threads())
    _p("PSI4_VERSION", psi4.__version__)
"""

GRAD = """
g, wfn = gradient('{method}', return_wfn=True)
{common}
_scf_info(wfn)
_p("TOTAL_ENERGY", "%.12f" % wfn.energy())
_p("CURRENT_ENERGY", "%.12f" % variable('CURRENT ENERGY'))
_p("SCF_ITERATIONS", "%d" % variable('SCF ITERATIONS'))
ga = g.to_array()
for i in range(ga.shape[0]):
    _p("GRADIENT_%d" % (i + 1), " ".join("%.12f" % x for x in ga[i]))
# full double precision (repr) of the same numbers, for the JSON
_p("GRADIENT_REPR", " ".join(repr(float(x)) for x in ga.ravel()))
# sum over atoms: zero for an exact derivative of a translation-invariant energy
_p("GRADIENT_SUM", " ".join("%.6e" % x for x in ga.sum(axis=0)))
_options()
"""

FD = """
# Five-point central finite differences of the SCF energy (h = {h} bohr) for every Cartesian
# coordinate, each atom moved alone (so the atom-centred grid moves with it, as in psi4's own
# energy), compared with the analytic gradient of the same input.  psi4's findif (dertype=0) is not
# used because it projects out translations/rotations.
import numpy as np
g, wfn = gradient('{method}', return_wfn=True)
{common}
_scf_info(wfn)
_p("TOTAL_ENERGY", "%.12f" % wfn.energy())
ga = g.to_array()
mol = core.get_active_molecule()
x0 = mol.geometry().to_array().copy()
h = {h}
fd = np.zeros_like(ga)
for a in range(x0.shape[0]):
    for k in range(3):
        es = []
        for s in (-2, -1, 1, 2):
            x = x0.copy()
            x[a, k] += s * h
            mol.set_geometry(core.Matrix.from_array(x))
            mol.update_geometry()
            es.append(energy('{method}'))
        fd[a, k] = (es[0] - 8 * es[1] + 8 * es[2] - es[3]) / (12 * h)
mol.set_geometry(core.Matrix.from_array(x0))
mol.update_geometry()
for i in range(ga.shape[0]):
    _p("GRADIENT_%d" % (i + 1), " ".join("%.12f" % x for x in ga[i]))
    _p("FD_GRADIENT_%d" % (i + 1), " ".join("%.12f" % x for x in fd[i]))
    _p("ANALYTIC_MINUS_FD_%d" % (i + 1), " ".join("%.3e" % x for x in ga[i] - fd[i]))
_p("MAX_ABS_ANALYTIC_MINUS_FD", "%.3e" % np.abs(ga - fd).max())
_p("GRADIENT_SUM", " ".join("%.6e" % x for x in ga.sum(axis=0)))
_p("FD_GRADIENT_SUM", " ".join("%.6e" % x for x in fd.sum(axis=0)))
_options()
"""

OPT = """
e, wfn, hist = optimize('{method}', return_wfn=True, return_history=True)
{common}
import numpy as np
_scf_info(wfn)
_p("FINAL_ENERGY", "%.12f" % e)
_p("WFN_ENERGY", "%.12f" % wfn.energy())
_p("N_GRADIENTS", len(hist["energy"]))
_p("HISTORY_ENERGIES", " ".join("%.12f" % x for x in hist["energy"]))
for i, (gr, xr) in enumerate(zip(hist["gradient"], hist["coordinates"])):
    ga = gr.to_array()
    _p("HISTORY_%d" % (i + 1), "E %.12f max|g| %.6e rms(g) %.6e" % (hist["energy"][i], np.abs(ga).max(),
                                                                    np.sqrt((ga ** 2).mean())))
# the optimised geometry as the driver leaves it in the active molecule (its final
# `molecule.set_geometry(...)`), and the geometry of the last gradient evaluation
act = core.get_active_molecule()
xf = act.geometry().to_array()
xl = hist["coordinates"][-1].to_array()
_p("FINAL_MINUS_LAST_GRADIENT_GEOMETRY_MAXABS", "%.3e" % np.abs(xf - xl).max())
for i in range(xf.shape[0]):
    _p("FINAL_GEOMETRY_%d" % (i + 1), "%s %.12f %.12f %.12f" % ((act.symbol(i),) + tuple(xf[i])))
_p("FINAL_GEOMETRY_REPR", " ".join(repr(float(x)) for x in xf.ravel()))
_p("LAST_GRADIENT_GEOMETRY_REPR", " ".join(repr(float(x)) for x in xl.ravel()))
gf = hist["gradient"][-1].to_array()
for i in range(gf.shape[0]):
    _p("FINAL_GRADIENT_%d" % (i + 1), " ".join("%.12f" % x for x in gf[i]))
_p("FINAL_GRADIENT_REPR", " ".join(repr(float(x)) for x in gf.ravel()))
for k in ["G_CONVERGENCE", "GEOM_MAXITER", "OPT_COORDINATES", "STEP_TYPE", "FULL_HESS_EVERY", "INTRAFRAG_HESS"]:
    _p("OPTKING_" + k, core.get_option("OPTKING", k))
_options()
"""


def write(case, mol, method, basis, ref, mult, body, extra="", what=""):
    atoms = MOLS[mol]
    geom = "\n".join("  %-2s %22.14f %22.14f %22.14f" % a for a in atoms)
    txt = HEAD.format(case=case, mol=mol, basis=basis, method=method, ref=ref, ref_u=ref.upper(),
                      mult=mult, geom=geom, extra=extra, what=what,
                      dconv=DCONV.get(case, "1e-10")) + body
    with open(os.path.join(HERE, case + ".in"), "w") as f:
        f.write(txt)
    return {"molecule": mol, "geometry_source": GEOM_SOURCE[mol], "method": method, "basis": basis,
            "reference": ref.upper(), "charge": 0, "multiplicity": mult,
            "d_convergence": float(DCONV.get(case, "1e-10")),
            "symbols": [a[0] for a in atoms],
            "geometry_bohr": [[a[1], a[2], a[3]] for a in atoms]}


def main():
    meta = {}
    for case, mol, method, basis, ref, mult in CASES:
        meta[case] = write(case, mol, method, basis, ref, mult,
                           GRAD.format(method=method, common=COMMON), what=", analytic gradient")
        meta[case]["kind"] = "gradient"
    for case, mol, method, basis, ref, mult in FD_CASES:
        meta[case] = write(case, mol, method, basis, ref, mult,
                           FD.format(method=method, common=COMMON, h="0.005"),
                           what=", analytic vs 5-point finite-difference gradient")
        meta[case]["kind"] = "fd_check"
    for case, mol, method, basis, ref, mult in OPT_CASES:
        if mol not in MOLS:
            print("skipping %s: %s not found (run cagescreen optimize first)" % (case, XTB_XYZ))
            continue
        meta[case] = write(case, mol, method, basis, ref, mult, OPT.format(method=method, common=COMMON),
                           extra="  g_convergence gau_tight\n  geom_maxiter 50\n",
                           what=", geometry optimisation (gau_tight)")
        meta[case]["kind"] = "optimization"
    with open(os.path.join(HERE, "cases_meta.json"), "w") as f:
        json.dump(meta, f, indent=1)


if __name__ == "__main__":
    main()
