"""The machine a measurement runs on: usable CPUs, and how busy other
processes kept the CPUs meanwhile. (Whether the interpreter has a GIL is
:mod:`gil_lab.runtime.gil`; how a report names it, :mod:`gil_lab.runtime.facts`.)"""

import os
import time

def usable_cpus():
    """CPUs this process may run on (affinity, containers); at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


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

    def describe(self):
        """Why a result that fell short may be the load's doing, for an explanation."""
        return ("other processes kept %.2f cores busy during the measurement (more than %.2f), so the "
                "result shows the machine's load as much as the claim; rerun on an idle machine"
                % (self.other_cores, BUSY_LIMIT_CORES))
