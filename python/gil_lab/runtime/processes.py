"""Child processes that are always reaped, pools that are killed rather than
awaited when a measurement fails, and the timing helpers the measurements share.

Timings are kept as lists of samples so every figure can carry its median and
its min-max spread.
"""

import contextlib
import multiprocessing
import os
import statistics
import time
from concurrent.futures import ProcessPoolExecutor

# Each join or result wait is bounded: an experiment must fail, never hang.
PROCESS_TIMEOUT_S = 60.0


def timed(function, *args):
    """Seconds one call of ``function(*args)`` took on the monotonic high-resolution clock."""
    start = time.perf_counter()
    function(*args)
    return time.perf_counter() - start


def summary(samples):
    """``{"median", "min", "max"}`` of a list of numbers."""
    values = [float(v) for v in samples]
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def reap(process, timeout=5.0):
    """Joins a ``multiprocessing.Process``; terminates, then kills it if it outlives ``timeout``."""
    if process.pid is None:
        return
    process.join(timeout)
    if process.is_alive():
        process.terminate()
        process.join(2.0)
    if process.is_alive():
        process.kill()
        process.join(2.0)


def default_context():
    """This platform's (or the host's) default start method, without fixing it for later callers."""
    return multiprocessing.get_context()


def start_context(start_method=None):
    """The multiprocessing context for ``start_method``; None, "" or "default": this interpreter's default."""
    return multiprocessing.get_context(None if start_method in (None, "", "default") else start_method)


@contextlib.contextmanager
def process_pool(workers, context=None, **options):
    """A ``ProcessPoolExecutor`` whose workers are killed, not awaited, when the block fails."""
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context or default_context(), **options)
    try:
        yield pool
    except BaseException:
        kill_pool(pool)
        raise
    pool.shutdown(wait=True)


def kill_pool(pool):
    """Ends a ``ProcessPoolExecutor`` at once: cancels what is queued and kills its workers."""
    workers = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in workers:
        if process.is_alive():
            process.kill()
    for process in workers:
        process.join(2.0)


class process_control:
    """A warm pool of processes that runs the same calls as an in-process parallel
    experiment, round for round: processes have no shared lock, so their speedup
    is what the machine allows at that moment. A verdict can then tell "this
    interpreter did not run them in parallel" from "this machine had no free core".

    Create it before any subinterpreter exists: forking then crashes the child.
    """

    def __init__(self, workers=2):
        self.workers = workers
        self._pool = None

    def __enter__(self):
        self._pool = default_context().Pool(self.workers)
        self._pool.starmap_async(os.getpid, [()] * self.workers * 2, chunksize=1).get(PROCESS_TIMEOUT_S)
        return self

    def seconds(self, function, calls):
        """Wall seconds of ``function(*args)`` for every ``args`` in ``calls``, one per worker at a time."""
        start = time.perf_counter()
        self._pool.starmap_async(function, calls, chunksize=1).get(PROCESS_TIMEOUT_S)
        return time.perf_counter() - start

    def __exit__(self, *exc):
        self._pool.terminate()
        self._pool.join()
        return False


def wait_at(barrier):
    """Pool initializer: a worker reports that it is up, so timing starts when all are."""
    barrier.wait(timeout=PROCESS_TIMEOUT_S)
