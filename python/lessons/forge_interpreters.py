"""The Interpreter Forge: the Astra Forge on subinterpreters.

The second production upgrade swaps the ProcessPoolExecutor for a pool of
interpreters to "cut the memory footprint by 80%". That pool is
concurrent.futures.InterpreterPoolExecutor, new in Python 3.14 (on 3.13 the
PyPI backport interpreters-pep-734 provides it). On an older Python the lesson
says so and forges with the subinterpreter API this Python has, one interpreter
per weapon in its own thread. Then it measures both promises: the speed (only
real with a GIL per interpreter, 3.12+) and the memory of one interpreter
compared with one fresh Python process.

Document: true-parallelism-day14 §9 The Forge: The Multi-Core Astra Forge
Demonstrates: forging on interpreters in one process: parallel only with per-interpreter GILs, and lighter than processes.
Requires: 3.8
Start methods: no
"""

import ast
import os
import subprocess
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _lab

# The Python this lesson is about (gil-lab lessons reads it); older ones run a fallback.
BEST_PYTHON = ("3.14", 'InterpreterPoolExecutor and interpreters queues in the stdlib')

# Functions defined in __main__ cannot be sent to another interpreter (it has
# its own __main__), so the forge is an expression evaluated by the builtin eval.
# It returns its result as a string: str crosses between interpreters everywhere,
# while a big int (the sum does not fit in 64 bits) does not on every version.
FORGE_EXPR = "repr(({weapon!r}, __import__('os').getpid(), sum(i * i for i in range({rounds}))))"

# For the low-level APIs: run the forge, then report through a pipe.
FORGE_SCRIPT = """
import os
result = {expr}
os.write(WRITE_FD, (result + "\\n").encode())
"""


def forge_on_interpreter_pool(executor_cls, weapons, rounds):
    exprs = [FORGE_EXPR.format(weapon=w, rounds=rounds) for w in weapons]
    with executor_cls(max_workers=min(len(weapons), max(2, _lab.cpu_count()))) as executor:
        return [ast.literal_eval(r) for r in executor.map(eval, exprs, [{}] * len(exprs))]


def forge_on_subinterpreters(weapons, rounds):
    r, w = os.pipe()
    try:
        def forge(weapon):
            script = FORGE_SCRIPT.format(expr=FORGE_EXPR.format(weapon=weapon, rounds=rounds))
            with _lab.interpreters.Subinterpreter() as interp:
                interp.exec(script.replace("WRITE_FD", str(w)))

        threads = [threading.Thread(target=forge, args=(weapon,)) for weapon in weapons]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        raw = b""
        while raw.count(b"\n") < len(weapons):
            raw += os.read(r, 65536)
    finally:
        os.close(r)
        os.close(w)
    return [ast.literal_eval(line) for line in raw.decode().splitlines()]


def fresh_process_rss_mb():
    """RSS of a brand-new Python process (what each pool worker costs at least)."""
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import _lab; "
            "print(_lab.memory_mb().get('Rss', 0.0))")
    out = subprocess.run([sys.executable, "-c", code, os.path.dirname(os.path.abspath(__file__))],
                         capture_output=True, text=True, timeout=60)
    return float(out.stdout.strip() or 0.0)


def main():
    args = _lab.parse_args(__doc__)
    _lab.intro(__doc__)
    rounds = 1_000_000 if args.quick else 10_000_000
    weapons = ["Brahmastra", "Pashupatastra", "Narayanastra", "Vajra"]

    pool_name, pool_cls = _lab.interpreters.pool()
    api = _lab.interpreters.label() if _lab.interpreters.module_name() else None
    if pool_cls is None:
        print(f"InterpreterPoolExecutor is not available on Python {sys.version.split()[0]}: "
              "it needs Python 3.14 (or 3.13 + `pip install interpreters-pep-734`).")
        if api is None:
            print("This Python has no subinterpreter API at all.")
            _lab.conclusion("nothing to forge on interpreters here; use astra-forge (processes) instead.")
            return
        print(f"Falling back to the subinterpreter API this Python has: {api}, "
              "one interpreter per weapon, each in its own thread.")
    else:
        print(f"Using {pool_name}")
    own_gil = _lab.interpreters.has_own_gil()
    print(f"Each subinterpreter has its own GIL: {'yes (3.12+)' if own_gil else 'no, they share one (before 3.12)'}\n")

    with _lab.stopwatch() as single:
        eval(FORGE_EXPR.format(weapon="test blade", rounds=rounds), {})
    print(f"One weapon forged alone in the main interpreter: {single.seconds:.2f}s")

    with _lab.stopwatch() as forge:
        if pool_cls is not None:
            arsenal = forge_on_interpreter_pool(pool_cls, weapons, rounds)
        else:
            arsenal = forge_on_subinterpreters(weapons, rounds)
    for weapon, pid, power in sorted(arsenal, key=lambda row: weapons.index(row[0])):
        print(f"  {weapon:<14} forged in PID {pid}  (power {power:.3e})")
    one_by_one = single.seconds * len(weapons)
    speedup = one_by_one / forge.seconds
    print(f"Total time elapsed for {len(weapons)} weapons, starting the interpreters included: {forge.seconds:.2f}s "
          f"(one by one would be about {one_by_one:.2f}s)\n")

    # Memory: four idle interpreters versus one fresh Python process.
    before = _lab.memory_mb().get("Rss", 0.0)
    interps = [_lab.interpreters.Subinterpreter() for _ in range(4)]
    per_interp = (_lab.memory_mb().get("Rss", 0.0) - before) / len(interps)
    for interp in interps:
        interp.close()
    per_process = fresh_process_rss_mb()
    print(f"Memory: one extra interpreter costs {per_interp:.1f} MB of RSS; "
          f"a fresh Python process has {per_process:.1f} MB RSS")

    pids = {pid for _, pid, _ in arsenal}
    same = "the main process" if pids == {os.getpid()} else f"PIDs {sorted(pids)}"
    saving = (1 - per_interp / per_process) * 100 if per_process else 0.0
    speed = (f"{speedup:.2f}x faster than one by one" if speedup >= 1.15
             else f"{speedup:.2f}x, no real speedup" + ("" if own_gil else " because the interpreters share one GIL on this Python"))
    _lab.conclusion(
        f"all {len(weapons)} weapons were forged inside {same}; {speed}; an interpreter cost "
        f"{per_interp:.1f} MB versus {per_process:.1f} MB for a bare process, {saving:.0f}% less "
        "(a real worker also loads your modules and data, which processes duplicate and interpreters "
        "must re-import too)."
    )


if __name__ == "__main__":
    main()
