#!/usr/bin/env python3
"""Generate the psi4 1.3.2 density-fitted (scf_type df) inputs (tests/reference/df/<case>.in)
and cases_meta.json.

Same geometries and settings as tests/reference/dft/make_inputs.py (whose geometry helpers are
loaded by path: this script has the same module name), except `scf_type df` and an explicit
`df_basis_scf`.  The fitting sets are OUR files data/basis/def2-universal-{jkfit,jfit}.gbs:
psi4 finds `df_basis_scf def2-universal-jkfit` as def2-universal-jkfit.gbs in a PSIPATH
directory (psi4's own library has no file of that name, so the run fails rather than silently
using something else); run_all.sh copies the two files into WORKDIR/psipath and exports PSIPATH.
"""
import importlib.util, json, os, sys

sys.dont_write_bytecode = True   # no __pycache__ next to the loaded ../dft/make_inputs.py (or its parent)

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("dft_inputs", os.path.join(os.path.dirname(HERE), "dft", "make_inputs.py"))
_dft = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_dft)
ZNUM, MOLS = _dft.ZNUM, _dft.MOLS   # water, o-carborane, oh: exactly the DFT reference geometries

JK, J = "def2-universal-jkfit", "def2-universal-jfit"

# case: (molecule, method ('hf' or psi4 functional name), reference, multiplicity, df_basis_scf,
#        conventional (pk) counterpart as (json file relative to tests/reference, case) or None)
CASES = [
    ("ocarborane_hf_df",    "o-carborane", "hf",    "rhf", 1, JK, ("hf_references.json", "ocarborane_def2svp")),
    ("ocarborane_b3lyp_df", "o-carborane", "b3lyp", "rks", 1, JK, ("dft/dft_references.json", "ocarborane_b3lyp")),
    ("ocarborane_pbe_df",   "o-carborane", "pbe",   "rks", 1, J,  ("dft/dft_references.json", "ocarborane_pbe")),
    ("oh_b3lyp_uks_df",     "oh",          "b3lyp", "uks", 2, JK, ("dft/dft_references.json", "oh_b3lyp_uks")),
    ("water_hf_df",         "water",       "hf",    "rhf", 1, JK, None),
]

TMPL = """# {case}: {mol} / def2-svp (spherical) {method} {ref_u}, scf_type df, df_basis_scf {aux}
# geometry in bohr = Angstrom / 0.529177210903 (CODATA 2018), 14 decimals
# {aux} is read from {aux}.gbs in $PSIPATH (a copy of data/basis/{aux}.gbs, see run_all.sh)
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
  df_basis_scf {aux}
  reference {ref}
  scf_type df
  guess sad
  e_convergence 1e-10
  d_convergence 1e-8
  maxiter 200
  dft_radial_points 99
  dft_spherical_points 590
}}

e, wfn = energy('{method}', return_wfn=True)

import hashlib, os
def _p(label, val):
    print_out("REF %s %s\\n" % (label, val))
    print("REF %s %s" % (label, val))
na, nb = wfn.nalpha(), wfn.nbeta()
aux = wfn.get_basisset("DF_BASIS_SCF")
_p("NBF", wfn.basisset().nbf())
_p("NMO", wfn.nmo())
_p("NALPHA", na)
_p("NBETA", nb)
_p("BASIS_NAME", wfn.basisset().name())
_p("BASIS_PUREAM", wfn.basisset().has_puream())
_p("NAUX", aux.nbf())
_p("NAUX_SHELL", aux.nshell())
_p("NAUX_PRIMITIVE", aux.nprimitive())
_p("AUX_NAME", aux.name())
_p("AUX_BLEND", aux.blend())
_p("AUX_PUREAM", aux.has_puream())
_p("AUX_MAX_AM", aux.max_am())
for d in os.environ.get("PSIPATH", "").split(os.pathsep):
    f = os.path.join(d, "{aux}.gbs")
    if d and os.path.exists(f):
        _p("AUX_FILE", os.path.abspath(f))
        _p("AUX_FILE_MD5", hashlib.md5(open(f, "rb").read()).hexdigest())
        break
_p("NUCLEAR_REPULSION", "%.12f" % wfn.molecule().nuclear_repulsion_energy())
_p("TOTAL_ENERGY", "%.12f" % e)
_p("WFN_ENERGY", "%.12f" % wfn.energy())
_p("SCF_ITERATIONS", "%d" % variable('SCF ITERATIONS'))
ea = wfn.epsilon_a().to_array()
eb = wfn.epsilon_b().to_array()
_p("EPS_A_OCC", " ".join("%.12f" % x for x in ea[:na]))
_p("EPS_A_VIRT5", " ".join("%.12f" % x for x in ea[na:na + 5]))
_p("EPS_B_OCC", " ".join("%.12f" % x for x in eb[:nb]))
_p("EPS_B_VIRT5", " ".join("%.12f" % x for x in eb[nb:nb + 5]))
if wfn.V_potential() is not None:
    _p("XC_ENERGY", "%.12f" % variable('DFT XC ENERGY'))
    _p("DFT_FUNCTIONAL_TOTAL_ENERGY", "%.12f" % variable('DFT FUNCTIONAL TOTAL ENERGY'))
    _p("DFT_TOTAL_ENERGY", "%.12f" % variable('DFT TOTAL ENERGY'))
    qv = wfn.V_potential().quadrature_values()
    _p("QUAD_KEYS", " ".join(sorted(qv.keys())))
    for k in sorted(qv.keys()):
        _p("QUAD_" + k, "%.12f" % qv[k])
    _p("NPOINTS", wfn.V_potential().grid().npoints())
# options in effect (defaults except radial/spherical points and the DF ones set above)
for k in ["SCF_TYPE", "DF_BASIS_SCF", "INTS_TOLERANCE", "PUREAM"]:   # global options
    _p("OPT_" + k, core.get_global_option(k))
_p("OPT_PUREAM_CHANGED", core.has_global_option_changed("PUREAM"))
for k in ["DF_FITTING_CONDITION", "DF_INTS_IO", "GUESS",
          "DFT_RADIAL_SCHEME", "DFT_NUCLEAR_SCHEME", "DFT_PRUNING_SCHEME", "DFT_PRUNING_ALPHA",
          "DFT_SPHERICAL_SCHEME", "DFT_RADIAL_POINTS", "DFT_SPHERICAL_POINTS", "DFT_BS_RADIUS_ALPHA",
          "DFT_BASIS_TOLERANCE", "DFT_BLOCK_SCHEME", "DFT_BLOCK_MAX_POINTS", "DFT_BLOCK_MIN_POINTS",
          "DFT_BLOCK_MAX_RADIUS", "DFT_V2_RHO_CUTOFF"]:
    _p("OPT_" + k, core.get_option("SCF", k))
_p("NUM_THREADS", core.get_num_threads())
_p("PSI4_VERSION", psi4.__version__)
"""

def main():
    meta = {}
    for case, mol, method, ref, mult, aux, conv in CASES:
        atoms = MOLS[mol]
        geom = "\n".join("  %-2s %22.14f %22.14f %22.14f" % a for a in atoms)
        with open(os.path.join(HERE, case + ".in"), "w") as f:
            f.write(TMPL.format(case=case, mol=mol, method=method, ref=ref, ref_u=ref.upper(),
                                mult=mult, geom=geom, aux=aux))
        meta[case] = {"molecule": mol, "method": method, "reference": ref.upper(),
                      "basis": "def2-svp", "df_basis_scf": aux,
                      "df_basis_scf_file": "data/basis/%s.gbs" % aux,
                      "charge": 0, "multiplicity": mult,
                      "conventional": None if conv is None else {"file": "tests/reference/" + conv[0],
                                                                 "case": conv[1]},
                      "geometry_bohr": [[ZNUM[a[0]], a[1], a[2], a[3]] for a in atoms]}
    with open(os.path.join(HERE, "cases_meta.json"), "w") as f:
        json.dump(meta, f, indent=1)

if __name__ == "__main__":
    main()
