"""The Headroom Rule: never give every core to the army.

Architects deploy 12-14 warriors on 16 cores so the kernel, SSH and health
checks still get CPU time. This lesson first computes the rule on this machine,
where the document's `os.cpu_count() - 2` needs a guard (2 cores - 2 = 0
workers, which a pool refuses). Then a small "health check" process that should
wake every 5 ms measures how late it wakes while a pool burns all cores, and
again while a pool leaves headroom. Compare its worst and 99th-percentile
lateness, and the price of headroom: the work takes longer.

Document: true-parallelism-day14 §2 The 100% Parallelism Myth & Production Headroom
Demonstrates: max_workers = max(1, cpu_count - 2) keeps CPU for the rest of the system; measured as health-check lateness.
Requires: 3.8
Start methods: yes
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _lab

TICK = 0.005


def burn(n):
    total = 0
    for i in range(n):
        total += i
    return total


def health_check(stop, report):
    """Wake every TICK seconds and record how late each wake-up was."""
    lateness = []
    while not stop.is_set():
        before = time.perf_counter()
        time.sleep(TICK)
        lateness.append(time.perf_counter() - before - TICK)
    report.put(lateness)


def run_with_health_check(ctx, workers, tasks, n):
    stop, report = ctx.Event(), ctx.Queue()
    checker = ctx.Process(target=health_check, args=(stop, report))
    checker.start()
    ready = ctx.Barrier(workers + 1)
    with ctx.Pool(workers, initializer=_lab.worker_ready, initargs=(ready,)) as pool:
        ready.wait(timeout=60)  # every worker is up: start the clock
        with _lab.stopwatch() as t:
            pool.map(burn, [n] * tasks, chunksize=1)
    stop.set()
    lateness = sorted(report.get(timeout=60))
    checker.join()
    report.close()
    report.join_thread()
    worst = lateness[-1] if lateness else 0.0
    p99 = lateness[int(0.99 * (len(lateness) - 1))] if lateness else 0.0
    return t.seconds, worst, p99, len(lateness)


def main():
    args = _lab.parse_args(__doc__, start_methods=True)
    ctx = _lab.context(args.start_method)
    _lab.intro(__doc__, ctx)

    logical = os.cpu_count() or 1
    usable = _lab.cpu_count()  # affinity / container limits
    naive = usable - 2
    headroom = max(1, usable - 2)
    twenty_percent = max(1, int(usable * 0.8))
    print(f"os.cpu_count() = {logical}; CPUs this process may use = {usable}")
    print(f"Document's rule os.cpu_count() - 2 = {naive}"
          + ("  <- a pool cannot have 0 workers, so guard it" if naive < 1 else ""))
    print(f"Guarded: max(1, cores - 2) = {headroom}; the 20% rule max(1, int(cores * 0.8)) = {twenty_percent}\n")

    tasks = 8
    n = 500_000 if args.quick else 3_000_000
    full = run_with_health_check(ctx, usable, tasks, n)
    spare = run_with_health_check(ctx, headroom, tasks, n)
    print(f"{'pool':<28} {'work time':>10} {'health check: worst':>20} {'p99':>9} {'wake-ups':>9}")
    for label, (seconds, worst, p99, count) in ((f"all {usable} cores", full),
                                                (f"headroom: {headroom} worker(s)", spare)):
        print(f"{label:<28} {seconds:>9.2f}s {_lab.ms(worst):>20} {_lab.ms(p99):>9} {count:>9}")

    if usable <= 1:
        verdict = "with a single core there is no headroom to leave; the rule only applies on bigger machines"
    elif spare[1] < full[1]:
        verdict = (f"leaving headroom cut the health check's worst delay from {_lab.ms(full[1])} to "
                   f"{_lab.ms(spare[1])} (p99 {_lab.ms(full[2])} -> {_lab.ms(spare[2])})")
    else:
        verdict = (f"on this machine the kernel kept the health check responsive even with every core busy "
                   f"(worst {_lab.ms(full[1])} vs {_lab.ms(spare[1])}); the rule guards against heavier loads "
                   "than this one")
    price = spare[0] / full[0]
    if price >= 1.05:
        cost = f"the price was {price:.2f}x the work time ({full[0]:.2f} s -> {spare[0]:.2f} s)"
    else:
        cost = f"the work itself was not measurably slower ({full[0]:.2f} s -> {spare[0]:.2f} s)"
    _lab.conclusion(f"{verdict}; {cost}.")


if __name__ == "__main__":
    main()
