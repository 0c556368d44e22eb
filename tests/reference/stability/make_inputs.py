#!/usr/bin/python3
"""Write the psi4 1.3.2 stability-analysis inputs of this directory.

Each input runs psi4's own SCF + stability analysis (the numbers that are the
reference), then -- in plain numpy, from the converged psi4 wavefunction --
rebuilds the same orbital Hessian that psi4's C++ code diagonalises and prints
its lowest eigenvalues with 10 decimals (psi4 itself prints only 6).
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))

COMMON = """
set {{
  basis {basis}
  puream {puream}
  reference {reference}
  scf_type pk
  e_convergence 1e-10
  d_convergence 1e-8
  maxiter 200
  stability_analysis {stab}
  solver_n_root 5
  solver_n_guess 10
  solver_min_subspace 10
  solver_max_subspace 40
  solver_convergence 1e-8
}}
"""

CHECK = r'''
E, wfn = energy('scf', return_wfn=True)

# ---------------------------------------------------------------------------
# Independent numpy check (does not influence psi4's printed numbers).
# RHF: the matrices built in psi4 1.3.2 libscf_solver/rhf.cc RHF::stability_analysis
#   singlet = F_ab d_ij - F_ij d_ab + 4(ia|jb) - (ib|ja) - (ij|ab)
#   triplet = F_ab d_ij - F_ij d_ab        - (ib|ja) - (ij|ab)
# UHF: the product in libfock/hamiltonian.cc USTABHamiltonian::product
#   ss  block = (e_a - e_i) d_ij d_ab + 2(ia|jb) - (ib|ja) - (ij|ab)
#   s s' block = 2(ia|jb)
# ---------------------------------------------------------------------------
import numpy as np
mints = core.MintsHelper(wfn.basisset())
eri = np.asarray(mints.ao_eri())
def mo(C1, C2, C3, C4):
    return np.einsum('pqrs,pi,qj,rk,sl->ijkl', eri, C1, C2, C3, C4, optimize=True)
def fmt(v):
    return ' '.join('%.10f' % x for x in v)
core.print_out('\n  ==> numpy re-diagonalisation of the psi4 stability matrices <==\n')
core.print_out('  NUMPY SCF total energy = %.12f\n' % wfn.energy())
if core.get_option('SCF', 'REFERENCE') == 'RHF':
    Co = np.asarray(wfn.Ca_subset('AO', 'OCC')); Cv = np.asarray(wfn.Ca_subset('AO', 'VIR'))
    F = np.asarray(wfn.Fa())
    Foo = Co.T @ F @ Co; Fvv = Cv.T @ F @ Cv
    no, nv = Co.shape[1], Cv.shape[1]
    ovov = mo(Co, Cv, Co, Cv)                       # (ia|jb)
    oovv = mo(Co, Co, Cv, Cv)                       # (ij|ab)
    D = (np.einsum('ij,ab->iajb', np.eye(no), Fvv) - np.einsum('ij,ab->iajb', Foo, np.eye(nv)))
    T = D - ovov.transpose(0, 3, 2, 1) - oovv.transpose(0, 2, 1, 3)
    S = T + 4.0 * ovov
    es = np.linalg.eigvalsh(S.reshape(no * nv, no * nv))
    et = np.linalg.eigvalsh(T.reshape(no * nv, no * nv))
    core.print_out('  NUMPY singlet (RHF->RHF) lowest 10: %s\n' % fmt(es[:10]))
    core.print_out('  NUMPY triplet (RHF->UHF) lowest 10: %s\n' % fmt(et[:10]))
else:
    blocks = {}
    C = {}
    for s, (Cs, es_) in {'a': (wfn.Ca_subset, wfn.epsilon_a_subset), 'b': (wfn.Cb_subset, wfn.epsilon_b_subset)}.items():
        C[s] = (np.asarray(Cs('AO', 'OCC')), np.asarray(Cs('AO', 'VIR')),
                np.asarray(es_('AO', 'OCC')), np.asarray(es_('AO', 'VIR')))
    dims = {s: C[s][0].shape[1] * C[s][1].shape[1] for s in 'ab'}
    H = np.zeros((dims['a'] + dims['b'],) * 2)
    off = {'a': 0, 'b': dims['a']}
    for s in 'ab':
        Co, Cv, eo, ev = C[s]
        no, nv = Co.shape[1], Cv.shape[1]
        ovov = mo(Co, Cv, Co, Cv); oovv = mo(Co, Co, Cv, Cv)
        blk = 2.0 * ovov - ovov.transpose(0, 3, 2, 1) - oovv.transpose(0, 2, 1, 3)
        blk = blk.reshape(no * nv, no * nv) + np.diag((ev[None, :] - eo[:, None]).ravel())
        H[off[s]:off[s] + dims[s], off[s]:off[s] + dims[s]] = blk
    Coa, Cva = C['a'][0], C['a'][1]; Cob, Cvb = C['b'][0], C['b'][1]
    ab = 2.0 * mo(Coa, Cva, Cob, Cvb).reshape(dims['a'], dims['b'])
    H[:dims['a'], dims['a']:] = ab; H[dims['a']:, :dims['a']] = ab.T
    e = np.linalg.eigvalsh(H)
    core.print_out('  NUMPY UHF->UHF lowest 10: %s\n' % fmt(e[:10]))
    if core.has_array_variable('SCF STABILITY EIGENVALUES'):
        arr = np.asarray(core.array_variable('SCF STABILITY EIGENVALUES')).ravel()
        core.print_out('  PSI4 array SCF STABILITY EIGENVALUES (last analysis): %s\n' % fmt(arr))
'''

MOL = {
    'h2_15': ("0 1\nH 0.0 0.0 0.0\nH 0.0 0.0 1.5", 'angstrom'),
    'h2_30': ("0 1\nH 0.0 0.0 0.0\nH 0.0 0.0 3.0", 'angstrom'),
    'water': ("0 1\n"
              "O 0.00000000000000  0.00000000000000  0.12660443065127\n"
              "H 0.00000000000000  1.43943672914446 -1.00465209507567\n"
              "H 0.00000000000000 -1.43943672914446 -1.00465209507567", 'bohr'),
    'o2': ("0 1\nO 0.0 0.0 0.0\nO 0.0 0.0 1.2075", 'angstrom'),
    'oh': ("0 2\nO 0.0 0.0 0.0\nH 0.0 0.0 0.97", 'angstrom'),
}

CASES = [
    ('h2_15_rhf', 'h2_15', '6-31g**', 'false', 'rhf', 'check'),
    ('h2_30_rhf', 'h2_30', '6-31g**', 'false', 'rhf', 'check'),
    ('h2_15_uhf_follow', 'h2_15', '6-31g**', 'false', 'uhf', 'follow'),
    ('h2_30_uhf_follow', 'h2_30', '6-31g**', 'false', 'uhf', 'follow'),
    ('water_def2svp_rhf', 'water', 'def2-svp', 'true', 'rhf', 'check'),
    ('o2_singlet_rhf', 'o2', '6-31g*', 'false', 'rhf', 'check'),
    ('oh_uhf', 'oh', '6-31g*', 'false', 'uhf', 'check'),
]

for name, mol, basis, puream, ref, stab in CASES:
    geom, units = MOL[mol]
    txt = "# psi4 1.3.2 stability reference: %s  (generated by make_inputs.py)\n" % name
    txt += "memory 500 mb\n\nmolecule {\n%s\nunits %s\nsymmetry c1\nno_reorient\nno_com\n}\n" % (geom, units)
    txt += COMMON.format(basis=basis, puream=puream, reference=ref, stab=stab)
    txt += CHECK
    with open(os.path.join(HERE, name + '.in'), 'w') as f:
        f.write(txt)
    print('wrote', name + '.in')
