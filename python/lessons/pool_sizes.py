"""Pool Sizes: how many workers is the right number?

The same batch of CPU-heavy tasks runs on pools of 1, 2, ... up to twice the
number of CPU cores. Time falls while workers are added up to the core count;
past that, extra workers only share the same cores and add switching and
start-up cost. Look for the size with the best time and for the flat (or
rising) tail beyond the core count.

Document: multiprocessing-module §Suggested Extensions 2
Demonstrates: pool size vs time for CPU-bound work: gains stop at the number of cores.
Requires: 3.8
Start methods: yes
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _lab
from pool_map import heavy  # the module's exercise task: a sum of square roots


def main():
    args = _lab.parse_args(__doc__, start_methods=True)
    ctx = _lab.context(args.start_method)
    _lab.intro(__doc__, ctx)
    cores = _lab.cpu_count()
    tasks = 8
    n = 100_000 if args.quick else 1_000_000
    sizes = list(range(1, cores * 2 + 1))
    print(f"{tasks} tasks of heavy({n:_}); {cores} CPU cores; pool sizes {sizes[0]}..{sizes[-1]}\n")
    print(f"{'workers':>8} {'time':>9} {'vs 1 worker':>12}")

    times = {}
    for size in sizes:
        with _lab.stopwatch() as t:
            with ctx.Pool(size) as pool:
                pool.map(heavy, [n] * tasks, chunksize=1)
        times[size] = t.seconds
        print(f"{size:>8} {t.seconds:>8.2f}s {times[1] / t.seconds:>11.2f}x")

    best = min(times, key=times.get)
    at_cores = times[cores]
    beyond = times[sizes[-1]]
    _lab.conclusion(
        f"the best pool size here was {best} worker(s) ({times[best]:.2f} s, {times[1] / times[best]:.2f}x "
        f"faster than 1); at {cores} workers (= cores) it took {at_cores:.2f} s and at {sizes[-1]} workers "
        f"{beyond:.2f} s, so workers beyond the core count "
        + ("did not help." if beyond >= at_cores * 0.95 else "still helped a little on this machine.")
    )


if __name__ == "__main__":
    main()
