"""Isolated Kingdoms: each process has its own memory, state and GIL.

Python chose isolation over complexity: a process has its own memory space,
its own interpreter state and its own GIL. Three small experiments show it. A
child doubles the treasury (a global dict) and changes its recursion limit: the
parent sees neither change, even though under fork the dict sits at the same
virtual address in both. Then the same CPU-bound loop runs alone, in two
threads, and in two processes: only the processes finish in the time of one.

Document: multiprocessing-module §Section 1 — Why Processes, Not Threads
Demonstrates: a child process cannot change the parent's objects or interpreter state, and runs under its own GIL.
Requires: 3.8
Start methods: yes
"""

import os
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _lab

treasury = {"gold": 1000}


def rule_the_kingdom(report):
    """Child: change everything we can reach, then report what we see."""
    treasury["gold"] *= 2
    sys.setrecursionlimit(4321)
    report.put((os.getpid(), id(treasury), treasury["gold"], sys.getrecursionlimit()))


march = _lab.count_up  # a pure-Python loop that holds the GIL


def main():
    args = _lab.parse_args(__doc__, start_methods=True)
    ctx = _lab.context(args.start_method)
    _lab.intro(__doc__, ctx)

    # 1 + 2: memory and interpreter state
    report = ctx.Queue()
    child = ctx.Process(target=rule_the_kingdom, args=(report,))
    child.start()
    pid, child_id, child_gold, child_limit = report.get(timeout=60)
    child.join()
    report.close()
    report.join_thread()
    print(f"{'':<22} {'PID':>7} {'id(treasury)':>16} {'gold':>6} {'recursion limit':>16}")
    print(f"{'child after changes':<22} {pid:>7} {child_id:>16x} {child_gold:>6} {child_limit:>16}")
    print(f"{'parent afterwards':<22} {os.getpid():>7} {id(treasury):>16x} {treasury['gold']:>6} "
          f"{sys.getrecursionlimit():>16}")
    same_address = child_id == id(treasury)

    # 3: one GIL per process
    n = 2_000_000 if args.quick else 10_000_000
    with _lab.stopwatch() as alone:
        march(n)
    workers = [threading.Thread(target=march, args=(n,)) for _ in range(2)]
    with _lab.stopwatch() as threaded:
        for w in workers:
            w.start()
        for w in workers:
            w.join()
    ready = ctx.Barrier(3)
    with ctx.Pool(2, initializer=_lab.worker_ready, initargs=(ready,)) as pool:
        ready.wait(timeout=60)  # both workers are up before the clock starts
        with _lab.stopwatch() as processes:
            pool.map(march, [n, n], chunksize=1)
    print(f"\nThe same loop ({n:_} iterations): alone {alone.seconds:.2f}s, "
          f"2 threads {threaded.seconds:.2f}s, 2 processes {processes.seconds:.2f}s")

    _lab.conclusion(
        f"the child doubled its treasury to {child_gold} and set its recursion limit to {child_limit}, "
        f"the parent still has {treasury['gold']} and {sys.getrecursionlimit()}"
        + (" although id(treasury) was the same address in both (separate address spaces)" if same_address else "")
        + f"; two threads took {threaded.seconds / alone.seconds:.2f}x the time of one loop (one shared GIL), "
        f"two processes {processes.seconds / alone.seconds:.2f}x (a GIL each"
        + (", running side by side)." if processes.seconds < threaded.seconds * 0.75
           else "; they could not run side by side here: too few free cores during this run).")
    )


if __name__ == "__main__":
    main()
