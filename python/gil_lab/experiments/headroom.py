"""The "leave one core free" rule, measured: how long a small task takes to
answer while ``busy`` processes keep CPUs busy.

A request handler, a UI thread or the host itself needs a core to answer on
time; with every core taken it waits for the scheduler. The probe runs in this
process, the burners in child processes that stop when told.
"""

import json
import multiprocessing
import statistics
import time

from gil_lab.kernels.tasks import sum_squares


def _burn(stop):
    while not stop.is_set():
        sum_squares(0, 20_000)


def probe_latency(busy, probes, probe_size, start_method=None):
    """JSON ``{"busy_workers", "probes", "probe_size", "probe_ms": {"median","min","max","p90"}}``."""
    context = multiprocessing.get_context(start_method)
    stop = context.Event()
    burners = [context.Process(target=_burn, args=(stop,), daemon=True) for _ in range(busy)]
    try:
        for p in burners:
            p.start()
        time.sleep(0.2)  # let the burners reach their loops
        times = []
        for _ in range(probes):
            start = time.perf_counter()
            sum_squares(0, probe_size)
            times.append((time.perf_counter() - start) * 1e3)
            time.sleep(0.01)  # a request arriving now and then, not a loop
    finally:
        stop.set()
        for p in burners:
            p.join(timeout=2)
            if p.is_alive():
                p.kill()
                p.join(timeout=2)
    times.sort()
    return json.dumps(
        {
            "busy_workers": busy,
            "probes": probes,
            "probe_size": probe_size,
            "probe_ms": {
                "median": statistics.median(times),
                "min": times[0],
                "max": times[-1],
                "p90": times[min(len(times) - 1, int(0.9 * len(times)))],
            },
        }
    )
