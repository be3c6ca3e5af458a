"""IPC Cost: shipping large data through a process pool.

Isolation has a cost: a pool worker cannot see the parent's memory, so every
argument and every result is pickled, pushed through a pipe and unpickled. This
lesson sends payloads of growing size to a pool worker that sends them straight
back, for raw bytes and for a list of Python floats, and reports the round-trip
time and the throughput in MB/s. Look at the fixed cost of the smallest payload
(the price of any task) and at the MB/s of the big ones.

Document: multiprocessing-module §Suggested Extensions 1
Demonstrates: every task's data is pickled and copied through a pipe; round trips cost a fixed overhead plus size / (MB/s).
Requires: 3.8
Start methods: yes
"""

import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _lab


def echo(payload):
    """The worker does no work at all: the whole time is IPC."""
    return payload


def make_payload(kind, nbytes):
    if kind == "bytes":
        return os.urandom(1024) * (nbytes // 1024)
    return [float(i) for i in range(nbytes // 9)]  # a pickled float is 9 bytes


def round_trip(executor, payload, repeats):
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        executor.submit(echo, payload).result()
        best = min(best, time.perf_counter() - t0)
    return best


def main():
    args = _lab.parse_args(__doc__, start_methods=True)
    ctx = _lab.context(args.start_method)
    _lab.intro(__doc__, ctx)
    KB, MB = 1024, 1024 * 1024
    if args.quick:
        sizes = [1 * KB, 64 * KB, 1 * MB, 4 * MB]
    else:
        sizes = [1 * KB, 100 * KB, 1 * MB, 10 * MB, 50 * MB]

    results = {}
    with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as executor:
        executor.submit(echo, b"warm-up").result()  # the worker is started and warm
        print(f"{'payload':<14} {'size':>9} {'round trip':>11} {'MB/s (both ways)':>17}")
        for kind in ("bytes", "float list"):
            for size in sizes:
                if kind == "float list" and size > 10 * MB:
                    continue  # building huge lists only slows the lesson down
                payload = make_payload(kind, size)
                seconds = round_trip(executor, payload, repeats=3 if size <= MB else 1)
                rate = 2 * size / MB / seconds
                results[(kind, size)] = (seconds, rate)
                label = f"{size // KB} KB" if size < MB else f"{size // MB} MB"
                print(f"{kind:<14} {label:>9} {_lab.ms(seconds):>11} {rate:>15.0f}")

    small = results[("bytes", sizes[0])][0]
    big_size = sizes[-1]
    big_seconds, big_rate = results[("bytes", big_size)]
    list_size = max(s for (k, s) in results if k == "float list")
    list_rate = results[("float list", list_size)][1]
    per_gb = 2 * 1024 / big_rate  # 1 GB there + 1 GB back
    if list_rate < big_rate:
        lists = f"a list of floats at only {list_rate:.0f} MB/s because every object must be pickled"
    else:
        lists = f"a list of floats at {list_rate:.0f} MB/s"
    _lab.conclusion(
        f"even a 1 KB task costs {_lab.ms(small)} of round trip; raw bytes travel at about "
        f"{big_rate:.0f} MB/s ({big_size // MB} MB there and back in {_lab.ms(big_seconds)}), {lists}; "
        f"a 1 GB round trip would take about {per_gb:.1f} s before any work is done."
    )


if __name__ == "__main__":
    main()
