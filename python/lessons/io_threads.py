"""The Five Scouts: threads wait in parallel.

Five Pandava warriors scout the Kaurava lines; each trip is one second of pure
waiting (time.sleep stands in for network I/O, and it releases the GIL). First
they go one after another, then all at once from a ThreadPoolExecutor. Compare
the two totals: the threaded one is close to a single trip, not the sum.

Document: true-parallelism-day14 §3 Threading Deep Dive (I/O Bound)
Demonstrates: I/O-bound waits overlap in a thread pool: five 1-second waits take about 1 second.
Requires: 3.8
Start methods: no
"""

import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _lab

TRIP_SECONDS = 1.0


def scout_enemy_camp(warrior_name):
    print(f"{warrior_name} is infiltrating the Kaurava lines...")
    time.sleep(TRIP_SECONDS)  # Simulating Network I/O. The thread yields control (and the GIL) here!
    return f"{warrior_name} returned with intel."


def main():
    global TRIP_SECONDS
    args = _lab.parse_args(__doc__)
    _lab.intro(__doc__)
    if args.quick:
        TRIP_SECONDS = 0.1

    warriors = ["Nakula", "Sahadeva", "Yudhishthira", "Bhima", "Arjuna"]
    print(f"Each scouting trip waits {TRIP_SECONDS:.1f} s.\n")

    # 1. One scout after another.
    print("-- Sequential: one scout at a time")
    start = time.perf_counter()
    results = [scout_enemy_camp(w) for w in warriors]
    sequential = time.perf_counter() - start
    print(f"All scouts returned in {sequential:.2f}s (sequential)\n")

    # 2. All scouts at once.
    print("-- Threaded: ThreadPoolExecutor(max_workers=5)")
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=5) as executor:
        # .map() hands the warriors to the pool's threads; the with-block joins them
        results = list(executor.map(scout_enemy_camp, warriors))
    threaded = time.perf_counter() - start
    print("\n".join(results))
    print(f"All scouts returned in {threaded:.2f}s (threaded)")

    speedup = sequential / threaded
    trips_in_threaded_time = threaded / TRIP_SECONDS
    _lab.conclusion(
        f"sequential {sequential:.2f} s vs threaded {threaded:.2f} s = {speedup:.1f}x faster; "
        f"the threaded run cost {trips_in_threaded_time:.2f} trips instead of {len(warriors)}, "
        "because sleeping threads release the GIL and wait side by side."
    )


if __name__ == "__main__":
    main()
