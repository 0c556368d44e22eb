#!/usr/bin/env python3
"""Write psi4 inputs for the cluster references (B3LYP/def2-SVP RKS).

Follows the conventions of tests/reference/dft/*.in, except that the geometry is given
in Angstrom exactly as in ../NAME.xyz (units angstrom, as requested), so psi4 1.3.2
converts it with its own constant (0.52917721067, CODATA 2014). The bohr geometry
psi4 actually used is printed (REF GEOM_BOHR) and stored in references.json.

usage: make_inputs.py NAME [--out PATH_WITHOUT_.in] [--hf-guess] [extra 'key value' set options ...]

--bohr2018: (checks only) give the geometry in bohr, Angstrom / 0.529177210903 (CODATA 2018,
as in tests/reference/{hf,dft} and molecules/units.hpp), 14 decimals, instead of Angstrom.
--hf-guess: run RHF first (same basis, geometry, scf_type and thresholds) and start
B3LYP from its orbitals (guess read) instead of the SAD guess.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

TAIL = r'''
e, wfn = energy('b3lyp', return_wfn=True)

def _p(label, val):
    print_out("REF %s %s\n" % (label, val))
    print("REF %s %s" % (label, val))
na, nb = wfn.nalpha(), wfn.nbeta()
_p("NBF", wfn.basisset().nbf())
_p("NMO", wfn.nmo())
_p("NALPHA", na)
_p("NBETA", nb)
_p("BOHR2ANGSTROMS", "%.12f" % psi4.constants.bohr2angstroms)
_m = wfn.molecule()
for _i in range(_m.natom()):
    _p("GEOM_BOHR", "%s %.14f %.14f %.14f" % (_m.symbol(_i), _m.x(_i), _m.y(_i), _m.z(_i)))
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
# aufbau check: every occupied orbital energy below every virtual one
_p("EPS_A_ALL", " ".join("%.12f" % x for x in ea))
_p("AUFBAU_A", "%s max_occ=%.12f min_virt=%.12f" % (max(ea[:na]) < min(ea[na:]), max(ea[:na]), min(ea[na:])))
_p("DOCCPI", " ".join(str(x) for x in wfn.doccpi().to_tuple()))
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
          "DFT_BLOCK_MAX_RADIUS", "DFT_V2_RHO_CUTOFF", "INTS_TOLERANCE", "PUREAM",
          "DIIS", "DAMPING_PERCENTAGE", "DAMPING_CONVERGENCE", "SOSCF", "MAXITER"]:
    _p("OPT_" + k, core.get_option("SCF", k))
_p("PSI4_VERSION", psi4.__version__)
'''


def read_xyz_lines(name):
    with open(os.path.join(HERE, "..", name + ".xyz")) as f:
        lines = f.read().splitlines()
    n = int(lines[0].split()[0])
    return lines[1], [l.split() for l in lines[2:2 + n]]


HF_GUESS = r'''
# SCF path: %s; converge RHF first
# and start B3LYP from its orbitals.
set reference rhf
e_hf, wfn_hf = energy('scf', return_wfn=True)
_hf_iter = variable('SCF ITERATIONS')
set reference rks
set guess read
'''


def write(name, extra, out_base=None, hf_guess=False, bohr2018=False):
    title, atoms = read_xyz_lines(name)
    units = "angstrom"
    head2 = ["# geometry in Angstrom exactly as in clusters/%s.xyz (%s)" % (name, title.split()[0]),
             "# psi4 1.3.2 converts Angstrom -> bohr with 0.52917721067 (CODATA 2014)"]
    if bohr2018:
        units = "bohr"
        atoms = [[a[0]] + ["%.14f" % float("%.14f" % (float(v) / 0.529177210903)) for v in a[1:4]]
                 for a in atoms]
        head2 = ["# geometry in bohr = clusters/%s.xyz (%s) Angstrom / 0.529177210903 (CODATA 2018), 14 decimals"
                 % (name, title.split()[0])]
    opts = [("basis", "def2-svp"), ("reference", "rks"), ("scf_type", "pk"), ("guess", "sad"),
            ("e_convergence", "1e-10"), ("d_convergence", "1e-8"), ("maxiter", "200"),
            ("dft_radial_points", "99"), ("dft_spherical_points", "590")]
    for key, val in extra:
        opts = [(k, v) for k, v in opts if k != key] + [(key, val)]
    out = ["# %s: %s / def2-svp (spherical) b3lyp RKS" % (name, name)] + head2 + [
           "memory 4 gb", "", "molecule {", "units " + units, "no_reorient", "no_com",
           "symmetry c1", "0 1"]
    out += ["  %-2s  %s  %s  %s" % tuple(a[:4]) for a in atoms]
    out += ["}", "", "set {"]
    w = max(len(k) for k, _ in opts)
    out += ["  %s %s" % (k, v) for k, v in opts]
    out += ["}"]
    with open((out_base or os.path.join(HERE, name)) + ".in", "w") as f:
        tail = TAIL
        if hf_guess:
            why = ("the SAD start diverges for this molecule (see README.md)" if name == "znf2"
                   else "check of the reference (which starts from SAD): another starting point")
            tail = HF_GUESS % why + TAIL + (
                "_p(\"HF_GUESS_ENERGY\", \"%.12f\" % e_hf)\n"
                "_p(\"HF_GUESS_ITERATIONS\", \"%d\" % _hf_iter)\n")
        f.write("\n".join(out) + "\n" + tail)


if __name__ == "__main__":
    name = sys.argv[1]
    args = sys.argv[2:]
    out_base = None
    if args[:1] == ["--out"]:
        out_base, args = args[1], args[2:]
    hf_guess = bohr2018 = False
    while args[:1] in (["--hf-guess"], ["--bohr2018"]):
        if args[0] == "--hf-guess":
            hf_guess = True
        else:
            bohr2018 = True
        args = args[1:]
    extra = [tuple(a.split(None, 1)) for a in args]
    write(name, extra, out_base, hf_guess, bohr2018)
