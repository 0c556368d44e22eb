#!/bin/bash
# Run NWChem jobs one at a time, single process, single thread.
# usage: run_jobs.sh job [job ...]   (inputs: nwchem/<job>.nw; work dirs /tmp/solvref/jobs/<job>)
# After every job extract.py rewrites references.json from all outputs present.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
W=/tmp/solvref/jobs
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
for j in "$@"; do
  mkdir -p "$W/$j"; cd "$W/$j" || exit 1
  rm -f "$j".* cosmo.xyz
  cp "$HERE/nwchem/$j.nw" .
  echo "== $j $(date +%T)"
  /usr/bin/time -f "%e s %M kB" nwchem "$j.nw" > "$j.out" 2> "$j.err"
  tail -1 "$j.err"
  cp cosmo.xyz "$j.cosmo.xyz" 2>/dev/null
  rm -f "$j".aoints.* "$j".gridpts.* 2>/dev/null
  python3 "$HERE/extract.py" > /dev/null || echo "extract failed"
done
echo "== done $(date +%T)"
