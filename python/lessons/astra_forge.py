"""The Multi-Core Astra Forge: the Day 14 challenge, solved.

Classes, decorators and process pools fused: a @time_execution decorator
(built with functools.wraps) times the main forge; the AstraForge class has a
static method that forges one divine weapon with heavy math; a
ProcessPoolExecutor forges Brahmastra, Pashupatastra, Narayanastra and Vajra at
once across the CPU cores. Each weapon reports the PID of the worker that
forged it. The lesson also forges one weapon alone first, so the conclusion can
compare the pool with forging the four one by one.

Document: true-parallelism-day14 §9 The Forge: The Multi-Core Astra Forge
Demonstrates: a ProcessPoolExecutor forges 4 CPU-heavy weapons on several cores, timed by a functools.wraps decorator.
Requires: 3.8
Start methods: yes
"""

import functools
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _lab

FORGE_ROUNDS = 10_000_000


def time_execution(func):
    """Decorator: print how long FUNC took; keep its name and docstring (functools.wraps)."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        result = func(*args, **kwargs)
        wrapper.last_elapsed = time.perf_counter() - start
        print(f"[time_execution] {func.__name__} took {wrapper.last_elapsed:.2f}s")
        return result
    wrapper.last_elapsed = None
    return wrapper


class AstraForge:
    @staticmethod
    def forge_divine_weapon(weapon_id, rounds=None):
        rounds = FORGE_ROUNDS if rounds is None else rounds
        # Logic: run a heavy loop (pure Python math, holds this process's GIL)
        power = sum(i * i for i in range(rounds))
        return weapon_id, os.getpid(), power


# The challenge's main execution block, decorated with @time_execution.
@time_execution
def forge_arsenal(weapons, rounds, ctx):
    with ProcessPoolExecutor(max_workers=min(len(weapons), _lab.cpu_count()), mp_context=ctx) as executor:
        return list(executor.map(AstraForge.forge_divine_weapon, weapons, [rounds] * len(weapons)))


def main():
    args = _lab.parse_args(__doc__, start_methods=True)
    ctx = _lab.context(args.start_method)
    _lab.intro(__doc__, ctx)
    rounds = 1_000_000 if args.quick else FORGE_ROUNDS
    weapons = ["Brahmastra", "Pashupatastra", "Narayanastra", "Vajra"]
    print(f"Each weapon: sum(i * i for i in range({rounds:_})); "
          f"{_lab.cpu_count()} CPU cores available\n")

    with _lab.stopwatch() as single:
        AstraForge.forge_divine_weapon("test blade", rounds)
    print(f"One weapon forged alone in the main process (PID {os.getpid()}): {single.seconds:.2f}s\n")

    arsenal = forge_arsenal(weapons, rounds, ctx)
    for weapon, pid, power in arsenal:
        print(f"  {weapon:<14} forged by worker PID {pid}  (power {power:.3e})")
    total = forge_arsenal.last_elapsed

    one_by_one = single.seconds * len(weapons)
    pids = {pid for _, pid, _ in arsenal}
    print(f"\nTotal time elapsed for {len(weapons)} weapons: {total:.2f}s "
          f"(one by one would be about {one_by_one:.2f}s)")
    ratio = one_by_one / total
    pace = (f"{ratio:.2f}x faster than" if ratio >= 1
            else f"slower ({ratio:.2f}x the speed of)")
    _lab.conclusion(
        f"{len(weapons)} weapons were forged by {len(pids)} worker processes in {total:.2f} s, "
        f"{pace} forging them one by one ({one_by_one:.2f} s estimated "
        f"from one weapon); with {_lab.cpu_count()} cores the ideal would be "
        f"{min(len(weapons), _lab.cpu_count())}x, the rest is process start-up, IPC and the machine."
    )


if __name__ == "__main__":
    main()
