"""Small Tasks: when multiprocessing is slower than a plain loop.

Every task sent to a process pool pays a toll: pickle the arguments, wake a
worker, send the bytes through a pipe, pickle the result, send it back. For a
tiny task the toll is far bigger than the work. This lesson runs the same batch
of tasks sequentially and through a ProcessPoolExecutor while the work per task
grows, and finds the size where the pool starts to pay. The last line shows the
cure for small tasks: batch them with chunksize.

Document: true-parallelism-day14 §10 FAQ: Advanced Scaling
Demonstrates: per-task IPC overhead makes a process pool slower than a loop for tiny tasks; larger tasks or chunksize fix it.
Requires: 3.8
Start methods: yes
"""

import os
import sys
from concurrent.futures import ProcessPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _lab


tiny_task = _lab.count_up  # total += i for i in range(k): a loop, nothing else


def main():
    args = _lab.parse_args(__doc__, start_methods=True)
    ctx = _lab.context(args.start_method)
    _lab.intro(__doc__, ctx)
    workers = max(2, _lab.cpu_count())
    tasks = 60 if args.quick else 200
    sizes = [1, 100, 1_000, 10_000, 50_000] if args.quick else [1, 100, 1_000, 10_000, 100_000, 300_000]

    print(f"{tasks} tasks per row, pool of {workers} worker processes (chunksize=1)\n")
    print(f"{'loop iterations/task':>21} {'work/task':>10} {'sequential':>11} {'pool':>9} "
          f"{'pool/seq':>9}")
    rows = []
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as executor:
        list(executor.map(tiny_task, [1] * workers * 2))  # start and warm the workers
        for k in sizes:
            with _lab.stopwatch() as seq:
                expected = [tiny_task(k) for _ in range(tasks)]
            with _lab.stopwatch() as par:
                got = list(executor.map(tiny_task, [k] * tasks))
            assert got == expected
            rows.append((k, seq.seconds, par.seconds))
            print(f"{k:>21,} {_lab.ms(seq.seconds / tasks):>10} {_lab.ms(seq.seconds):>11} "
                  f"{_lab.ms(par.seconds):>9} {par.seconds / seq.seconds:>8.2f}x")

        # The cure for small tasks: hand them out in batches.
        k = sizes[0]
        chunk = max(1, tasks // (workers * 4))
        with _lab.stopwatch() as batched:
            list(executor.map(tiny_task, [k] * tasks, chunksize=chunk))

    smallest = rows[0]
    overhead = (smallest[2] - smallest[1]) / tasks
    print(f"\nSmallest tasks again with chunksize={chunk}: {_lab.ms(batched.seconds)} "
          f"(was {_lab.ms(smallest[2])} with chunksize=1)")
    pays = next(((k, s, p) for k, s, p in rows if p < s), None)
    if pays:
        k, s, p = pays
        where = (f"the pool started to pay at {k:,} iterations per task "
                 f"(~{_lab.ms(s / tasks)} of work each): {p / s:.2f}x the sequential time")
    else:
        where = "the pool never beat the plain loop in the sizes tried"
    _lab.conclusion(
        f"each tiny task cost about {overhead * 1e6:.0f} us of pool overhead, "
        f"{smallest[2] / smallest[1]:.0f}x slower than the loop; {where}; "
        f"batching the tiny tasks (chunksize={chunk}) cut their time by "
        f"{smallest[2] / batched.seconds:.1f}x."
    )


if __name__ == "__main__":
    main()
