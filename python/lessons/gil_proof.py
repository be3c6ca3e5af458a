"""The GIL Proof: two threads are no faster than one.

Bhishma's vow: only one warrior (thread) may execute Python bytecode at a time.
The same pure-Python calculation runs twice one after the other, then twice in
two threads. Look at the ratio threaded/sequential: about 1.0 (or above) means
the threads took turns on the GIL; about 0.5 would mean true parallelism, which
only a free-threaded build (3.13t/3.14t, PEP 703) can give.

Document: true-parallelism-day14 §5 The GIL: The Ancient Vow (And The Proof)
Demonstrates: CPU-bound Python threads do not run in parallel under the GIL: 2 threads take as long as sequential.
Requires: 3.8
Start methods: no
"""

import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _lab

N = 10_000_000


def calculate_karmic_debt():
    # Heavy CPU Bound Math (No I/O waiting)
    sum(i * i for i in range(N))


def main():
    global N
    args = _lab.parse_args(__doc__)
    _lab.intro(__doc__)
    if args.quick:
        N = 2_000_000
    gil_enabled = getattr(sys, "_is_gil_enabled", lambda: True)()
    print(f"GIL enabled in this interpreter: {gil_enabled}")
    print(f"Work: sum(i * i for i in range({N:_})), done twice\n")

    # Warm up once (CPU clock, caches), then keep the best of a few rounds so a
    # noisy neighbour does not decide the verdict.
    calculate_karmic_debt()
    rounds = 3 if args.quick else 2
    sequential = threaded = float("inf")
    for round_no in range(1, rounds + 1):
        # 1. SEQUENTIAL (One after the other)
        start = time.perf_counter()
        calculate_karmic_debt()
        calculate_karmic_debt()
        seq = time.perf_counter() - start

        # 2. THREADED (Attempting Parallelism)
        start = time.perf_counter()
        t1 = threading.Thread(target=calculate_karmic_debt)
        t2 = threading.Thread(target=calculate_karmic_debt)
        t1.start(); t2.start()
        t1.join(); t2.join()
        thr = time.perf_counter() - start

        print(f"Round {round_no}: Sequential Time: {seq:.2f}s   Threaded Time: {thr:.2f}s")
        sequential, threaded = min(sequential, seq), min(threaded, thr)
    print(f"Best:    Sequential Time: {sequential:.2f}s   Threaded Time: {threaded:.2f}s")

    ratio = threaded / sequential
    print(f"Verdict: threaded/sequential = {ratio:.2f}x")

    if ratio >= 1.05:
        verdict = (f"the threads were {100 * (ratio - 1):.0f}% SLOWER: the GIL let one thread run at a "
                   "time and switching between them cost extra")
    elif ratio > 0.8:
        verdict = "no speedup: the GIL let only one thread run Python bytecode at a time"
    elif gil_enabled:
        verdict = ("faster than the GIL should allow; the workload is too small to measure "
                   "reliably here, run without --quick")
    else:
        verdict = "the threads ran in parallel: this free-threaded interpreter holds no GIL"
    _lab.conclusion(f"threaded/sequential = {ratio:.2f}x: {verdict}.")


if __name__ == "__main__":
    main()
