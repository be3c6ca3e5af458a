"""One Chariot or Two: concurrency versus parallelism.

Concurrency is Arjuna alone on one chariot, switching so fast between firing
and steering that it looks simultaneous; parallelism is Arjuna and Bhima on two
chariots, striking at the same instant. Both warriors strike a fixed number of
CPU-bound blows, first as two threads in one process, then as two processes.
A timeline shows who struck in each 2 ms slot (A = Arjuna, B = Bhima, * = both)
and "cores in use" = CPU seconds / wall seconds tells how many warriors really
fought at once. A third run shows where one chariot is enough: arrows in flight
(waiting) overlap fine in threads.

Document: true-parallelism-day14 §1 Concurrency vs Parallelism: The Battlefield
Demonstrates: threads interleave CPU work on one core (concurrency); processes strike simultaneously (parallelism).
Requires: 3.8
Start methods: yes
"""

import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _lab

SLOT = 0.002  # timeline resolution: 2 ms


def strike(blows, size):
    """CPU-bound: BLOWS chunks of work; returns the wall time at the end of each blow."""
    marks = []
    for _ in range(blows):
        total = 0
        for i in range(size):
            total += i
        marks.append(time.time())  # wall clock: comparable across processes
    return marks


def strike_in_process(blows, size, results, name, ready):
    ready.wait(timeout=60)  # both chariots charge together, start-up not counted
    cpu0 = time.process_time()
    start = time.time()
    marks = strike(blows, size)
    results.put((name, start, marks, time.process_time() - cpu0))


def timeline(marks_by_name, start, end, width=60):
    slots = max(1, int((end - start) / SLOT) + 1)
    seen = [set() for _ in range(slots)]
    for name, marks in marks_by_name.items():
        for t in marks:
            seen[min(slots - 1, max(0, int((t - start) / SLOT)))].add(name[0])
    line = "".join("*" if len(s) > 1 else (next(iter(s)) if s else ".") for s in seen)
    both = sum(1 for s in seen if len(s) > 1)
    return line[:width] + ("..." if len(line) > width else ""), both / slots


def main():
    args = _lab.parse_args(__doc__, start_methods=True)
    ctx = _lab.context(args.start_method)
    _lab.intro(__doc__, ctx)
    blows, size = (150, 20_000) if args.quick else (600, 30_000)
    print(f"Each warrior strikes {blows} blows of {size:_} loop iterations; timeline slot = 2 ms\n")

    # 1. One chariot: two threads in one process (the GIL lets one strike at a time).
    marks = {}
    cpu0, start = time.process_time(), time.time()
    threads = [threading.Thread(target=lambda n=name: marks.__setitem__(n, strike(blows, size)))
               for name in ("Arjuna", "Bhima")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    end = time.time()
    thread_wall, thread_cpu = end - start, time.process_time() - cpu0
    thread_line, thread_both = timeline(marks, start, end)

    # 2. Two chariots: two processes, each with its own GIL and core.
    results, ready = ctx.Queue(), ctx.Barrier(2)
    procs = [ctx.Process(target=strike_in_process, args=(blows, size, results, name, ready))
             for name in ("Arjuna", "Bhima")]
    for p in procs:
        p.start()
    got = [results.get(timeout=120) for _ in procs]
    for p in procs:
        p.join()
    results.close()
    results.join_thread()
    marks = {name: m for name, _, m, _ in got}
    start = min(s for _, s, _, _ in got)
    end = max(m[-1] for m in marks.values())
    proc_wall = end - start
    proc_cpu = sum(cpu for _, _, _, cpu in got)
    proc_line, proc_both = timeline(marks, start, end)

    # 3. Arrows in flight: waiting overlaps even on one chariot.
    cpu0, start = time.process_time(), time.perf_counter()
    flights = [threading.Thread(target=time.sleep, args=(0.2,)) for _ in range(2)]
    for t in flights:
        t.start()
    for t in flights:
        t.join()
    wait_wall, wait_cpu = time.perf_counter() - start, time.process_time() - cpu0

    print("One chariot  (2 threads):   " + thread_line)
    print("Two chariots (2 processes): " + proc_line)
    print("(a thread switch inside a 2 ms slot also shows as *)")
    print()
    print(f"{'':<28} {'wall':>8} {'CPU':>8} {'cores in use':>13} {'slots with both':>16}")
    print(f"{'2 threads, CPU-bound':<28} {thread_wall:>7.2f}s {thread_cpu:>7.2f}s {thread_cpu / thread_wall:>12.2f} "
          f"{100 * thread_both:>15.0f}%")
    print(f"{'2 processes, CPU-bound':<28} {proc_wall:>7.2f}s {proc_cpu:>7.2f}s {proc_cpu / proc_wall:>12.2f} "
          f"{100 * proc_both:>15.0f}%")
    print(f"{'2 threads, waiting 0.2 s':<28} {wait_wall:>7.2f}s {wait_cpu:>7.2f}s {wait_cpu / wait_wall:>12.2f}")

    thread_cores, proc_cores = thread_cpu / thread_wall, proc_cpu / proc_wall
    if proc_cores >= 1.5:
        parallel = "parallelism"
    elif _lab.cpu_count() < 2:
        parallel = "no parallelism is possible with a single CPU"
    else:
        parallel = "parallel, but other programs were competing for the cores during this run"
    _lab.conclusion(
        f"two CPU-bound threads used {thread_cores:.2f} cores (both struck in "
        f"{100 * thread_both:.0f}% of the slots): concurrency, one warrior at a time; two processes used "
        f"{proc_cores:.2f} cores (both in {100 * proc_both:.0f}% of the slots): {parallel}; "
        f"two waiting threads finished in {wait_wall:.2f} s for 2 x 0.2 s of waiting, so for I/O one chariot is enough."
    )


if __name__ == "__main__":
    main()
