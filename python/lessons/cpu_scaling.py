"""CPU Scaling: speedup and efficiency on your machine.

A fixed amount of CPU work is split into k equal parts and run with k
processes, for k = 1 up to the number of cores. Speedup is T(1) / T(k) and
efficiency is speedup / k: 100% would be perfect linear scaling, which never
happens (the document's 8 cores giving 5.5x is 69% efficiency). From the
measured speedup the lesson also estimates the parallel fraction p of Amdahl's
law, speedup = 1 / ((1 - p) + p / k).

Document: multiprocessing-module §Suggested Extensions 5
Demonstrates: speedup and efficiency of 1..cpu_count processes on the same CPU-bound work (Amdahl's law).
Requires: 3.8
Start methods: yes
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _lab


def burn(n):
    total = 0
    for i in range(n):
        total += i * i
    return total


def main():
    args = _lab.parse_args(__doc__, start_methods=True)
    ctx = _lab.context(args.start_method)
    _lab.intro(__doc__, ctx)
    cores = _lab.cpu_count()
    total_work = 4_000_000 if args.quick else 20_000_000
    rounds = 3 if args.quick else 2  # best of a few rounds: less noise from the machine
    counts = list(range(1, cores + 1))
    print(f"Total work: {total_work:_} loop iterations, split evenly; {cores} CPU cores\n")
    print(f"{'processes':>10} {'time':>9} {'speedup':>9} {'efficiency':>11}")

    # Rounds are interleaved (1, 2, ..., 1, 2, ...) and the best time of each k
    # is kept, so a slow moment of the machine does not hit only one row.
    times = {k: float("inf") for k in counts}
    for _ in range(rounds):
        for k in counts:
            ready = ctx.Barrier(k + 1)
            with ctx.Pool(k, initializer=_lab.worker_ready, initargs=(ready,)) as pool:
                ready.wait(timeout=60)  # every worker is up: start the clock
                with _lab.stopwatch() as t:
                    pool.map(burn, [total_work // k] * k, chunksize=1)
            times[k] = min(times[k], t.seconds)
    for k in counts:
        speedup = times[1] / times[k]
        print(f"{k:>10} {times[k]:>8.2f}s {speedup:>8.2f}x {100 * speedup / k:>10.0f}%")

    k = counts[-1]
    speedup = times[1] / times[k]
    if k > 1 and speedup >= k * 0.98:
        amdahl = ("the scaling was linear within measurement noise, so Amdahl's serial part is too "
                  "small to estimate on this machine")
    elif k > 1 and speedup > 1:
        p = (1 - 1 / speedup) / (1 - 1 / k)
        amdahl = (f"Amdahl's law with p = {p:.3f} gives {1 / ((1 - p) + p / 8):.1f}x on 8 cores "
                  f"(the document says 5.5x)")
    else:
        amdahl = "one core (or no speedup): Amdahl's p cannot be estimated here"
    _lab.conclusion(
        f"{k} process(es) gave {speedup:.2f}x, {100 * speedup / k:.0f}% efficiency; {amdahl}."
    )


if __name__ == "__main__":
    main()
