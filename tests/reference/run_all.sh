#!/bin/bash
# Run every case, one program at a time, single-threaded.
# usage: run_all.sh WORKDIR [case ...]
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
W=${1:-/tmp/hfref}; shift || true
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
mkdir -p "$W"; cd "$W"
cases=${*:-$(cd "$HERE/psi4" && ls *.in | sed 's/\.in$//')}
for c in $cases; do
  cp "$HERE/psi4/$c.in" "$W/$c.in"
  echo "== psi4 $c $(date +%T)"
  /usr/bin/time -f "%e s" psi4 -n 1 "$c.in" "$c.psi4.out" > "$c.psi4.log" 2>&1
  tail -1 "$c.psi4.log"
  cp "$HERE/nwchem/$c.nw" "$W/$c.nw"
  echo "== nwchem $c $(date +%T)"
  /usr/bin/time -f "%e s" nwchem "$c.nw" > "$c.nw.out" 2> "$c.nw.err"
  tail -1 "$c.nw.err"
done
echo "== done $(date +%T)"
