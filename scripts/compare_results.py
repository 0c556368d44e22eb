#!/usr/bin/env python3
"""Compares the results of two runs of one campaign: every computed quantity must agree to an
absolute tolerance (default 1e-10); timings, dates, thread counts and versions are skipped.
Reads the stores (results.sqlite, full double precision) when both folders have one, else the
results.csv files. Used to check that a refactoring changes no result:

    scripts/compare_results.py BEFORE_FOLDER AFTER_FOLDER [TOLERANCE]"""
import csv
import os
import sqlite3
import sys

SKIP = {"id", "started_at", "finished_at", "wall_seconds", "threads", "program_version", "result_json", "attempts"}


def rows(folder):
    db = os.path.join(folder, "results.sqlite")
    if os.path.exists(db):
        con = sqlite3.connect(db)
        con.row_factory = sqlite3.Row
        return {r["candidate"]: dict(r) for r in con.execute("SELECT * FROM results")}
    with open(os.path.join(folder, "results.csv"), newline="") as f:
        return {r["candidate"]: r for r in csv.DictReader(f)}


def same(x, y, tol):
    if x in (None, "") or y in (None, ""):
        return x in (None, "") and y in (None, "")
    try:
        return abs(float(x) - float(y)) <= tol
    except (TypeError, ValueError):
        return x == y


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    tol = float(sys.argv[3]) if len(sys.argv) > 3 else 1e-10
    a, b = rows(sys.argv[1]), rows(sys.argv[2])
    bad, compared, worst = 0, 0, 0.0
    if a.keys() != b.keys():
        print(f"candidates differ: {sorted(a.keys() ^ b.keys())}")
        bad += 1
    for label in sorted(a.keys() & b.keys()):
        for key, x in a[label].items():
            if key in SKIP:
                continue
            y = b[label].get(key)
            compared += 1
            try:
                worst = max(worst, abs(float(x) - float(y)))
            except (TypeError, ValueError):
                pass
            if not same(x, y, tol):
                bad += 1
                print(f"{label} {key}: {x} != {y}")
    print(f"{compared} values compared, {bad} differ (tolerance {tol}); largest numeric difference {worst:.3g}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
