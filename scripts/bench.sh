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

# Native rows against each other, as ratios of speedups from the same run: a row
# that pays a hand-off per chunk must not lose to its reference once chunks are ~1 ms.
# ratio FILE A B: A's speedup / B's speedup.
ratio() { python3 -c "
import json; r={x['strategy']:x for x in json.load(open('$1'))['results']}
print(round(r['$2']['speedup'] / r['$3']['speedup'], 3))"; }
figure "threading: rust-threads-detached / rust-threads speedup" "$(ratio "$T/t.json" rust-threads-detached rust-threads)" ">=" 0.95
figure "threading: crossbeam-pipeline / rayon speedup" "$(ratio "$T/t.json" crossbeam-pipeline rayon)" ">=" 0.9
# Against the ideal (one task per worker): holds on idle cores, so the busy CPUs measured as the run began are named.
read -r workers busy < <(python3 -c "
import json; d=json.load(open('$T/t.json')); print(d['settings']['workers'], d['machine']['busy_cpus'] or 0)")
for s in rust-threads rayon crossbeam-pipeline rust-threads-detached; do
  figure "threading: $s / ideal ${workers}× ($busy CPUs busy)" "$(python3 -c "print(round($(field "$T/t.json" $s speedup) / $workers, 3))")" ">=" 0.9
done
# Orderings that are measurements, not facts: Rust against Python, and how far
# a pool's workers overlap their chunks against threads that share one GIL.
figure "threading: rayon vs py-sequential (fastest runs)" "$(field "$T/t.json" rayon vs_python_sequential)" ">" 1 ×
figure "threading: py-process-pool − py-threads overlap (workers)" "$(python3 -c "print(round($(field "$T/t.json" py-process-pool overlap) - $(field "$T/t.json" py-threads overlap), 3))")" ">" 0
t0=$(elapsed); $GL sweep chunk --quick >"$T/chunk.txt" 2>&1; t1=$(elapsed)
figure "sweep chunk --quick: total time (s)" "$(python3 -c "print(round($t1-$t0,1))")" "<=" 10 s

$GL compare io --json "$T/io.json" >/dev/null 2>&1
figure "io: py-threads speedup over sequential (5 waits)" "$(field "$T/io.json" py-threads speedup)" ">=" 3 ×
figure "io: rust-threads speedup over sequential (5 waits)" "$(field "$T/io.json" rust-threads speedup)" ">=" 3 ×

# Embedding overhead: the same sequential Python work, embedded (without the probe)
# vs plain python3, alternated; per round the fastest of 3 runs, then the median ratio.
read -r size tasks chunk < <(python3 -c "
import json; d=json.load(open('$T/t.json'))['workload']; print(d['size'], d['tasks'], d['chunk'])")
for round in 1 2 3 4 5 6; do
  $GL compare threading --strategies py-sequential --runs 3 --no-probe --json "$T/e$round.json" >/dev/null 2>&1
  e=$(python3 -c "import json; print(json.load(open('$T/e$round.json'))['results'][0]['wall_s']['min'])")
  p=$(python3 scripts/plain_sequential.py sum_squares "$size" "$tasks" "$chunk" 3 | sort -g | head -1)
  echo "$e $p" >>"$T/embedding.txt"
done
ratio=$(python3 -c "
import statistics as s
print(round(s.median(float(e)/float(p) for e, p in (l.split() for l in open('$T/embedding.txt'))), 3))")
figure "embedded py-sequential / plain python3 (ratio)" "$ratio" ">=" 0.97
figure "embedded py-sequential / plain python3 (ratio)" "$ratio" "<=" 1.03

# The GIL contention probe's own cost: py-sequential with and without it, alternated;
# per round the fastest of 3 runs, then the median ratio.
# Which goes first alternates, so neither gets the warmer machine every round.
for round in 1 2 3 4 5 6; do
  for probe in $([ $((round % 2)) = 1 ] && echo "1 0" || echo "0 1"); do
    if [ "$probe" = 1 ]; then
      $GL compare threading --strategies py-sequential --runs 3 --json "$T/p1-$round.json" >/dev/null 2>&1
    else
      $GL compare threading --strategies py-sequential --runs 3 --no-probe --json "$T/p0-$round.json" >/dev/null 2>&1
    fi
  done
  python3 -c "import json; m=lambda f: json.load(open(f))['results'][0]['wall_s']['min']; print(m('$T/p1-$round.json') / m('$T/p0-$round.json'))" >>"$T/probe.txt"
done
overhead=$(python3 -c "
import statistics as s
print(round((s.median(float(x) for x in open('$T/probe.txt')) - 1) * 100, 2))")
figure "GIL probe overhead on py-sequential (1 ms interval, %)" "$overhead" "<=" 1 %
figure "threading: py-threads gil_contention" "$(field "$T/t.json" py-threads gil_contention)" ">=" 0.5
figure "threading: py-process-pool gil_contention" "$(field "$T/t.json" py-process-pool gil_contention)" "<=" 0.2

# Watching costs nothing: live's py-sequential rate with and without a page
# connected (curl reading /events), alternated; the median ratio over 4 rounds.
watched() {  # watched OUT.json: a live run served, with a reader on its stream
  $GL live threading --duration 2 --no-probe --serve 127.0.0.1:0 --exit-when-done --json "$1" >/dev/null 2>"$T/serve.err" &
  local gl=$! url=""
  for _ in $(seq 1 100); do url=$(grep -ohE 'http://127\.0\.0\.1:[0-9]+' "$T/serve.err" | head -1); [ -n "$url" ] && break; sleep 0.1; done
  [ -n "$url" ] && curl -sN "$url/events" >/dev/null 2>&1 &
  local reader=$!
  wait $gl; kill $reader 2>/dev/null; wait $reader 2>/dev/null
}
live_rate() { python3 -c "
import json; g={x['id']:x for x in json.load(open('$1'))['groups']}; print(g['py-sequential']['rate']['median'])"; }
for round in 1 2 3 4; do
  for served in $([ $((round % 2)) = 1 ] && echo "1 0" || echo "0 1"); do
    if [ "$served" = 1 ]; then watched "$T/w1-$round.json"
    else $GL live threading --duration 2 --no-probe --json "$T/w0-$round.json" >/dev/null 2>&1; fi
  done
  echo "$(live_rate "$T/w1-$round.json") $(live_rate "$T/w0-$round.json")" >>"$T/watched.txt"
done
watch_cost=$(python3 -c "
import statistics as s
print(round((1 - s.median(float(a)/float(b) for a, b in (l.split() for l in open('$T/watched.txt')))) * 100, 2))")
figure "live rate with and without a connected page (cost, %)" "$watch_cost" "<=" 2 %
# live under the GIL: a pool's workers progress faster than threads that share
# one GIL; the median over the four runs above without a page.
figure "live threading: py-process-pool / py-threads rate (×)" "$(python3 -c "
import json, statistics
def ratio(f):
    g = {x['id']: x for x in json.load(open(f))['groups']}
    return g['py-process-pool']['rate']['median'] / g['py-threads']['rate']['median']
print(round(statistics.median(ratio('$T/w0-%d.json' % i) for i in range(1, 5)), 3))")" ">" 1 ×

# Other interpreters (scripts/install-pythons.sh): 3.13 and 3.13t, harness rows and embedded hosts.
PY=${GIL_LAB_PYTHONS:-$HOME/.cache/gil-lab/pythons}
# vfield FILE STRATEGY KEY VERSION_SUFFIX GIL_DISABLED: a row of the interpreter whose version ends so.
vfield() { python3 -c "
import json; d=json.load(open('$1'))
r=[x for x in d['results'] if x['strategy']=='$2' and x['interpreter'] and x['interpreter']['version'].endswith('$4') and str(x['interpreter']['gil_disabled'])=='$5']
print(round(r[0]['$3'], 3) if r and r[0]['$3'] is not None else 'n/a')"; }
if [ -x "$PY/3.13/bin/python3" ] && [ -x "$PY/3.13t/bin/python3" ]; then
  $GL compare threading --python 3.13 --python 3.13t --json "$T/v.json" >"$T/v.txt" 2>&1 || cat "$T/v.txt"
  v13=$("$PY/3.13/bin/python3" -c 'import platform; print(platform.python_version())')
  figure "3.13 (harness): py-threads speedup (GIL)" "$(vfield "$T/v.json" py-threads speedup "$v13" False)" "<=" 1.25 ×
  figure "3.13 (harness): py-interpreter-pool speedup" "$(vfield "$T/v.json" py-interpreter-pool speedup "$v13" False)" ">=" 1.6 ×
  figure "3.13t (harness): py-threads speedup (no GIL)" "$(vfield "$T/v.json" py-threads speedup "${v13}t" True)" ">=" 1.6 ×
  grep "^free-threading" "$T/v.txt" || true
  for v in 3.13 3.13t; do
    PYO3_PYTHON="$PY/$v/bin/python3" cargo build --release -q --target-dir "target/py$v" || exit 1
  done
  target/py3.13/release/gil-lab compare threading --strategies py-subinterpreters --json "$T/e13.json" >/dev/null 2>&1
  figure "embedded 3.13: py-subinterpreters speedup (own GIL)" "$(field "$T/e13.json" py-subinterpreters speedup)" ">=" 1.6 ×
  target/py3.13t/release/gil-lab compare threading --strategies rust-threads-attached --json "$T/e13t.json" >/dev/null 2>&1
  figure "embedded 3.13t: rust-threads-attached speedup" "$(field "$T/e13t.json" rust-threads-attached speedup)" ">=" 1.6 ×
else
  echo "(3.13 / 3.13t not installed: scripts/install-pythons.sh adds their figures)"
fi

# 3.14 and 3.15 (Debian sid's binaries, scripts/install-pythons.sh): harness rows.
if [ -x "$PY/3.14/bin/python3" ] && [ -x "$PY/3.15/bin/python3" ]; then
  $GL compare threading --python 3.14 --python 3.15 --json "$T/m.json" >"$T/m.txt" 2>&1 || cat "$T/m.txt"
  v14=$("$PY/3.14/bin/python3" -c 'import platform; print(platform.python_version())')
  v15=$("$PY/3.15/bin/python3" -c 'import platform; print(platform.python_version())')
  figure "3.14 (harness): py-interpreter-pool speedup" "$(vfield "$T/m.json" py-interpreter-pool speedup "$v14" False)" ">=" 1.6 ×
  figure "3.14 (harness): py-subinterpreters speedup" "$(vfield "$T/m.json" py-subinterpreters speedup "$v14" False)" ">=" 1.6 ×
  figure "3.14 (harness): py-threads speedup (GIL)" "$(vfield "$T/m.json" py-threads speedup "$v14" False)" "<=" 1.25 ×
  figure "3.15 (harness): py-threads speedup (GIL)" "$(vfield "$T/m.json" py-threads speedup "$v15" False)" "<=" 1.25 ×
  tachyon=$(python3 -c "
import json; d=json.load(open('$T/m.json'))
r=[x for x in d['results'] if x['strategy']=='py-threads' and x['interpreter'] and x['interpreter']['version']=='$v15']
t=r[0].get('tachyon') if r else None
print(round(t['max_abs_wait_difference'], 3) if t else 'n/a')")
  figure "3.15: |Tachyon − gil-lab| per-worker GIL wait (largest)" "$tachyon" "<=" 0.15
  $GL sweep memory --quick --python 3.14 --json "$T/mem14.json" >/dev/null 2>&1
  python3 -c "
import json; d=json.load(open('$T/mem14.json'))
for p in d.get('interpreter_pool_vs_forkserver', []):
    print('3.14 interpreter-pool / forkserver PSS per worker, preload %3d MB: %6d kB / %6d kB = %.2f (no goal: measured)' % (p['preload_mb'], p['interpreter_pool_pss_kb'], p['forkserver_pss_kb'], p['interpreter_pool_over_forkserver']))"
else
  echo "(3.14 / 3.15 not installed: scripts/install-pythons.sh adds their figures)"
fi

# Your own code and work that releases the GIL (compare FILE.py:FUNCTION, hashing).
$GL compare hashing --json "$T/hash.json" >/dev/null 2>&1
figure "compare hashing: py-threads speedup (0.85 of ideal on 2 CPUs)" "$(field "$T/hash.json" py-threads speedup)" ">=" 1.7 ×
cat >"$T/proof.py" <<'PY'
def proof(i):
    return sum(j * j for j in range(4_000_000))


def identity(buffer):
    return len(buffer)
PY
(cd "$T" && $GL compare proof.py:proof --tasks 2 --json "$T/user.json" >/dev/null 2>&1)
figure "your GIL proof: py-threads speedup" "$(field "$T/user.json" py-threads speedup)" "<=" 1.25 ×
figure "your GIL proof: py-process-pool speedup" "$(field "$T/user.json" py-process-pool speedup)" ">=" 1.5 ×
# The harness costs nothing: py-sequential per task against a plain loop calling the function.
plain=$(cd "$T" && python3 -c "
import time, proof
proof.proof(0)
best = min((lambda t: (proof.proof(0), proof.proof(1), time.perf_counter() - t)[2])(time.perf_counter()) for _ in range(5))
print(best / 2)")
harness=$(python3 -c "
import json; d=json.load(open('$T/user.json')); r=[x for x in d['results'] if x['strategy']=='py-sequential'][0]
print(r['wall_s']['min'] / 2)")
figure "your function: py-sequential per task / a plain loop's" "$(python3 -c "print(round($harness/$plain, 3))")" ">=" 0.97
figure "your function: py-sequential per task / a plain loop's" "$(python3 -c "print(round($harness/$plain, 3))")" "<=" 1.03
# The pickling a pool pays for a 16 MB argument, as reported, against plain pickle.dumps + loads.
cat >>"$T/proof.py" <<'PY'


def buffers():
    return [bytes(16 << 20), bytes(16 << 20)]
PY
(cd "$T" && $GL compare proof.py:identity --inputs proof.py:buffers --strategies py-process-pool --json "$T/pickle.json" >/dev/null 2>&1)
reported=$(python3 -c "
import json; d=json.load(open('$T/pickle.json')); r=[x for x in d['results'] if x['strategy']=='py-process-pool'][0]
print(r['costs']['pickle_s_per_task'])")
plain_pickle=$(python3 -c "
import pickle, time
b = bytes(16 << 20)
def once():
    t = time.perf_counter(); pickle.loads(pickle.dumps(b)); return time.perf_counter() - t
print(min(once() for _ in range(5)))")
figure "pickling 16 MB: reported / plain dumps+loads" "$(python3 -c "print(round($reported/$plain_pickle, 3))")" ">=" 0.8
figure "pickling 16 MB: reported / plain dumps+loads" "$(python3 -c "print(round($reported/$plain_pickle, 3))")" "<=" 1.2
# diagnose: what sampling from outside costs the program. The GIL proof's wall
# time plain and under `diagnose` at the default rate, interleaved, median of 3.
EXE=$($GL info --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["executable"])')
read -r plain diagnosed rate < <(python3 - "$GL" "$EXE" python/lessons/gil_proof.py "$T" <<'PY'
import json, statistics, subprocess, sys, time
gl, exe, lesson, tmp = sys.argv[1:]
plain, diagnosed, rate = [], [], 0
for i in range(3):
    t = time.perf_counter()
    subprocess.run([exe, lesson], stdout=subprocess.DEVNULL, check=True)
    plain.append(time.perf_counter() - t)
    out = "%s/diag%d.json" % (tmp, i)
    subprocess.run([gl, "diagnose", lesson, "--json", out], stdout=subprocess.DEVNULL, check=True)
    d = json.load(open(out))
    diagnosed.append(d["wall_s"]); rate = d["instrument"]["sampling_rate_hz"]
    share = d["instrument"]["sampler_cpu_s"] / d["wall_s"] * 100
    print("  run %d: plain %.2f s, diagnosed %.2f s, sampler %.1f %% of one CPU" % (i + 1, plain[-1], d["wall_s"], share), file=sys.stderr)
print(round(statistics.median(plain), 3), round(statistics.median(diagnosed), 3), rate)
PY
)
echo "diagnose on the GIL proof: plain ${plain} s, diagnosed ${diagnosed} s (median of 3, sampling at ${rate} Hz)"
figure "diagnose: GIL proof wall time overhead at ${rate} Hz (%)" "$(python3 -c "print(round(($diagnosed/$plain-1)*100, 1))")" "<=" 3 %

# Ending on time: from a signal to the last process gone, and runs cut by --timeout.
latency() { python3 scripts/signal_latency.py "$@" 2>>"$T/latency.err"; }
figure "SIGINT to compare processes (forkserver): ended in (s)" "$(latency INT 2.5 130 -- $GL compare processes --start-method forkserver --runs 50)" "<=" 2 s
figure "SIGTERM to compare processes (spawn): ended in (s)" "$(latency TERM 2.5 143 -- $GL compare processes --start-method spawn --runs 50)" "<=" 1 s
figure "SIGINT to live threading, pool running: ended in (s)" "$(latency INT 0.5 130 --children 2 -- $GL live threading --duration 4)" "<=" 2 s
figure "SIGINT to verify --claim 4: ended in (s)" "$(latency INT 1.2 130 -- $GL verify --claim 4)" "<=" 1 s
cat >"$T/pool_forever.py" <<'PY'
import multiprocessing as mp
def spin(_):
    while True: pass
if __name__ == '__main__':
    with mp.get_context('forkserver').Pool(2) as p: p.map(spin, range(4))
PY
figure "SIGINT to run, a forkserver pool spinning: ended in (s)" "$(latency INT 2.5 130 -- $GL run "$T/pool_forever.py")" "<=" 1 s
cat "$T/latency.err" 2>/dev/null
cat >"$T/forever.py" <<'PY'
import multiprocessing as mp, time
def sleeper():
    time.sleep(60)
if __name__ == '__main__':
    p = mp.Process(target=sleeper); p.start()
    while True: time.sleep(0.1)
PY
t0=$(elapsed); $GL run --timeout 2 "$T/forever.py" >/dev/null 2>&1; t1=$(elapsed)
figure "run --timeout 2, a script that never ends: total (s)" "$(python3 -c "print(round($t1-$t0,1))")" "<=" 10 s
# timed NAME GOAL ARGS...: `compare ARGS --timeout 1`, its total time against GOAL.
timed() {
  local name=$1 goal=$2; shift 2
  t0=$(elapsed); $GL compare "$@" --timeout 1 >/dev/null 2>&1; t1=$(elapsed)
  figure "compare --timeout 1, $name (s)" "$(python3 -c "print(round($t1-$t0,1))")" "<=" "$goal" s
}
timed "Python rows of 20M" 40 threading --size 20000000 --runs 2 --strategies py-threads,py-process-pool,rust-threads
timed "subinterpreters, a minute's work" 30 threading --size 400000000 --tasks 8 --runs 1 --strategies py-subinterpreters
timed "subinterpreters, 60 s waits" 30 io --size 60000 --runs 1 --strategies py-subinterpreters
for scenario in threading io; do
  size=$([ $scenario = threading ] && echo 100000000000 || echo 60000)
  timed "native $scenario, minutes' work" 40 $scenario --size $size --force --runs 1 --warmup 0 \
    --strategies rust-sequential,rust-threads,rust-threads-detached,rayon,crossbeam-pipeline
done

echo "== $passes PASS, $misses MISS"
echo "-- the threading table these figures come from:"
cat "$T/t.txt"
echo "-- what a hand-off per chunk costs (sweep chunk --quick):"
cat "$T/chunk.txt"
