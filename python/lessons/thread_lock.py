"""The Lost Updates: why threads need threading.Lock().

Threads share one heap, so they share variables, but "counter += 1" is a
read-modify-write: read the value, add one, write it back. If another thread
writes in between, one update is lost. Four warriors count the arrows of the
army. First without a lock, with a tiny pause (time.sleep(0), which releases
the GIL just like real I/O would) between read and write; then the same code
protected by a threading.Lock. Compare expected and counted totals.

Document: true-parallelism-day14 §10 FAQ: Advanced Scaling
Demonstrates: unsynchronized read-modify-write loses updates even with the GIL; threading.Lock makes it exact.
Requires: 3.8
Start methods: no
"""

import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _lab

counter = 0
lock = threading.Lock()


def count_arrows_unsafe(n):
    global counter
    for _ in range(n):
        v = counter        # read
        time.sleep(0)      # the GIL is released here; another warrior may write meanwhile
        counter = v + 1    # write back a value that may already be stale


def count_arrows_locked(n):
    global counter
    for _ in range(n):
        with lock:         # only one warrior at a time inside the read-modify-write
            v = counter
            time.sleep(0)
            counter = v + 1


def count_arrows_plain(n):
    global counter
    for _ in range(n):
        counter += 1       # no explicit pause: still read-modify-write, just a narrower window


def run(target, threads, n):
    global counter
    counter = 0
    workers = [threading.Thread(target=target, args=(n,)) for _ in range(threads)]
    with _lab.stopwatch() as t:
        for w in workers:
            w.start()
        for w in workers:
            w.join()
    return counter, t.seconds


def main():
    args = _lab.parse_args(__doc__)
    _lab.intro(__doc__)
    threads = 4
    n = 1_000 if args.quick else 5_000
    expected = threads * n
    print(f"{threads} threads x {n:,} increments = {expected:,} expected\n")

    results = {}
    for name, target in [("no lock, sleep(0) between read and write", count_arrows_unsafe),
                         ("plain counter += 1, no lock", count_arrows_plain),
                         ("threading.Lock around read-modify-write", count_arrows_locked)]:
        got, seconds = run(target, threads, n if target is not count_arrows_plain else n * 50)
        want = threads * (n if target is not count_arrows_plain else n * 50)
        lost = want - got
        results[name] = (got, want, lost, seconds)
        print(f"{name:<42} counted {got:>10,} of {want:>10,}  lost {lost:>9,} "
              f"({100 * lost / want:5.1f}%)  in {seconds:.2f} s")

    unsafe = results["no lock, sleep(0) between read and write"]
    plain = results["plain counter += 1, no lock"]
    locked = results["threading.Lock around read-modify-write"]
    plain_text = (f"the plain += version lost {plain[2]:,} of {plain[1]:,}"
                  + (" this time: the GIL only switches threads at certain bytecodes, which makes the "
                     "race rare, not impossible" if plain[2] == 0 else ""))
    _lab.conclusion(
        f"without a lock {unsafe[2]:,} of {unsafe[1]:,} updates ({100 * unsafe[2] / unsafe[1]:.0f}%) were lost; "
        f"{plain_text}; with threading.Lock the count was {'exact' if locked[2] == 0 else 'still wrong'} "
        f"({locked[0]:,}), at the price of {locked[3] / max(unsafe[3], 1e-9):.1f}x the time of the unsafe run."
    )


if __name__ == "__main__":
    main()
