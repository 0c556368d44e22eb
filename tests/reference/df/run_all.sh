#!/bin/bash
# Run the DF cases one at a time, 2 threads (psi4 -n 2; BLAS itself single-threaded), 40 min limit each.
# The fitting sets are OUR data/basis/def2-universal-{jkfit,jfit}.gbs, copied to WORKDIR/psipath,
# which is put on PSIPATH (psi4 searches ., then PSIPATH, then its library for <name>.gbs).
# psi4 scratch goes to WORKDIR/scratch (PSI_SCRATCH), outside the repository.
# usage: run_all.sh WORKDIR [case ...]     (then: extract.py WORKDIR; copy WORKDIR/*.out to outputs/)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
W=${1:-/tmp/dfref}; shift || true
export OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
mkdir -p "$W/psipath" "$W/scratch"
cp "$ROOT/data/basis/def2-universal-jkfit.gbs" "$ROOT/data/basis/def2-universal-jfit.gbs" "$W/psipath/"
export PSIPATH="$W/psipath" PSI_SCRATCH="$W/scratch"
cd "$W"
ls ./*.gbs >/dev/null 2>&1 && { echo "stray .gbs files in $W (searched before PSIPATH)"; exit 1; }
cases=${*:-ocarborane_hf_df ocarborane_b3lyp_df ocarborane_pbe_df oh_b3lyp_uks_df water_hf_df}
for c in $cases; do
  cp "$HERE/$c.in" "$W/$c.in"
  echo "== psi4 $c $(date +%T)"
  /usr/bin/time -f "%e s" timeout 2400 psi4 -n 2 "$c.in" "$c.out" > "$c.log" 2>&1
  tail -1 "$c.log"
done
echo "== done $(date +%T)"
