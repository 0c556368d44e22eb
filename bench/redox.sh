#!/usr/bin/env bash
# What the redox descriptors cost: o-carborane B3LYP/def2-SVP in water (SMD), vertical, against one
# neutral single point, in one run on this machine (2 threads, cagescreen's defaults):
#   neutral   `cagescreen run o-carborane --solvent water` (gas phase, then solvated: what a
#             campaign job or a user runs)
#   redox     `cagescreen redox ... --no-gas-phase`: neutral, cation, anion straight into the
#             solvent, the ions from the neutral's orbitals and stability-followed (as campaigns
#             need the potentials)
#   redox+gas `cagescreen redox ...` with the gas-phase SCFs as well (gas-phase IP and EA too)
# Target: redox within 4x the neutral single point. With NWChem installed (scripts/setup --peers),
# NWChem 7.0.2's three states in SMD water (2 MPI ranks, its own symmetry and defaults, `odft mult 2`
# for the ions) once, for scale. Do not run anything else meanwhile.
#   bench/redox.sh [REPEATS]      (default 3; medians)
set -euo pipefail
cd "$(dirname "$0")/.."
repeats=${1:-3}
exe=build/workflows/cagescreen
[ -x "$exe" ] || scripts/setup
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
geom=data/geometries/o-carborane.xyz
now() { date +%s.%N; }
level=(--method b3lyp --basis def2-svp --threads 2 --solvent water)

for i in $(seq "$repeats"); do
  t0=$(now)
  "$exe" run "$geom" "${level[@]}" --quiet > /dev/null 2>&1
  t1=$(now)
  "$exe" redox "$geom" "${level[@]}" --no-gas-phase --json "$work/redox$i.json" > /dev/null 2> "$work/redox$i.log"
  t2=$(now)
  "$exe" redox "$geom" "${level[@]}" --json "$work/gas$i.json" > /dev/null 2>&1
  t3=$(now)
  echo "$t0 $t1 $t2 $t3" > "$work/wall$i"
done

have_nwchem=0
if command -v nwchem > /dev/null && command -v mpirun > /dev/null; then
  have_nwchem=1
  atoms=$(awk 'NR>2 && NF>=4 {printf "  %s %s %s %s\n", $1, $2, $3, $4}' "$geom")
  for state in neutral cation anion; do
    charge=0; open=""
    [ "$state" = cation ] && charge=1 && open=$'  odft\n  mult 2'
    [ "$state" = anion ] && charge=-1 && open=$'  odft\n  mult 2'
    mkdir -p "$work/nw_$state"
    cat > "$work/nw_$state.nw" <<NW
start nw_$state
scratch_dir $work/nw_$state
permanent_dir $work/nw_$state
charge $charge
geometry units angstrom
$atoms
end
basis spherical
  * library def2-svp
end
dft
  xc b3lyp
$open
  convergence energy 1e-8
end
cosmo
  do_cosmo_smd true
  solvent water
end
task dft energy
NW
    t0=$(now)
    (cd "$work" && OMP_NUM_THREADS=1 mpirun --allow-run-as-root -np 2 nwchem "nw_$state.nw" > "nw_$state.out" 2>&1)
    t1=$(now)
    echo "$t0 $t1" > "$work/nw_${state}_wall"
  done
fi

python3 - "$work" "$repeats" "$have_nwchem" <<'PY'
import json, statistics, sys, os
work, n, nw = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
med = statistics.median
single, redox, both = [], [], []
for i in range(1, n + 1):
    t0, t1, t2, t3 = map(float, open(f"{work}/wall{i}").read().split())
    single.append(t1 - t0); redox.append(t2 - t1); both.append(t3 - t2)
r = json.load(open(f"{work}/redox1.json"))
print(f"o-carborane B3LYP/def2-SVP, SMD water, vertical, {os.cpu_count()} cores, 2 threads, median of {n}")
print(f"neutral single point (gas + solvated)      {med(single):7.2f} s")
for s in r["states"]:
    print(f"   {s['label']:8s} {s['scf_iterations']:3d} SCF iterations  {s['seconds']:6.2f} s  "
          f"stability {'stable' if s['stable'] else 'unchecked' if s['stable'] is None else 'UNSTABLE'}")
print(f"redox, solvent only (campaign)             {med(redox):7.2f} s   ratio {med(redox)/med(single):.2f}  (target <= 4)")
print(f"redox with the gas-phase SCFs              {med(both):7.2f} s   ratio {med(both)/med(single):.2f}")
p = r["potentials"]
print(f"E_ox {p['oxidation_potential_v_she']:.3f} V, E_red {p['reduction_potential_v_she']:.3f} V vs SHE")
if nw:
    w = {s: (lambda a: a[1] - a[0])(list(map(float, open(f"{work}/nw_{s}_wall").read().split())))
         for s in ("neutral", "cation", "anion")}
    tot = sum(w.values())
    print(f"NWChem three states (gas + SMD each)       {tot:7.2f} s   (neutral {w['neutral']:.1f}, cation "
          f"{w['cation']:.1f}, anion {w['anion']:.1f}); cagescreen redox+gas / NWChem {med(both)/tot:.2f}")
PY
