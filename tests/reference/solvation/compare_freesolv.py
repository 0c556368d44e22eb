#!/usr/bin/env python3
"""Compare cagescreen's FreeSolv validation with NWChem 7.0.2's SMD on the same molecules.

usage: compare_freesolv.py VALIDATION_JSON   (written by `cagescreen validate freesolv-sample`)

Reads references.json (NWChem's smd_mobley_<id> jobs) next to this script and prints, per molecule
that both have, the experimental value, NWChem's and cagescreen's dG_solv, and the mean unsigned
errors of both against experiment over the common molecules.
"""
import json
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
ours = json.load(open(sys.argv[1]))["quantities"]["solvation_free_energy_kcal"]["samples"]
nw = {r["job"][4:]: r for r in json.load(open(os.path.join(here, "references.json")))["runs"]
      if r["job"].startswith("smd_mobley_")}
rows = [(s["entry"], s["published"], nw[s["entry"]]["dg_solv_kcal"], s["computed"]) for s in ours if s["entry"] in nw]
print(f"{'molecule':16s} {'exp':>7s} {'NWChem':>8s} {'ours':>8s} {'ours-NW':>8s}")
for e, x, n, c in rows:
    print(f"{e:16s} {x:7.2f} {n:8.3f} {c:8.3f} {c - n:8.3f}")
if rows:
    k = len(rows)
    mue_nw = sum(abs(n - x) for _, x, n, _ in rows) / k
    mue_us = sum(abs(c - x) for _, x, _, c in rows) / k
    dev = sum(abs(c - n) for _, _, n, c in rows) / k
    worst = max(abs(c - n) for _, _, n, c in rows)
    print(f"{k} molecules: MUE vs experiment NWChem {mue_nw:.3f}, cagescreen {mue_us:.3f} kcal/mol; "
          f"|cagescreen - NWChem| mean {dev:.3f}, largest {worst:.3f} kcal/mol")
