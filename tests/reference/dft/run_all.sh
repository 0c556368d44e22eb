#!/bin/bash
# Run the DFT cases one at a time, single-threaded, 40 min limit each.
# usage: run_all.sh WORKDIR [case ...]
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
W=${1:-/tmp/dftref}; shift || true
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
mkdir -p "$W"; cd "$W"
cases=${*:-water_b3lyp water_pbe water_pbe0 oh_b3lyp_uks water_wb97x water_camb3lyp ocarborane_b3lyp ocarborane_pbe ocarborane_pbe0}
for c in $cases; do
  cp "$HERE/$c.in" "$W/$c.in"
  echo "== psi4 $c $(date +%T)"
  /usr/bin/time -f "%e s" timeout 2400 psi4 -n 1 "$c.in" "$c.out" > "$c.log" 2>&1
  tail -1 "$c.log"
done
echo "== done $(date +%T)"
