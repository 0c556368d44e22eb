#!/usr/bin/python3
"""Read the psi4 1.3.2 outputs (<name>.out in OUTDIR) of the inputs in this
directory and write stability_references.json + stability_excerpts.txt.

usage: /usr/bin/python3 extract.py OUTDIR
"""
import json, os, re, sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = sys.argv[1] if len(sys.argv) > 1 else '.'

CASES = [  # name, system, basis, puream, reference, stability_analysis
    ('h2_15_rhf', 'H2 R=1.5 A', '6-31G**', False, 'RHF', 'CHECK'),
    ('h2_30_rhf', 'H2 R=3.0 A', '6-31G**', False, 'RHF', 'CHECK'),
    ('h2_15_uhf_follow', 'H2 R=1.5 A', '6-31G**', False, 'UHF', 'FOLLOW'),
    ('h2_30_uhf_follow', 'H2 R=3.0 A', '6-31G**', False, 'UHF', 'FOLLOW'),
    ('water_def2svp_rhf', 'H2O (bohr geometry)', 'def2-SVP', True, 'RHF', 'CHECK'),
    ('o2_singlet_rhf', 'O2 R=1.2075 A, closed-shell singlet', '6-31G*', False, 'RHF', 'CHECK'),
    ('oh_uhf', 'OH radical R=0.97 A, doublet', '6-31G*', False, 'UHF', 'CHECK'),
]
KIND = {
    'Lowest singlet (RHF->RHF) stability eigenvalues:-': 'rhf_singlet',
    'Lowest triplet (RHF->UHF) stability eigenvalues:-': 'rhf_triplet',
    'Lowest UHF->UHF stability eigenvalues:': 'uhf_uhf',
}
ITER = re.compile(r'^\s+@[RU]HF iter\s+(\S+):\s+(-?\d+\.\d+)')
EV = re.compile(r'(\S+)\s+(-?\d+\.\d+)')

def parse(name):
    lines = open(os.path.join(OUT, name + '.out')).read().splitlines()
    res = {'analyses': []}
    last_iter_E = None
    excerpt = []
    i = 0
    while i < len(lines):
        l = lines[i]
        if 'Psi4 1.' in l and 'release' in l and 'psi4_version_line' not in res:
            res['psi4_version_line'] = l.strip()
        m = ITER.match(l)
        if m:
            last_iter_E = (m.group(1), float(m.group(2)), l.strip())
        if l.strip() in ('Negative totally symmetric eigenvalue detected:' ,) or \
           l.strip().startswith(('Negative totally symmetric', 'Wavefunction unstable', 'Wavefunction stable',
                                 'Lowest totally symmetric', 'Rotating orbitals', 'Running SCF again',
                                 'Stability analysis over', "There's still", 'Negative eigenvalue similar')):
            excerpt.append(l.rstrip())
            if res['analyses'] and l.strip().startswith(('Rotating', 'Stability analysis over', 'Running SCF')):
                res['analyses'][-1]['status_lines'].append(l.strip())
            elif l.strip().startswith(('Negative totally', 'Wavefunction', 'Lowest totally')):
                res.setdefault('_pending_status', []).append(l.strip())
        if l.strip() in KIND:
            head = l.strip()
            vals = []
            excerpt.append(l.rstrip())
            j = i + 1
            while j < len(lines) and lines[j].strip():
                excerpt.append(lines[j].rstrip())
                for irr, v in EV.findall(lines[j]):
                    vals.append({'irrep': irr, 'value': float(v)})
                j += 1
            if head == 'Lowest triplet (RHF->UHF) stability eigenvalues:-' and res['analyses']:
                pass
            entry = {
                'heading_as_printed': [ll for ll in [lines[i]]][0].strip(),
                'kind': KIND[head],
                'printed_eigenvalues': vals,
                'scf_energy_before_analysis': last_iter_E[1],
                'scf_last_iteration_line': last_iter_E[2],
                'status_lines': res.pop('_pending_status', []),
            }
            res['analyses'].append(entry)
            i = j
            continue
        if l.strip().startswith('@S^2 Observed'):
            res['S2_observed_final'] = float(l.split()[-1])
        if l.strip().startswith('@RHF Final Energy') or l.strip().startswith('@UHF Final Energy'):
            res['final_energy_line'] = l.strip()
        if l.strip().startswith('Total Energy =') and 'scf_total_energy_final' not in res:
            res['scf_total_energy_final'] = float(l.split()[-1])
        if l.strip().startswith('NUMPY'):
            key, _, rest = l.strip().partition(':') if 'lowest' in l else l.strip().partition('=')
            res.setdefault('numpy', {})[key.replace('NUMPY ', '').strip()] = [float(x) for x in rest.split()]
        if l.strip().startswith('PSI4 array SCF STABILITY EIGENVALUES'):
            res['psi4_array_SCF_STABILITY_EIGENVALUES_last_analysis'] = [float(x) for x in l.split(':')[1].split()]
        if l.strip().startswith('DLU ') and re.match(r'\s*DLU\s+\d+', l):
            res.setdefault('_dlu', []).append(l.strip())
        i += 1
    dlu = res.pop('_dlu', [])
    return res, excerpt, dlu

MATRIX = {
    'rhf_singlet': 'RHF->RHF singlet real-rotation Hessian (A+B)^S: M_ia,jb = F_ab d_ij - F_ij d_ab + 4(ia|jb) - (ib|ja) - (ij|ab) '
                   '(F = C^T F_AO C over occ/vir blocks, chemists notation, spatial MOs, no extra factor). '
                   'psi4 1.3.2 psi4/src/psi4/libscf_solver/rhf.cc RHF::stability_analysis lines 855-896; full diagonalisation '
                   '(sq_rsp, lines 918/929), 5 lowest per irrep (hard-coded, line 921).',
    'rhf_triplet': 'RHF->UHF triplet real-rotation Hessian (A+B)^T: M_ia,jb = F_ab d_ij - F_ij d_ab - (ib|ja) - (ij|ab). '
                   'Same file/lines as singlet (rhf.cc 857-896).',
    'uhf_uhf': 'UHF->UHF real-rotation Hessian (A+B) over alpha and beta ov pairs: same-spin block (e_a-e_i) d_ij d_ab + 2(ia|jb) - (ib|ja) - (ij|ab); '
               'opposite-spin block 2(ia|jb). psi4 1.3.2 psi4/src/psi4/libfock/hamiltonian.cc USTABHamiltonian::product '
               'lines 1585-1604 (alpha) and 1642-1661 (beta), preconditioner diagonal e_a-e_i lines 1293-1359; iterative Davidson (DLUSolver, '
               'libfock/solver.cc), SOLVER_N_ROOT roots per irrep.',
}

NOTES = {
    'h2_15_uhf_follow': 'psi4 UHF with the default (SAD) guess does NOT break spin symmetry by itself: it converges to the RHF '
                        'solution (same energy as h2_15_rhf). The first UHF->UHF analysis therefore shows the union of the RHF '
                        'singlet and triplet eigenvalues (full-precision values in h2_15_rhf). FOLLOW rotates by 0.5*pi/2 along '
                        'the unstable vector and re-converges to the broken-symmetry UHF minimum.',
    'h2_30_uhf_follow': 'Same as h2_15_uhf_follow: default-guess UHF stays at the RHF solution, FOLLOW finds the broken-symmetry minimum.',
    'o2_singlet_rhf': 'Closed-shell RHF with one pi_g* doubly occupied (HOMO -0.467114, LUMO 0.031125 Eh): cylindrical symmetry '
                      'is broken, so the singlet Hessian has an exact zero (Goldstone, rotation about the bond axis; 5e-10 here). '
                      'Two negative triplet eigenvalues; no negative singlet eigenvalue.',
    'oh_uhf': 'X 2Pi state: the UHF Hessian has an exact zero eigenvalue (rotation about the axis mixes pi_x/pi_y, 1.7e-9 here); '
              'psi4 reports it as 0.000000 and calls the wavefunction stable. <S^2> = 0.75534. The psi4 Davidson solver needed '
              'SOLVER_MIN_SUBSPACE >= SOLVER_N_ROOT (default 2 fails with 5 roots: "Roots not converged").',
}

refs = {'program': 'psi4', 'debian_package': 'psi4 1:1.3.2+dfsg-5 (Debian 12)', 'psi4_source_tag': 'v1.3.2 (ecbda834b4bcce794ce2338873962f36436842a5)',
        'units': 'hartree', 'matrix_definitions': MATRIX,
        'scale_note': 'All three kinds are eigenvalues of the (unscaled) A+B matrix in the spin-orbital normalisation: at an RHF point the '
                      'UHF->UHF spectrum is exactly the union of the RHF singlet and triplet spectra (h2_*_uhf_follow first analysis). '
                      'Energy curvature: rotating alpha and beta spatial orbitals by theta*t (t = normalised eigenvector over spatial ia, '
                      'beta with -t for triplet) gives d2E/dtheta2 = 4*lambda (scaling_check.in).',
        'printed_precision': 'psi4 prints eigenvalues with %-10.6f (hf.cc line 1333): 6 decimals; full-precision values from a numpy '
                             're-diagonalisation of the identical matrices built from the converged psi4 orbitals (agree to <1e-9 with psi4; '
                             'for UHF identical to psi4\'s SCF STABILITY EIGENVALUES array to 1e-10).',
        'cases': {}}
exc_txt = []
for name, system, basis, puream, ref, stab in CASES:
    res, excerpt, dlu = parse(name)
    refs.setdefault('psi4_version_line', res.pop('psi4_version_line', None))
    res.pop('psi4_version_line', None)
    case = {'input': name + '.in', 'system': system, 'basis': basis, 'puream': puream,
            'reference': ref, 'stability_analysis': stab}
    an = res['analyses']
    case['scf_energy_before_analysis'] = an[0]['scf_energy_before_analysis']
    if stab == 'FOLLOW':
        case['energy_before_follow'] = an[0]['scf_energy_before_analysis']
        case['energy_after_follow'] = res['scf_total_energy_final']
        case['S2_after_follow'] = res.get('S2_observed_final')
        case['uhf_broke_symmetry_by_itself'] = False
    else:
        case['scf_total_energy_final'] = res['scf_total_energy_final']
        if 'S2_observed_final' in res:
            case['S2_observed'] = res['S2_observed_final']
    npy = res.get('numpy', {})
    for k, a in enumerate(an):
        a['stage'] = ('before_follow' if k == 0 else 'after_follow') if stab == 'FOLLOW' else 'check'
        if a['heading_as_printed'].startswith('Lowest UHF'):
            a['heading_as_printed'] = 'Lowest UHF->UHF stability eigenvalues: '  # psi4 prints a trailing space
        full = None
        if a['kind'] == 'rhf_singlet':
            full, src = npy.get('singlet (RHF->RHF) lowest 10'), 'numpy re-diagonalisation of the same matrix (lowest 10 or all)'
        elif a['kind'] == 'rhf_triplet':
            full, src = npy.get('triplet (RHF->UHF) lowest 10'), 'numpy re-diagonalisation of the same matrix (lowest 10 or all)'
        elif k == len(an) - 1:
            full, src = npy.get('UHF->UHF lowest 10'), 'numpy re-diagonalisation of the same matrix (lowest 10 or all)'
            a['psi4_array_SCF_STABILITY_EIGENVALUES'] = res.get('psi4_array_SCF_STABILITY_EIGENVALUES_last_analysis')
        if full is not None:
            a['full_precision_eigenvalues'] = full
            a['full_precision_source'] = src
    case['analyses'] = an
    if dlu:
        case['davidson_final_iteration_line'] = dlu[-1]
    case['numpy_check_scf_energy'] = npy.get('SCF total energy', [None])[0]
    if name in NOTES:
        case['notes'] = NOTES[name]
    refs['cases'][name] = case
    exc_txt.append('===== %s  (%s, %s/%s, puream %s, stability_analysis %s)' %
                   (name, system, ref, basis, str(puream).lower(), stab))
    exc_txt.append('  ' + an[0]['scf_last_iteration_line'])
    exc_txt += excerpt
    if 'final_energy_line' in res:
        exc_txt.append('  ' + res['final_energy_line'])
    for k, v in npy.items():
        if k == 'SCF total energy':
            continue
        exc_txt.append('  [numpy check, not psi4 output] %s: %s' % (k, ' '.join('%.10f' % x for x in v)))
    if 'psi4_array_SCF_STABILITY_EIGENVALUES_last_analysis' in res:
        exc_txt.append('  [psi4 array variable SCF STABILITY EIGENVALUES, last analysis] %s' % ' '.join(
            '%.10f' % x for x in res['psi4_array_SCF_STABILITY_EIGENVALUES_last_analysis']))
    exc_txt.append('')

json.dump(refs, open(os.path.join(HERE, 'stability_references.json'), 'w'), indent=1)
open(os.path.join(HERE, 'stability_excerpts.txt'), 'w').write('\n'.join(exc_txt) + '\n')
print('ok')
