#!/usr/bin/env bash
# What the SCF stability check costs against the SCF itself: o-carborane B3LYP/def2-SVP (the
# program's defaults: density fitting, default grid, 2 threads) with `--stability check`, in one
# run. Prints the SCF's time per iteration, the analysis's J/K + kernel builds, trial vectors and
# time, and the analysis in "SCF iterations' worth" (its time over the mean time of the SCF's
# iterations on the final grid). The target (issue 27): at most 3. No peer row: psi4 1.3.2's
# stability analysis covers RHF/UHF only, not Kohn-Sham states.
# Do not run anything else meanwhile.
#   bench/stability.sh [REPEATS]      (default 3; medians)
set -euo pipefail
cd "$(dirname "$0")/.."
repeats=${1:-3}
exe=build/workflows/cagescreen
[ -x "$exe" ] || scripts/setup
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for i in $(seq "$repeats"); do
  "$exe" run o-carborane --method b3lyp --basis def2-svp --threads 2 --stability check --quiet \
    --json "$work/run$i.json" > /dev/null
done
python3 - "$work" "$repeats" <<'PY'
import json, statistics, sys
work, n = sys.argv[1], int(sys.argv[2])
med = statistics.median
rows = []
for i in range(1, n + 1):
    x = json.load(open(f"{work}/run{i}.json"))["extras"]["cagescreen"]
    hist = x["convergence"]["history"]
    # Iterations on the final grid: the SCF starts on the coarse grid (docs/dft.md); the last
    # iterations are the ones a Fock build on the final grid costs.
    final = hist[-3:]
    per_iter = sum(h["seconds"] for h in final) / len(final)
    st = x["stability"]
    rows.append((x["timings"]["scf_seconds"], len(hist), per_iter, st["seconds"], st["fock_builds"],
                 st["hessian_products"], st["stable"]))
scf, iters, per_iter, stab, builds, products, stable = (med([r[k] for r in rows]) for k in range(7))
print(f"o-carborane B3LYP/def2-SVP, 2 threads, median of {n}")
print(f"SCF                {scf:7.2f} s   {iters:.0f} iterations, {per_iter:.2f} s per final-grid iteration")
print(f"stability check    {stab:7.2f} s   {builds:.0f} J/K + kernel builds, {products:.0f} trial vectors, "
      f"stable {bool(stable)}")
print(f"check / SCF iteration: {stab / per_iter:.1f} iterations' worth (target <= 3)")
PY
