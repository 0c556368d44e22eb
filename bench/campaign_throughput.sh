#!/usr/bin/env bash
# Campaign throughput for o-carborane-size cages (issue 8, target 250 candidates per hour on 2
# cores): `cagescreen screen` with its defaults (as many jobs as cores) over the three
# closo-C2B10H12 isomers and [B12H12]2-, each COPIES times under its own label (default 3: 12
# candidates), at B3LYP/6-31G* with the default descriptors (charges, frontier, dipole, surface)
# and the default integrals (density fitting for DFT). Prints wall time and candidates per hour.
# Do not run anything else on the machine meanwhile.
#   bench/campaign_throughput.sh [COPIES]
set -euo pipefail
cd "$(dirname "$0")/.."
copies=${1:-3}
exe=$PWD/build/workflows/cagescreen
[ -x "$exe" ] || scripts/setup
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
{
  printf 'name = "throughput"\noutput = "results"\n[level]\nmethod = "b3lyp"\nbasis = "6-31g*"\n'
  for s in o-carborane m-carborane p-carborane b12h12; do
    for k in $(seq 1 "$copies"); do printf '[[candidates]]\nspecies = "%s"\nlabel = "%s-%d"\n' "$s" "$s" "$k"; done
  done
} > "$work/throughput.toml"
t0=$(date +%s.%N)
"$exe" screen "$work/throughput.toml" > "$work/screen.log" 2>&1
t1=$(date +%s.%N)
n=$((4 * copies))
python3 - "$t0" "$t1" "$n" "$(nproc)" <<'PY'
import sys
t0, t1, n, cores = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
dt = t1 - t0
print(f"{n} cages (o-, m-, p-carborane, [B12H12]2-) at B3LYP/6-31G* with charges, frontier, dipole, surface")
print(f"  cagescreen screen (defaults, {cores} cores): {dt:.1f} s, {dt / n:.1f} s per candidate, "
      f"{n / dt * 3600:.0f} candidates per hour (target 250)")
PY
tail -3 "$work/screen.log"
