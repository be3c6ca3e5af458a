"""The GIL released: the same two threads, pure Python and then hashing.

Day 14 calls hash calculation CPU-bound work for processes. But hashlib, like
zlib and numpy, releases the GIL while its C code runs over a large buffer:
two threads hashing then run side by side, while two threads doing the §5 GIL
proof's pure-Python math still take turns. Look at the two ratios
threaded/sequential: about 1.0 for the math (the GIL), about 0.5 for hashing
(the GIL released) on a machine with two free cores.

Document: true-parallelism-day14 §1 Concurrency vs Parallelism; §5 The GIL: The Ancient Vow (And The Proof)
Demonstrates: Threads take turns on pure-Python math but hash side by side: hashlib releases the GIL.
Requires: 3.8
Start methods: no
"""

import hashlib
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _lab

N = 10_000_000
BUFFER = bytes(range(256)) * (64 * 1024)  # 16 MiB
HASHES = 30


def calculate_karmic_debt():
    # Heavy CPU Bound Math (No I/O waiting): holds the GIL
    sum(i * i for i in range(N))


def calculate_hashes():
    # Hash calculation: hashlib releases the GIL for buffers over 2 KiB
    for _ in range(HASHES):
        hashlib.sha256(BUFFER).digest()


def best_of(work, rounds):
    """Best sequential and threaded time of two calls of ``work``, over ``rounds`` rounds."""
    work()  # warm-up
    sequential = threaded = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        work()
        work()
        sequential = min(sequential, time.perf_counter() - start)
        threads = [threading.Thread(target=work) for _ in range(2)]
        start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        threaded = min(threaded, time.perf_counter() - start)
    return sequential, threaded


def main():
    global N, HASHES
    args = _lab.parse_args(__doc__)
    _lab.intro(__doc__)
    if args.quick:
        N, HASHES = 2_000_000, 8
    rounds = 3
    print(f"Work 1: sum(i * i for i in range({N:_})), done twice")
    print(f"Work 2: hashlib.sha256 of a 16 MiB buffer {HASHES} times, done twice\n")
    results = {}
    for name, work in (("pure Python", calculate_karmic_debt), ("hashing", calculate_hashes)):
        seq, thr = best_of(work, rounds)
        results[name] = thr / seq
        print(f"{name:12} Sequential Time: {seq:.2f}s   Threaded Time: {thr:.2f}s   "
              f"threaded/sequential = {thr / seq:.2f}x")
    math_ratio, hash_ratio = results["pure Python"], results["hashing"]
    gil_enabled = getattr(sys, "_is_gil_enabled", lambda: True)()
    if math_ratio < 0.8 and gil_enabled:
        verdict = ("the math threads beat the GIL, which cannot be: other work on the machine changed "
                   "between the rounds (try again on an idle machine)")
    elif hash_ratio < 0.8 <= math_ratio:
        verdict = ("the math threads took turns on the GIL, the hashing threads ran side by side: "
                   "hashlib released the GIL, so threads are enough for this CPU-bound work")
    elif hash_ratio < 0.8 and math_ratio < 0.8:
        verdict = "both ran side by side: this interpreter runs without a GIL (free-threaded build)"
    else:
        verdict = ("the hashing threads did not overlap either: the machine had no second free core "
                   "(try again on an idle machine)")
    _lab.conclusion(f"math {math_ratio:.2f}x, hashing {hash_ratio:.2f}x: {verdict}.")


if __name__ == "__main__":
    main()
