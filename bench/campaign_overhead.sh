#!/usr/bin/env bash
# Throughput of a campaign and the overhead of the campaign machinery: runs the paper campaign
# (examples/paper, B3LYP/6-31G*, 8 species) three ways on this machine, one after the other:
#   1. the same calculations one by one with `cagescreen run` (2 threads each);
#   2. `cagescreen screen --jobs 1 --threads-per-job 2` (same schedule, through the campaign machinery);
#   3. `cagescreen screen` with its defaults (as many jobs as cores, one thread each).
# Prints wall times, the overhead of 2 against 1, and candidates per hour.
# Do not run anything else on the machine meanwhile.
set -euo pipefail
cd "$(dirname "$0")/.."
exe=build/workflows/cagescreen
[ -x "$exe" ] || scripts/setup
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
species=(o-carborane m-carborane p-carborane b12h12 zno "zn(oh)2" znf2 "zn4(oh)6so4")
now() { date +%s.%N; }

t0=$(now)
for s in "${species[@]}"; do
  "$exe" run "$s" --method b3lyp --basis '6-31g*' --grid default --solvent water \
    --descriptors charges,frontier,dipole,surface,hydrophobicity \
    --threads 2 --memory 4480 --quiet --json "$work/one.json" > /dev/null 2>&1
done
t1=$(now)
"$exe" screen examples/paper/campaign.toml --output "$work/serial" --jobs 1 --threads-per-job 2 > /dev/null 2>&1
t2=$(now)
"$exe" screen examples/paper/campaign.toml --output "$work/default" > /dev/null 2>&1
t3=$(now)
python3 - "$t0" "$t1" "$t2" "$t3" "${#species[@]}" <<'PY'
import sys
t0, t1, t2, t3, n = map(float, sys.argv[1:])
one, serial, default = t1 - t0, t2 - t1, t3 - t2
print(f"paper campaign, {int(n)} candidates, B3LYP/6-31G* with the surface analysis, {__import__('os').cpu_count()} cores")
print(f"  cagescreen run, one by one (2 threads)       {one:8.1f} s")
print(f"  screen --jobs 1 --threads-per-job 2          {serial:8.1f} s   overhead {100*(serial/one-1):+.1f}%")
print(f"  screen (defaults)                            {default:8.1f} s   {n/default*3600:.0f} candidates/hour")
PY
