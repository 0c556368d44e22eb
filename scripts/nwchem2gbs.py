#!/usr/bin/env python3
"""Convert an NWChem basis library file (as shipped in Debian's nwchem-data,
/usr/share/nwchem/libraries) into Gaussian94/Psi4 .gbs format.

Usage: nwchem2gbs.py LIBRARY_FILE HEADER > out.gbs
HEADER is 'spherical' or 'cartesian' and becomes the first line of the output.
Used once to produce data/basis/6-31g_2df_p_.gbs and def2-universal-jfit.gbs.
"""
import sys

def main(path, header):
    elements = []          # [(symbol, [(L, [(exp, [coefs...])])])]
    current = None
    shell = None
    for raw in open(path):
        line = raw.split('#')[0].strip()
        if not line:
            continue
        if line.lower().startswith('basis'):
            current = None
            continue
        if line.lower() == 'end':
            current = shell = None
            continue
        tok = line.split()
        if tok[0][0].isalpha():
            sym, lname = tok[0], tok[1].upper()
            if not elements or elements[-1][0] != sym:
                elements.append((sym, []))
            current = elements[-1][1]
            shell = (lname, [])
            current.append(shell)
        else:
            vals = [float(t.replace('D', 'E').replace('d', 'e')) for t in tok]
            shell[1].append((vals[0], vals[1:]))
    out = [header, '']
    for sym, shells in elements:
        out.append('****')
        out.append(f'{sym}     0')
        for lname, prims in shells:
            ncol = len(prims[0][1])
            if lname == 'SP':
                out.append(f'SP   {len(prims)}   1.00')
                for e, c in prims:
                    out.append(f'  {e:.10E}  {c[0]:.10E}  {c[1]:.10E}')
                continue
            for col in range(ncol):   # general contractions become segmented shells
                used = [(e, c[col]) for e, c in prims if c[col] != 0.0]
                out.append(f'{lname}   {len(used)}   1.00')
                for e, c in used:
                    out.append(f'  {e:.10E}  {c:.10E}')
    out.append('****')
    print('\n'.join(out))

if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2])
