#!/bin/bash
# Run NWChem jobs one at a time, single process, single thread (no mpirun).
# usage: run_jobs.sh job [job ...]   (inputs: nwchem/<job>.nw; work dirs /tmp/redoxref/jobs/<job>)
#        run_jobs.sh all             (all 50 jobs: cheap molecules first (COSMO, SMD, gas-phase ions), o-carborane last)
# After every job extract.py rewrites references.json from all outputs present.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
W=/tmp/redoxref/jobs
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
if [ "${1:-}" = all ]; then
  # cheap molecules first (set A, set B, gas-phase ion jobs), o-carborane last
  set --
  for mols in "water acetonitrile benzene ethylene_carbonate" ocarborane; do
    for p in b3lyp_631gs_cosmo b3lyp_def2svp_smd b3lyp_631gs_gas b3lyp_def2svp_gas; do
      for m in $mols; do
        for s in neutral cation anion; do
          [ -f "$HERE/nwchem/${p}_${m}_${s}.nw" ] && set -- "$@" "${p}_${m}_${s}"
        done
      done
    done
  done
fi
for j in "$@"; do
  mkdir -p "$W/$j"; cd "$W/$j" || exit 1
  rm -f "$j".* cosmo.xyz
  cp "$HERE/nwchem/$j.nw" .
  echo "== $j $(date +%T)"
  /usr/bin/time -f "%e s %M kB" /usr/bin/nwchem "$j.nw" > "$j.out" 2> "$j.err"
  tail -1 "$j.err"
  cp cosmo.xyz "$j.cosmo.xyz" 2>/dev/null
  rm -f "$j".aoints.* "$j".gridpts.* 2>/dev/null
  python3 "$HERE/extract.py" > /dev/null || echo "extract failed"
done
echo "== done $(date +%T)"
