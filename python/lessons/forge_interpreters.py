"""The Interpreter Forge: the Astra Forge's two production upgrades, on 3.14.

The first upgrade streams each weapon back the instant it is forged; the
second swaps the ProcessPoolExecutor for a pool of interpreters to "cut the
memory footprint by 80%". The four weapons are forged on a ProcessPoolExecutor
started with fork, on one started with forkserver (Linux's default from 3.14),
each streaming through a multiprocessing.Queue, and on an InterpreterPoolExecutor
streaming through a concurrent.interpreters Queue. Each pool's wall time and PSS
per worker are measured in the same run. On 3.13 the interpreter pool is the
interpreters-pep-734 backport and results come back as futures complete; before
3.13 the lesson forges on the subinterpreter API the Python has and says what
needs 3.14.

Document: true-parallelism-day14 §9 The Forge: The Multi-Core Astra Forge
Demonstrates: the four weapons on fork, forkserver and interpreter pools, streamed back by queues: wall time and PSS per worker of each.
Requires: 3.8
Start methods: no
"""

import ast
import multiprocessing
import multiprocessing.forkserver
import os
import statistics
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor, as_completed

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _lab
from gil_lab.lessons_support import forge

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


def forge_on_process_pool(method, workers, rounds):
    """The four weapons on a ProcessPoolExecutor started with METHOD, streamed back through a
    multiprocessing.Queue. Returns (arrivals, wall seconds, [PSS MB per worker], forkserver PSS MB or None)."""
    ctx = multiprocessing.get_context(method)
    queue = ctx.Queue()
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx,
                             initializer=forge.open_forge, initargs=(queue,)) as executor:
        futures = [executor.submit(forge.forge_and_announce, w, rounds) for w in forge.WEAPONS]
        arrivals = [queue.get(timeout=120) + (time.perf_counter() - start,) for _ in forge.WEAPONS]
        for f in futures:
            f.result()
        wall = time.perf_counter() - start
        pss = [_lab.memory_mb(pid).get("Pss", 0.0) for pid in list(executor._processes)]
        server = None
        if method == "forkserver":  # the server process itself: one per parent, not per worker
            pid = getattr(getattr(multiprocessing.forkserver, "_forkserver", None), "_forkserver_pid", None)
            server = _lab.memory_mb(pid).get("Pss") if pid else None
    queue.close()
    queue.join_thread()
    return arrivals, wall, pss, server


def forge_on_interpreter_pool_streamed(workers, rounds):
    """The four weapons on an InterpreterPoolExecutor, streamed back through an interpreters
    Queue (3.14) or, without one, as each future completes. Returns (arrivals, wall seconds,
    [PSS MB per worker], how results came back)."""
    streamed = _lab.interpreters.pool_queue_reason() is None
    queue = _lab.interpreters.Queue() if streamed else None
    before = _lab.memory_mb().get("Pss", 0.0)
    start = time.perf_counter()
    with _lab.interpreters.pool_executor(
            workers, initializer=forge.open_forge if streamed else None,
            initargs=(queue.handle(),) if streamed else ()) as executor:
        if streamed:
            futures = [executor.submit(forge.forge_and_announce, w, rounds) for w in forge.WEAPONS]
            arrivals = [tuple(queue.get(timeout=120)) + (time.perf_counter() - start,) for _ in forge.WEAPONS]
            for f in futures:
                f.result()
        else:
            futures = [executor.submit(forge.forge_divine_weapon, w, rounds) for w in forge.WEAPONS]
            arrivals = [f.result() + (time.time(), time.perf_counter() - start) for f in as_completed(futures)]
        wall = time.perf_counter() - start
        started = len(getattr(executor, "_threads", ())) or workers
        per_worker = (_lab.memory_mb().get("Pss", 0.0) - before) / started
    if queue is not None:
        queue.close()
    how = "a concurrent.interpreters Queue" if streamed else "futures as they complete"
    return arrivals, wall, [per_worker] * started, how


def show_arrivals(arrivals):
    for weapon, pid, power, _, at in arrivals:
        print(f"    +{at:5.2f}s  {weapon:<14} from PID {pid}  (power {float(power):.3e})")


def main():
    args = _lab.parse_args(__doc__)
    _lab.intro(__doc__)
    rounds = 1_000_000 if args.quick else 10_000_000
    workers = min(len(forge.WEAPONS), max(2, _lab.cpu_count()))
    python = f"Python {sys.version.split()[0]}"
    print(f"Each weapon: sum(i * i for i in range({rounds:_})); {workers} workers per pool; "
          f"{_lab.cpu_count()} usable CPUs; {python}\n")
    rows = []

    # Process pools first: a fork while this process runs threads or subinterpreters is unsafe.
    for method in [m for m in ("fork", "forkserver") if m in multiprocessing.get_all_start_methods()]:
        arrivals, wall, pss, server = forge_on_process_pool(method, workers, rounds)
        print(f"ProcessPoolExecutor ({method}), results streamed through a multiprocessing.Queue:")
        show_arrivals(arrivals)
        extra = f" (+ the forkserver process itself: {server:.1f} MB)" if server is not None else ""
        print(f"    wall {wall:.2f} s, starting the workers included; PSS per worker "
              f"{statistics.median(pss):.1f} MB{extra}\n")
        rows.append((f"ProcessPoolExecutor ({method})", wall, statistics.median(pss), "multiprocessing.Queue"))

    pool_name, _ = _lab.interpreters.pool()
    if pool_name is None:
        print(f"InterpreterPoolExecutor: not on {python}; {_lab.interpreters.pool_reason()}.")
        api = _lab.interpreters.label() if _lab.interpreters.module_name() else None
        if api is not None:
            print(f"Falling back to the subinterpreter API this Python has: {api}, one interpreter per weapon, "
                  "each in its own thread.")
            with _lab.stopwatch() as forge_time:
                arsenal = forge_on_subinterpreters(list(forge.WEAPONS), rounds)
            for weapon, pid, power in sorted(arsenal, key=lambda row: forge.WEAPONS.index(row[0])):
                print(f"    {weapon:<14} forged in PID {pid}  (power {power:.3e})")
            print(f"    wall {forge_time.seconds:.2f} s; own GIL per interpreter: "
                  f"{'yes' if _lab.interpreters.has_own_gil() else 'no, they share one (before 3.12)'}\n")
    else:
        if _lab.interpreters.pool_queue_reason() is not None:
            print(f"Streaming through an interpreters Queue: not here ({_lab.interpreters.pool_queue_reason()}).")
        arrivals, wall, pss, how = forge_on_interpreter_pool_streamed(workers, rounds)
        print(f"{pool_name}, results streamed through {how}:")
        show_arrivals(arrivals)
        print(f"    wall {wall:.2f} s, starting the interpreters included; PSS per worker "
              f"{pss[0]:.1f} MB (growth of this process / {len(pss)} workers)\n")
        rows.append(("InterpreterPoolExecutor", wall, pss[0], how))

    print(f"{'pool':<34} {'wall':>7} {'PSS/worker':>11}  streamed through   ({python})")
    for name, wall, pss, how in rows:
        print(f"{name:<34} {wall:>6.2f}s {pss:>8.1f} MB  {how}")

    by_name = {name: (wall, pss) for name, wall, pss, _ in rows}
    interp = by_name.get("InterpreterPoolExecutor")
    server = by_name.get("ProcessPoolExecutor (forkserver)")
    if interp and server:
        cut = 1 - interp[1] / server[1] if server[1] else 0.0
        verdict = (f"an interpreter-pool worker held {interp[1]:.1f} MB of PSS against {server[1]:.1f} MB per "
                   f"forkserver worker, {100 * cut:.0f} % less (the document promises 80 %), and forged the four "
                   f"weapons in {interp[0]:.2f} s against {server[0]:.2f} s")
        fork = by_name.get("ProcessPoolExecutor (fork)")
        if fork:
            verdict += (f"; fork workers share the parent's pages copy-on-write, so each showed {fork[1]:.1f} MB "
                        f"of PSS and took {fork[0]:.2f} s")
    else:
        verdict = ("the process pools ran; the interpreter pool and its interpreters Queue need Python 3.14 "
                   f"({_lab.interpreters.pool_reason() or _lab.interpreters.pool_queue_reason()})")
    _lab.conclusion(f"on {python}, {verdict}; each weapon arrived the moment it was forged, not when the batch "
                    "was done.")


if __name__ == "__main__":
    main()
