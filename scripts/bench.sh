#!/usr/bin/env bash
# Checks gil-lab's published expectations on this machine, each figure with its
# goal and PASS/MISS. Timing claims live here, not in the test suite.
#   scripts/bench.sh            # builds the release binary first
set -uo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q || exit 1
GL=target/release/gil-lab
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
passes=0; misses=0

# figure NAME VALUE OP GOAL UNIT: prints one line and counts it.
figure() {
  local name=$1 value=$2 op=$3 goal=$4 unit=${5:-}
  if python3 -c "import sys; v=float('$value'); g=float('$goal'); sys.exit(0 if (v $op g) else 1)" 2>/dev/null; then
    verdict=PASS; passes=$((passes+1))
  else
    verdict=MISS; misses=$((misses+1))
  fi
  printf '%-58s %10s%-3s goal %s %s%s  %s\n' "$name" "$value" "$unit" "$op" "$goal" "$unit" "$verdict"
}

# field FILE STRATEGY KEY
field() { python3 -c "
import json,sys; d=json.load(open('$1')); r={x['strategy']:x for x in d['results']}
v=r['$2']; k='$3'
print(round(v[k]['median'] if k=='wall_s' else v[k], 3))"; }

elapsed() { python3 -c "import time; print(time.monotonic())"; }

echo "== gil-lab bench on $(nproc) CPUs, $($GL info --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print("CPython", d["python_version"], "GIL" if not d["gil_disabled"] else "free-threaded")')"

t0=$(elapsed); $GL info >/dev/null; t1=$(elapsed)
figure "start-up: gil-lab info (s)" "$(python3 -c "print(round($t1-$t0,3))")" "<=" 0.5 s

t0=$(elapsed); $GL compare threading --json "$T/t.json" >"$T/t.txt" 2>&1 || { cat "$T/t.txt"; exit 1; }; t1=$(elapsed)
figure "compare threading: total time (s)" "$(python3 -c "print(round($t1-$t0,1))")" "<=" 15 s
t0=$(elapsed); $GL compare threading --quick >/dev/null 2>&1; t1=$(elapsed)
figure "compare threading --quick: total time (s)" "$(python3 -c "print(round($t1-$t0,1))")" "<=" 5 s

for s in py-threads rust-threads-attached py-subinterpreters; do
  figure "threading: $s speedup (GIL)" "$(field "$T/t.json" $s speedup)" "<=" 1.25 ×
done
for s in py-process-pool rust-threads-detached rayon rust-threads; do
  figure "threading: $s speedup" "$(field "$T/t.json" $s speedup)" ">=" 1.6 ×
done

$GL compare io --json "$T/io.json" >/dev/null 2>&1
figure "io: py-threads speedup over sequential (5 waits)" "$(field "$T/io.json" py-threads speedup)" ">=" 3 ×

# Embedding overhead: the same sequential Python work, embedded vs plain python3, alternated.
read -r size tasks chunk < <(python3 -c "
import json; d=json.load(open('$T/t.json'))['workload']; print(d['size'], d['tasks'], d['chunk'])")
for round in 1 2 3; do
  $GL compare threading --strategies py-sequential --runs 5 --json "$T/e$round.json" >/dev/null 2>&1
  python3 scripts/plain_sequential.py sum_squares "$size" "$tasks" "$chunk" 5 >>"$T/plain.txt"
  field "$T/e$round.json" py-sequential wall_s >>"$T/embedded.txt"
done
ratio=$(python3 -c "
import statistics as s
e=[float(x) for x in open('$T/embedded.txt')]; p=[float(x) for x in open('$T/plain.txt')]
print(round(s.median(e)/s.median(p), 3))")
figure "embedded py-sequential / plain python3 (ratio)" "$ratio" ">=" 0.97
figure "embedded py-sequential / plain python3 (ratio)" "$ratio" "<=" 1.03

echo "== $passes PASS, $misses MISS"
echo "-- the threading table these figures come from:"
cat "$T/t.txt"
