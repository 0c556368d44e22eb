#!/usr/bin/env bash
# What the continuum solvent costs: o-carborane B3LYP/def2-SVP in the gas phase and in water (SMD),
# cagescreen and NWChem 7.0.2 in one run on this machine, each as its users run it (cagescreen's
# defaults: density fitting, default grid, 2 threads; NWChem: 2 MPI ranks, its own symmetry, default
# grid, `cosmo; do_cosmo_smd true; solvent water; end`, converged as tightly as cagescreen's default).
# Prints the times and the ratio solvated / gas phase of each program. The target: cagescreen's
# solvated SCF within 1.3x its gas-phase SCF.
# Needs NWChem for the peer rows (scripts/setup --peers). Do not run anything else meanwhile.
#   bench/solvation.sh [REPEATS]      (default 3; medians)
set -euo pipefail
cd "$(dirname "$0")/.."
repeats=${1:-3}
exe=build/workflows/cagescreen
[ -x "$exe" ] || scripts/setup
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
geom=data/geometries/o-carborane.xyz
[ -f "$geom" ] || geom=tests/reference/solvation/geometries/o-carborane.xyz
now() { date +%s.%N; }

for i in $(seq "$repeats"); do
  t0=$(now)
  "$exe" run "$geom" --method b3lyp --basis def2-svp --threads 2 --quiet --json "$work/gas$i.json" > /dev/null
  t1=$(now)
  "$exe" run "$geom" --method b3lyp --basis def2-svp --threads 2 --solvent water --quiet --json "$work/smd$i.json" > /dev/null
  t2=$(now)
  echo "$t0 $t1 $t2" > "$work/wall$i"
done

have_nwchem=0
if command -v nwchem > /dev/null && command -v mpirun > /dev/null; then
  have_nwchem=1
  atoms=$(awk 'NR>2 && NF>=4 {printf "  %s %s %s %s\n", $1, $2, $3, $4}' "$geom")
  for kind in gas smd; do
    solvent=""
    [ "$kind" = smd ] && solvent=$'cosmo\n  do_cosmo_smd true\n  solvent water\nend'
    cat > "$work/nw_$kind.nw" <<NW
start nw_$kind
scratch_dir $work/nw_$kind
permanent_dir $work/nw_$kind
geometry units angstrom
$atoms
end
basis spherical
  * library def2-svp
end
dft
  xc b3lyp
  convergence energy 1e-8
end
$solvent
task dft energy
NW
    mkdir -p "$work/nw_$kind"
  done
  for i in $(seq "$repeats"); do
    for kind in gas smd; do
      t0=$(now)
      (cd "$work" && OMP_NUM_THREADS=1 mpirun --allow-run-as-root -np 2 nwchem "nw_$kind.nw" > "nw_$kind.out" 2>&1)
      t1=$(now)
      echo "$t0 $t1" > "$work/nw_${kind}_$i"
      rm -rf "$work/nw_$kind"/*
    done
  done
fi

python3 - "$work" "$repeats" "$have_nwchem" <<'PY'
import json, statistics, sys, os
work, n, nw = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
med = statistics.median
gas_scf, smd_scf, smd_gas_scf, solv_code, gas_wall, smd_wall, iters = [], [], [], [], [], [], []
for i in range(1, n + 1):
    g = json.load(open(f"{work}/gas{i}.json"))["extras"]["cagescreen"]
    s = json.load(open(f"{work}/smd{i}.json"))["extras"]["cagescreen"]
    gas_scf.append(g["timings"]["scf_seconds"])
    smd_scf.append(s["timings"]["scf_seconds"])
    smd_gas_scf.append(s["solvation"]["gas_seconds"])
    solv_code.append(s["solvation"]["seconds"])
    t0, t1, t2 = map(float, open(f"{work}/wall{i}").read().split())
    gas_wall.append(t1 - t0)
    smd_wall.append(t2 - t1)
    iters.append((len(g["convergence"]["history"]), len(s["convergence"]["history"])))
    pts = s["solvation"]["cavity_points"]
print(f"o-carborane B3LYP/def2-SVP, SMD water ({pts} cavity points), {os.cpu_count()} cores, median of {n}")
print(f"cagescreen  gas-phase SCF (from SAD)              {med(gas_scf):7.2f} s   ({iters[0][0]} iterations)")
print(f"            solvated SCF (from the gas density)   {med(smd_scf):7.2f} s   ({iters[0][1]} iterations; "
      f"solvent code {med(solv_code):.2f} s)   ratio {med(smd_scf)/med(gas_scf):.2f}  (target <= 1.3)")
print(f"            whole run: gas {med(gas_wall):.2f} s, in water (gas + solvated) {med(smd_wall):.2f} s   "
      f"ratio {med(smd_wall)/med(gas_wall):.2f}")
if nw:
    w = {k: med([float(open(f"{work}/nw_{k}_{i}").read().split()[1]) - float(open(f"{work}/nw_{k}_{i}").read().split()[0])
                 for i in range(1, n + 1)]) for k in ("gas", "smd")}
    print(f"NWChem      gas {w['gas']:.2f} s, SMD water (gas + solvated, as it runs COSMO) {w['smd']:.2f} s   "
          f"ratio {w['smd']/w['gas']:.2f}")
    print(f"cagescreen / NWChem in water: {med(smd_wall)/w['smd']:.2f}")
PY
