"""Measuring tools shared by the claims, the sweeps and the memory module.

Timings are kept as lists of samples so every figure can carry its median and
its min-max spread; verdicts compare the whole spread with a threshold, so a
noisy result that straddles it is reported as such instead of being rounded
into a yes or a no.
"""

import contextlib
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
import os
import statistics
import sys
import sysconfig
import time

VERDICTS = ("holds", "does not hold", "depends", "cannot test here")

# Each join or result wait is bounded: an experiment must fail, never hang.
PROCESS_TIMEOUT_S = 60.0


# --------------------------------------------------------------------------
# The machine and the interpreter
# --------------------------------------------------------------------------

def usable_cpus():
    """CPUs this process may run on (affinity, containers); at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def free_threaded_build():
    return bool(sysconfig.get_config_var("Py_GIL_DISABLED"))


def gil_enabled():
    """False only on a free-threaded build that really runs without the GIL."""
    check = getattr(sys, "_is_gil_enabled", None)
    return True if check is None else bool(check())


_label = None


def interpreter_label():
    """``CPython 3.11.7 (GIL)``: the same words the host prints for an interpreter."""
    global _label
    if _label is None:
        from gil_lab.facts import interpreter_facts

        facts = interpreter_facts()
        gil = "free-threaded" if facts["gil_disabled"] else "GIL"
        _label = "%s %s (%s)" % (facts["implementation"], facts["python_version"], gil)
    return _label


# --------------------------------------------------------------------------
# Other processes' load: a parallel measurement is only as good as the free cores
# --------------------------------------------------------------------------

# Other processes using more than a quarter of a core during a parallel
# measurement shift a 2-core speedup by over 10 %, more than the margins the
# verdicts use: a result that falls short is then the load's doing as much as
# the claim's.
BUSY_LIMIT_CORES = 0.25

_BUSY_FIELDS = (0, 1, 2, 5, 6, 7)  # user, nice, system, irq, softirq, steal in a /proc/stat cpu line


def _busy_cpu_seconds():
    """CPU seconds the CPUs this process may use have been busy since boot, or None."""
    try:
        allowed = {"cpu%d" % n for n in os.sched_getaffinity(0)}
        ticks = 0
        with open("/proc/stat", encoding="ascii") as f:
            for line in f:
                parts = line.split()
                if parts and parts[0] in allowed:
                    ticks += sum(int(parts[1 + i]) for i in _BUSY_FIELDS if 1 + i < len(parts))
        return ticks / os.sysconf("SC_CLK_TCK")
    except (AttributeError, OSError, ValueError):
        return None


def _own_cpu_seconds():
    """CPU seconds of this process, all its threads and its reaped children."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


class machine_load:
    """``with machine_load() as load: ...``; then ``load.other_cores`` is the average
    number of cores other processes kept busy meanwhile (None where unknown)."""

    other_cores = None

    def __enter__(self):
        self._busy, self._own, self._start = _busy_cpu_seconds(), _own_cpu_seconds(), time.perf_counter()
        return self

    def __exit__(self, *exc):
        wall = time.perf_counter() - self._start
        busy = _busy_cpu_seconds()
        if busy is not None and self._busy is not None and wall > 0:
            self.other_cores = max(0.0, (busy - self._busy - (_own_cpu_seconds() - self._own)) / wall)
        return False

    @property
    def busy(self):
        return self.other_cores is not None and self.other_cores > BUSY_LIMIT_CORES

    def figure(self):
        return figure("CPU used by other processes meanwhile", self.other_cores or 0.0, "cores", key=self.busy)

    def note(self):
        return ("other processes kept %.2f cores busy during the measurement (more than %.2f), so the "
                "result shows the machine's load as much as the claim; rerun on an idle machine"
                % (self.other_cores, BUSY_LIMIT_CORES))


# --------------------------------------------------------------------------
# Samples, figures and verdicts
# --------------------------------------------------------------------------

def timed(function, *args):
    """Seconds one call of ``function(*args)`` took on the monotonic high-resolution clock."""
    start = time.perf_counter()
    function(*args)
    return time.perf_counter() - start


def summary(samples):
    """``{"median", "min", "max"}`` of a list of numbers."""
    values = [float(v) for v in samples]
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def figure(name, samples, unit, interpreter=None, key=True):
    """One reported figure: the median of ``samples`` (a number or a list) and its spread.

    ``key`` figures make up the evidence line; the others are detail.
    """
    if isinstance(samples, (list, tuple)):
        values = [float(v) for v in samples]
        value = statistics.median(values)
        spread = [min(values), max(values)] if len(values) > 1 else None
    else:
        value, spread = float(samples), None
    return {
        "name": name,
        "value": value,
        "unit": unit,
        "spread": spread,
        "interpreter": interpreter or interpreter_label(),
        "key": key,
    }


def ranged(name, value, low, high, unit, interpreter=None, key=True):
    """A figure whose spread is an interval computed elsewhere (a fit's error, a prediction's range)."""
    fig = figure(name, value, unit, interpreter, key)
    fig["spread"] = [float(low), float(high)]
    return fig


def flag(name, value, interpreter=None, key=True):
    """A yes/no observation as a figure (1.0 or 0.0, unit ``bool``)."""
    return figure(name, 1.0 if value else 0.0, "bool", interpreter, key)


def bounds(fig):
    """``(low, high)`` of a figure: its spread, or its value twice."""
    spread = fig.get("spread")
    return (spread[0], spread[1]) if spread else (fig["value"], fig["value"])


def side(low, high, threshold):
    """Where a measured range lies: ``above`` or ``below`` the threshold, or ``straddles`` it."""
    if low > threshold:
        return "above"
    if high < threshold:
        return "below"
    return "straddles"


def span(low, high, digits=2):
    """``1.20-1.47`` for explanations, or one number when both ends round alike."""
    a, b = "%.*f" % (digits, low), "%.*f" % (digits, high)
    return a if a == b else "%s-%s" % (a, b)


def outcome(experiment, figures, verdict, explanation, interpreter=None):
    """What a claim function returns; :mod:`gil_lab.verify` completes it."""
    if verdict not in VERDICTS:
        raise ValueError("verdict %r is not one of %s" % (verdict, ", ".join(VERDICTS)))
    result = {"experiment": experiment, "figures": figures, "verdict": verdict, "explanation": explanation}
    if interpreter:
        result["interpreter"] = interpreter
    return result


def cannot_test(experiment, why, figures=()):
    return outcome(experiment, list(figures), "cannot test here", why)


# --------------------------------------------------------------------------
# Child processes that are always reaped
# --------------------------------------------------------------------------

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


CAPACITY_NAME = "speedup of 2 processes over sequential (the machine's free cores now)"


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
