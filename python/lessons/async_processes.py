"""Async + Processes: the rule for mixed workloads.

"Mixed workloads -> async + process pools." An asyncio event loop waits for
I/O (three scouts, simulated with asyncio.sleep) while CPU-heavy forging must
also happen. Done inline, the forging freezes the event loop: a heartbeat that
should tick every 10 ms stalls and the scouts come back late. Handed to a
ProcessPoolExecutor with loop.run_in_executor, the loop keeps ticking and the
I/O and the CPU work overlap. Compare the heartbeat's worst delay and the total
time of the two runs.

Document: multiprocessing-module §Suggested Extensions 3
Demonstrates: loop.run_in_executor with a ProcessPoolExecutor keeps asyncio responsive while CPU work runs on other cores.
Requires: 3.8
Start methods: yes
"""

import asyncio
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _lab


def forge(n):
    """CPU-bound: holds the GIL of whatever process runs it."""
    return os.getpid(), sum(i * i for i in range(n))


async def scout(name, seconds):
    await asyncio.sleep(seconds)  # network I/O stand-in: the loop is free meanwhile
    return name


async def heartbeat(stop, period=0.01):
    """Tick every PERIOD seconds; return the worst lateness seen."""
    worst = 0.0
    while not stop.is_set():
        before = time.perf_counter()
        await asyncio.sleep(period)
        worst = max(worst, time.perf_counter() - before - period)
    return worst


async def campaign(executor, n, io_seconds, offload):
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    beat = asyncio.create_task(heartbeat(stop))
    await asyncio.sleep(0)  # let the heartbeat start

    async def forge_job():
        if offload:
            return await loop.run_in_executor(executor, forge, n)
        return forge(n)  # the mistake: CPU work directly inside a coroutine

    start = time.perf_counter()
    scouts = [scout(name, io_seconds) for name in ("Nakula", "Sahadeva", "Arjuna")]
    results = await asyncio.gather(forge_job(), forge_job(), *scouts)
    elapsed = time.perf_counter() - start
    stop.set()
    worst_lag = await beat
    forge_pids = sorted({pid for pid, _ in results[:2]})
    return elapsed, worst_lag, forge_pids


def main():
    args = _lab.parse_args(__doc__, start_methods=True)
    ctx = _lab.context(args.start_method)
    _lab.intro(__doc__, ctx)
    n = 1_000_000 if args.quick else 5_000_000
    io_seconds = 0.2 if args.quick else 1.0
    print(f"Work: 2 forge jobs of sum(i * i for i in range({n:_})) + 3 scouts waiting {io_seconds} s each\n")

    # Create and warm the pool before the event loop starts.
    with ProcessPoolExecutor(max_workers=2, mp_context=ctx) as executor:
        list(executor.map(forge, [1, 1]))
        inline = asyncio.run(campaign(executor, n, io_seconds, offload=False))
        offloaded = asyncio.run(campaign(executor, n, io_seconds, offload=True))

    for label, (elapsed, lag, pids) in (("CPU work inline in the event loop", inline),
                                        ("CPU work via run_in_executor(ProcessPool)", offloaded)):
        print(f"{label:<42} total {elapsed:5.2f}s   worst heartbeat delay {_lab.ms(lag):>9}   "
              f"forged in PID(s) {pids}")

    _lab.conclusion(
        f"inline, the heartbeat stalled for up to {_lab.ms(inline[1])} and everything took {inline[0]:.2f} s; "
        f"with the process pool the worst stall was {_lab.ms(offloaded[1])} and the total {offloaded[0]:.2f} s "
        f"({inline[0] / offloaded[0]:.2f}x faster), because the I/O waits and the forging overlapped "
        f"and the event loop (PID {os.getpid()}) stayed free."
    )


if __name__ == "__main__":
    main()
