"""The GIL contention probe inside a Python process: the embedded probe's method
(``src/engine/probe.rs``, after gilknocker), done from Python.

A probe thread sleeps ``interval_s`` with the GIL released, then takes the GIL
back to run its next line, over and over. Past the sleep itself (and the
timer's own lateness, measured while the process is idle), the time the wake-up
takes is time spent waiting for the GIL. ``gil_contention`` is the share of the
probe's life spent waiting: near 1 when some thread always holds the GIL, near
0 when it is free (work in other processes, own-GIL subinterpreters). A
free-threaded build running without the GIL has nothing to wait for: the
figure is then ``None`` with the reason.
"""

import statistics
import threading
import time

from gil_lab.runtime.gil import gil_is_off_now

#: Time between two attempts, as the embedded probe's default (1 ms).
DEFAULT_INTERVAL_S = 0.001

#: Sleeps timed while idle to learn how late this machine's timer wakes a thread.
CALIBRATION_SLEEPS = 30

METHOD = ("a thread sleeps %g ms with the GIL released and times how long taking it back takes, "
          "less the timer's lateness measured while idle; gil_contention = time waited / probe time")

_lateness = {}


def no_gil_reason():
    """Why there is no GIL figure here (a free-threaded build running without it), or None."""
    if gil_is_off_now():
        return "free-threaded build with the GIL off: there is no GIL to wait for"
    return None


def timer_lateness(interval_s=DEFAULT_INTERVAL_S):
    """Median seconds a ``time.sleep(interval_s)`` overruns in an otherwise idle process.

    Measured once per interval and process (about 30 sleeps).
    """
    if interval_s not in _lateness:
        late = []
        for _ in range(CALIBRATION_SLEEPS):
            start = time.perf_counter()
            time.sleep(interval_s)
            late.append(time.perf_counter() - start - interval_s)
        _lateness[interval_s] = max(0.0, statistics.median(late))
    return _lateness[interval_s]


class Probe:
    """``with Probe() as probe: work()``; then ``probe.result()``.

    Create it (which calibrates the timer) before the work starts.
    """

    def __init__(self, interval_s=DEFAULT_INTERVAL_S):
        self.interval_s = float(interval_s)
        self.reason = no_gil_reason()
        self.lateness_s = 0.0 if self.reason else timer_lateness(self.interval_s)
        self._stop = threading.Event()
        self._thread = None
        self.waited_s = 0.0
        self.elapsed_s = 0.0
        self.samples = 0

    def __enter__(self):
        if self.reason is None:
            self._thread = threading.Thread(target=self._run, name="gil-lab-probe", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        return False

    def _run(self):
        interval, lateness = self.interval_s, self.lateness_s
        clock = time.perf_counter
        begun = clock()
        waited, samples = 0.0, 0
        while not self._stop.is_set():
            asked = clock()
            time.sleep(interval)  # releases the GIL; returning takes it back
            waited += max(0.0, clock() - asked - interval - lateness)
            samples += 1
        self.waited_s, self.samples, self.elapsed_s = waited, samples, clock() - begun

    @property
    def share(self):
        """Share of the probe's time spent waiting for the GIL, or None."""
        if self.reason is not None or self.samples == 0 or self.elapsed_s <= 0:
            return None
        return min(1.0, self.waited_s / self.elapsed_s)

    def result(self):
        """The figures a task's answer carries: ``gil_contention`` and how it was measured."""
        reason = self.reason
        if reason is None and self.samples == 0:
            reason = "the run ended before the probe's first attempt"
        return {
            "gil_contention": self.share,
            "gil_contention_reason": reason,
            "gil_probe": {
                "method": METHOD % (1000 * self.interval_s),
                "interval_s": self.interval_s,
                "samples": self.samples,
                "timer_lateness_s": self.lateness_s,
                "waited_s": self.waited_s,
                "elapsed_s": self.elapsed_s,
            },
        }
