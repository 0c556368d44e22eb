#!/usr/bin/env bash
# Times cagescreen against psi4 (scf_type pk and df) on o-carborane HF/def2-SVP on this machine,
# in one run, and prints the ratios, plus cagescreen's 1- versus 2-thread scaling.
# Needs psi4 (scripts/setup --peers). Do not run anything else on the machine meanwhile.
#   bench/hf_ocarborane.sh [REPEATS]      (default 3; the median is reported)
set -euo pipefail
cd "$(dirname "$0")/.."
repeats=${1:-3}
exe=build/workflows/cagescreen
[ -x "$exe" ] || scripts/setup
command -v psi4 >/dev/null || { echo "bench: psi4 not found (scripts/setup --peers)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Same nuclear positions for both programs: Angstrom -> bohr with CODATA 2018 (psi4 1.3.2 itself
# would convert with CODATA 2014).
python3 - data/geometries/o-carborane.xyz > "$work/geom" <<'PY'
import sys
lines = open(sys.argv[1]).read().split('\n')
for l in lines[2:2 + int(lines[0])]:
    s, x, y, z = l.split()[:4]
    print(f"{s} {float(x)/0.529177210903:.14f} {float(y)/0.529177210903:.14f} {float(z)/0.529177210903:.14f}")
PY
for type in pk df; do
  cat > "$work/$type.in" <<IN
memory 16 gb
molecule {
units bohr
no_reorient
no_com
0 1
$(cat "$work/geom")
}
set {
  basis def2-svp
  reference rhf
  scf_type $type
  e_convergence 1e-10
  d_convergence 1e-8
}
energy('scf')
IN
done

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# time_cmd LABEL COMMAND...: runs REPEATS times, prints the median wall time in seconds
time_cmd() {
  local label=$1; shift
  for _ in $(seq "$repeats"); do
    /usr/bin/time -f "%e" -o "$work/t" "$@" > "$work/$label.out" 2> "$work/$label.err"
    cat "$work/t"
  done | median
}

t2=$(time_cmd cs2 "$exe" run o-carborane --basis def2-svp --threads 2 --e-convergence 1e-10 --d-convergence 1e-8)
e_cs=$(awk '/FINAL SINGLE POINT ENERGY/ {print $5}' "$work/cs2.out")
it_cs=$(grep -c '^@iter  *[0-9]' "$work/cs2.err")
t1=$(time_cmd cs1 "$exe" run o-carborane --basis def2-svp --threads 1 --e-convergence 1e-10 --d-convergence 1e-8)
(cd "$work" && tpk=$(time_cmd pk psi4 -n 2 pk.in pk.log) && echo "$tpk" > tpk)
(cd "$work" && tdf=$(time_cmd df psi4 -n 2 df.in df.log) && echo "$tdf" > tdf)
tpk=$(cat "$work/tpk"); tdf=$(cat "$work/tdf")
e_pk=$(awk '/Total Energy =/ {e=$4} END {print e}' "$work/pk.log")
e_df=$(awk '/Total Energy =/ {e=$4} END {print e}' "$work/df.log")
it_pk=$(grep -c '@RHF iter  *[0-9]' "$work/pk.log" || true)

echo "o-carborane HF/def2-SVP (228 functions), e_convergence 1e-10, d_convergence 1e-8, median of $repeats"
printf '%-28s %9s s   E = %s   (%s iterations)\n' "cagescreen, 2 threads" "$t2" "$e_cs" "$it_cs"
printf '%-28s %9s s\n' "cagescreen, 1 thread" "$t1"
printf '%-28s %9s s   E = %s   (%s iterations, C2v symmetry)\n' "psi4 1.3.2 pk, 2 threads" "$tpk" "$e_pk" "$it_pk"
printf '%-28s %9s s   E = %s   (density fitted)\n' "psi4 1.3.2 df, 2 threads" "$tdf" "$e_df"
awk -v a="$tpk" -v b="$t2" 'BEGIN {printf "ratio psi4 pk / cagescreen:   %.2f\n", a/b}'
awk -v a="$tdf" -v b="$t2" 'BEGIN {printf "ratio psi4 df / cagescreen:   %.2f\n", a/b}'
awk -v a="$t1" -v b="$t2" 'BEGIN {printf "cagescreen speed-up 1 -> 2 threads: %.2f\n", a/b}'
awk -v a="$e_cs" -v b="$e_pk" 'BEGIN {printf "energy difference cagescreen - psi4 pk: %.2e Eh\n", a-b}'
