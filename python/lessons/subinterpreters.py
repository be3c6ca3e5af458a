"""Subinterpreters: a second Python inside the same OS process.

The document's 4.3 example creates an isolated interpreter and runs code in it;
both print the same PID because no new process is started. The document writes
`import interpreters`, but in Python 3.14 the module is `concurrent.interpreters`;
this lesson uses the best API this Python has (down to 3.11's private
`_xxsubinterpreters`). Then it measures two claims: how much memory one extra
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

# The document's code, fixed for Python 3.14:
#
#     from concurrent import interpreters
#     worker_interp = interpreters.create()
#     worker_interp.exec("""...""")
#     worker_interp.close()
#
# _lab.Subinterpreter offers the same create()/exec()/close() on older Pythons.

WORKER_CODE = """
import os
print(f"[WORKER] Forging weapons safely in parallel. PID: {os.getpid()}", flush=True)
os.write(WRITE_FD, str(os.getpid()).encode())   # report our PID back through a pipe
"""

KARMA_CODE = "sum(i * i for i in range({n}))"


def main():
    args = _lab.parse_args(__doc__)
    _lab.intro(__doc__)
    n = 1_000_000 if args.quick else 10_000_000

    api, _ = _lab.subinterpreter_api()
    if api is None:
        print(f"Python {sys.version.split()[0]} ({sys.implementation.name}) has no subinterpreter API.")
        _lab.conclusion("nothing to measure here; run this lesson on CPython 3.8 or newer.")
        return
    own_gil = _lab.subinterpreters_have_own_gil()
    print(f"Subinterpreter API used: {api}")
    print(f"GIL: {'each subinterpreter has its own GIL (PEP 684, 3.12+)' if own_gil else 'shared by all interpreters of this process (before 3.12)'}")
    if api.startswith("interpreters_backport"):
        print("(the PyPI backport of Python 3.14's concurrent.interpreters)")
    elif api != "concurrent.interpreters":
        print("Python 3.14 adds the public concurrent.interpreters module "
              "(3.13: pip install interpreters-pep-734).")
    print()

    print(f"[MAIN] Starting in OS Process PID: {os.getpid()}")
    before = _lab.memory_mb().get("Rss", 0.0)
    # Spawn a totally isolated Python interpreter in the SAME OS process
    worker_interp = _lab.Subinterpreter()
    after = _lab.memory_mb().get("Rss", 0.0)
    extra_mb = after - before

    r, w = os.pipe()
    try:
        # Execute logic in the isolated interpreter
        worker_interp.exec(WORKER_CODE.replace("WRITE_FD", str(w)))
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
    else:
        verdict = "no parallel speedup: the interpreters took turns on one GIL"
    same_pid = "the same PID" if worker_pid == os.getpid() else "different PIDs"
    _lab.conclusion(
        f"main and worker ran in {same_pid} ({os.getpid()}); the extra interpreter cost "
        f"{extra_mb:.1f} MB instead of a whole process; together/sequential = {ratio:.2f}x: {verdict}"
        + ("" if own_gil else " (Python 3.12+ gives each subinterpreter its own GIL).")
    )


if __name__ == "__main__":
    main()
