"""The Process Pool: generals on different PIDs.

A ProcessPoolExecutor keeps a few worker processes (generals) alive and feeds
them the battle formations Alpha, Beta and Gamma. Each formation reports the PID
of the general who calculated it: look for at least two different PIDs, none of
them the main PID, and for a PID that repeats when there are fewer generals than
formations (the pool reuses its workers instead of starting a process per task).

Document: true-parallelism-day14 §4.2 The Process Pool (The Enterprise Standard)
Demonstrates: a ProcessPoolExecutor spreads tasks over several long-lived worker processes (distinct PIDs).
Requires: 3.8
Start methods: yes
"""

import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _lab


def calculate_battle_formation(division_id):
    # Each formation takes a little real work plus a 0.2 s pause. Without it the
    # first worker to boot would finish all three tiny tasks before its brothers
    # are even up, and every line would show the same PID. The pause keeps one
    # general busy so the next formation goes to another general.
    sum(i * i for i in range(100_000))
    time.sleep(0.2)
    # Proving they run on different OS Process IDs (PIDs)
    return f"Formation {division_id} calculated by General PID: {os.getpid()}"


def main():
    args = _lab.parse_args(__doc__, start_methods=True)
    ctx = _lab.context(args.start_method)
    _lab.intro(__doc__, ctx)

    cpus = _lab.cpu_count()
    # The document suggests leaving headroom with max_workers=os.cpu_count() - 2.
    # On a 2-core machine that is 0, which ProcessPoolExecutor rejects, so the
    # rule must be guarded. For this demo we want at least two generals.
    headroom = max(1, cpus - 2)
    workers = max(2, min(3, cpus))
    print(f"CPUs usable: {cpus}; headroom rule max(1, cpus - 2) = {headroom}; "
          f"this demo uses max_workers={workers}\n")

    formations = ["Alpha", "Beta", "Gamma"]
    with _lab.stopwatch() as t:
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as executor:
            results = list(executor.map(calculate_battle_formation, formations))
    print("\n".join(results))
    print(f"\n{len(formations)} formations in {t.seconds:.2f} s")

    pids = [int(line.rsplit(":", 1)[1]) for line in results]
    distinct = sorted(set(pids))
    reused = len(pids) - len(distinct)
    _lab.conclusion(
        f"{len(formations)} formations were calculated by {len(distinct)} distinct generals "
        f"(PIDs {', '.join(map(str, distinct))}), none of them the main PID {os.getpid()}"
        + (f"; {reused} task(s) reused an already running worker." if reused else ".")
    )


if __name__ == "__main__":
    main()
