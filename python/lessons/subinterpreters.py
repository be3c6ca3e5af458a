"""Subinterpreters: a second Python inside the same OS process.

The document's 4.3 example creates an isolated interpreter and runs code in it;
both print the same PID because no new process is started. The document writes
`import interpreters`, but in Python 3.14 the module is `concurrent.interpreters`:
the lesson first runs the import as written and shows its error, then runs the
same code with `from concurrent import interpreters` (on 3.14+; older Pythons
get the best API they have, down to the private `_xxsubinterpreters`). Then it measures two claims: how much memory one extra
interpreter costs, and whether the subinterpreter really runs in parallel. That
needs its own GIL (3.12+, PEP 684); on 3.11 all interpreters share one GIL.

Document: true-parallelism-day14 §4.3 Subinterpreters (The 3.14 Standard)
Demonstrates: a subinterpreter runs in the same PID; it computes in parallel only if it has its own GIL (3.12+).
Requires: 3.8
Start methods: no
"""

import os
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _lab

# The Python this lesson is about (gil-lab lessons reads it); older ones run a fallback.
BEST_PYTHON = ("3.14", 'concurrent.interpreters')

# The document's code, fixed for Python 3.14:
#
#     from concurrent import interpreters
#     worker_interp = interpreters.create()
#     worker_interp.exec("""...""")
#     worker_interp.close()
#
# _lab.interpreters.Subinterpreter runs it so on 3.14+ and offers the same
# exec()/close() over the older APIs.

WORKER_CODE = """
import os
print(f"[WORKER] Forging weapons safely in parallel. PID: {os.getpid()}", flush=True)
os.write(WRITE_FD, str(os.getpid()).encode())   # report our PID back through a pipe (WRITE_FD: shared)
"""

KARMA_CODE = "sum(i * i for i in range({n}))"


def main():
    args = _lab.parse_args(__doc__)
    _lab.intro(__doc__)
    n = 1_000_000 if args.quick else 10_000_000

    print("The document's code, as written:  import interpreters")
    try:
        import interpreters  # noqa: F401  (the document's spelling)
        print("  it imported a top-level 'interpreters' module (a third-party package, not the stdlib)")
    except ImportError as exc:
        print(f"  {type(exc).__name__}: {exc}")
    api = _lab.interpreters.label() if _lab.interpreters.module_name() else None
    if api is None:
        print(f"Python {sys.version.split()[0]} ({sys.implementation.name}) has no subinterpreter API.")
        _lab.conclusion("nothing to measure here; run this lesson on CPython 3.8 or newer.")
        return
    own_gil = _lab.interpreters.has_own_gil()
    if _lab.interpreters.has_stdlib_api():
        print("The same code with Python 3.14's spelling:  from concurrent import interpreters")
    else:
        print(f"Python {sys.version.split()[0]} has no concurrent.interpreters (new in 3.14); "
              f"the same code runs on {api}")
    print(f"Subinterpreter API used: {api}")
    print(f"GIL: {'each subinterpreter has its own GIL (PEP 684, 3.12+)' if own_gil else 'shared by all interpreters of this process (before 3.12)'}")
    print()

    print(f"[MAIN] Starting in OS Process PID: {os.getpid()}")
    before = _lab.memory_mb().get("Rss", 0.0)
    # Spawn a totally isolated Python interpreter in the SAME OS process
    worker_interp = _lab.interpreters.Subinterpreter()
    after = _lab.memory_mb().get("Rss", 0.0)
    extra_mb = after - before

    r, w = os.pipe()
    try:
        # Execute logic in the isolated interpreter
        worker_interp.exec(WORKER_CODE, WRITE_FD=w)
        worker_pid = int(os.read(r, 64).decode())
    finally:
        os.close(r)
        os.close(w)
    print(f"[MAIN] the worker reported PID {worker_pid}; main PID is {os.getpid()}")
    print(f"[MAIN] creating the subinterpreter added {extra_mb:.1f} MB to this process's RSS")

    # Does it compute in parallel? Same karmic debt twice: one after the other in
    # the main interpreter, then main + subinterpreter at the same time (2 threads).
    def karmic_debt():
        exec(KARMA_CODE.format(n=n))

    with _lab.stopwatch() as seq:
        karmic_debt()
        karmic_debt()
    sub_thread = threading.Thread(target=worker_interp.exec, args=(KARMA_CODE.format(n=n),))
    with _lab.stopwatch() as par:
        sub_thread.start()
        karmic_debt()
        sub_thread.join()
    worker_interp.close()
    ratio = par.seconds / seq.seconds
    print(f"\nsum(i * i for i in range({n:_})) twice:")
    print(f"  sequential in the main interpreter:      {seq.seconds:.2f} s")
    print(f"  main + subinterpreter, two threads:      {par.seconds:.2f} s")
    print(f"  together/sequential:                     {ratio:.2f}x")

    if ratio < 0.75:
        verdict = "the two interpreters really computed at the same time (separate GILs)"
    elif own_gil:
        verdict = ("no parallel speedup this time, though each interpreter has its own GIL: "
                   f"this machine had no free core for the second one ({_lab.cpu_count()} usable CPUs, "
                   "other processes included)")
    else:
        verdict = "no parallel speedup: the interpreters took turns on one GIL"
    same_pid = "the same PID" if worker_pid == os.getpid() else "different PIDs"
    _lab.conclusion(
        f"`import interpreters` is not the module's name; with {api} main and worker ran in "
        f"{same_pid} ({os.getpid()}); the extra interpreter cost "
        f"{extra_mb:.1f} MB instead of a whole process; together/sequential = {ratio:.2f}x: {verdict}"
        + ("" if own_gil else " (Python 3.12+ gives each subinterpreter its own GIL).")
    )


if __name__ == "__main__":
    main()
