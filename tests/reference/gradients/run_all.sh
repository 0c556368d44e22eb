#!/bin/bash
# Run the gradient / optimisation cases one at a time with psi4 -n 2 (2 OpenMP threads; BLAS itself
# single-threaded). psi4 scratch goes to WORKDIR/scratch (PSI_SCRATCH), outside the repository; the
# basis sets are psi4's own library files (PSIPATH unset, no .gbs allowed in WORKDIR).
# Limits: 2 h per single point / FD check, 12 h for the optimisation.
# usage: run_all.sh WORKDIR [case ...]     (then: extract.py WORKDIR; copy WORKDIR/<case>.{out,log} here)
# The optimisation input needs ocarborane_xtb.xyz (see README) and `make_inputs.py` re-run.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
W=${1:-/tmp/gradref}; shift || true
export OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
unset PSIPATH
mkdir -p "$W/scratch"
export PSI_SCRATCH="$W/scratch"
cd "$W"
ls ./*.gbs >/dev/null 2>&1 && { echo "stray .gbs files in $W (searched before psi4's library)"; exit 1; }
cases=${*:-water_hf water_b3lyp water_pbe oh_uhf oh_uks_b3lyp water_b3lyp_fd ocarborane_hf ocarborane_b3lyp ocarborane_b3lyp_631gs_opt}
for c in $cases; do
  [ -f "$HERE/$c.in" ] || { echo "== no input $c.in"; continue; }
  cp "$HERE/$c.in" "$W/$c.in"
  lim=7200; [ "${c%_opt}" != "$c" ] && lim=43200
  echo "== psi4 $c $(date +%T)"
  /usr/bin/time -f "%e s" timeout $lim psi4 -n 2 "$c.in" "$c.out" > "$c.log" 2>&1
  tail -1 "$c.log"
done
echo "== done $(date +%T)"
