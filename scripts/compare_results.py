#!/usr/bin/env python3
"""Compares two campaign results.csv files: every computed quantity (timings, dates, versions and
paths aside) must agree to a tolerance (default 1e-10, absolute). Used to check that a refactoring
changes no result:  scripts/compare_results.py before/results.csv after/results.csv"""
import csv
import sys

SKIP = ("seconds", "time", "date", "started", "finished", "version", "log", "path", "peak", "rss", "threads", "hash")


def rows(path):
    with open(path, newline="") as f:
        return {r["label"]: r for r in csv.DictReader(f)}


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    tol = float(sys.argv[3]) if len(sys.argv) > 3 else 1e-10
    a, b = rows(sys.argv[1]), rows(sys.argv[2])
    bad = 0
    if a.keys() != b.keys():
        print(f"candidates differ: {sorted(a.keys() ^ b.keys())}")
        bad += 1
    compared = 0
    for label in sorted(a.keys() & b.keys()):
        for key, x in a[label].items():
            if any(s in key.lower() for s in SKIP):
                continue
            y = b[label].get(key)
            try:
                fx, fy = float(x), float(y)
                ok = abs(fx - fy) <= tol
            except (TypeError, ValueError):
                ok = x == y
            compared += 1
            if not ok:
                bad += 1
                print(f"{label} {key}: {x} != {y}")
    print(f"{compared} values compared, {bad} differ (tolerance {tol})")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
