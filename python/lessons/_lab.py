"""Small helpers shared by the gil-lab lessons (this file is not a lesson).

Every lesson imports it the same way:

    import os, sys
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import _lab

so it is found whether the lesson is started as `python3 lesson.py`, through
`runpy.run_path` by the gil-lab host, or re-imported by a spawn/forkserver child.
It puts python/ on sys.path too, so lessons reach `_lab.interpreters`
(gil_lab.runtime.interpreters: the subinterpreter APIs of every Python version).
"""

import argparse
import multiprocessing
import os
import sys
import time

# python/, so that a lesson run on its own (or a spawn child of one) finds gil_lab.
PYTHON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if PYTHON_DIR not in sys.path:
    sys.path.append(PYTHON_DIR)

from gil_lab.experiments import memory  # noqa: E402,F401  (after the path above)
from gil_lab.runtime import interpreters, machine  # noqa: E402,F401


# --------------------------------------------------------------------------
# Command line: --quick and --start-method
# --------------------------------------------------------------------------

def parser(doc, start_methods=False):
    """An ArgumentParser with the options every lesson understands."""
    title = (doc or "").strip().splitlines()[0] if doc else None
    p = argparse.ArgumentParser(description=title)
    p.add_argument("--quick", action="store_true",
                   help="small sizes so the lesson finishes in a few seconds")
    if start_methods:
        p.add_argument("--start-method", default=None,
                       choices=multiprocessing.get_all_start_methods(),
                       help="how child processes are started "
                            "(default: this platform's default)")
    return p


def parse_args(doc, start_methods=False):
    return parser(doc, start_methods).parse_args()


def context(method=None):
    """multiprocessing context for METHOD; None keeps the platform default."""
    return multiprocessing.get_context(method)


# --------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------

def intro(doc, ctx=None):
    """Print what the lesson demonstrates (its Demonstrates: line) and who we are."""
    # Line-buffer stdout so our lines and the children's lines arrive in order.
    reconfigure = getattr(sys.stdout, "reconfigure", None)
    if reconfigure is not None:
        try:
            reconfigure(line_buffering=True)
        except (ValueError, OSError):
            pass
    demonstrates = ""
    for line in (doc or "").splitlines():
        if line.startswith("Demonstrates:"):
            demonstrates = line[len("Demonstrates:"):].strip()
    title = (doc or "").strip().splitlines()[0] if doc else ""
    print(f"== {title}")
    print(f"Demonstrates: {demonstrates}")
    where = f"Main process PID {os.getpid()}, Python {sys.version.split()[0]}"
    if ctx is not None:
        default = multiprocessing.get_context().get_start_method()
        chosen = ctx.get_start_method()
        note = "platform default" if chosen == default else f"platform default is {default}"
        where += f", start method: {chosen} ({note})"
    print(where)
    print()


def conclusion(text):
    print()
    print(f"Conclusion: {text}")


def ms(seconds):
    return f"{seconds * 1000:.1f} ms"


# --------------------------------------------------------------------------
# Timing
# --------------------------------------------------------------------------

class stopwatch:
    """with stopwatch() as t: ...   then t.seconds is the elapsed wall time."""

    def __enter__(self):
        self.start = time.perf_counter()
        self.seconds = 0.0
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.start
        return False


# CPUs this process may really use (affinity, containers; what `taskset -c 0`
# leaves, not os.cpu_count()), at least 1.
cpu_count = machine.usable_cpus


# --------------------------------------------------------------------------
# Memory (Linux /proc): gil_lab.experiments.memory reads it
# --------------------------------------------------------------------------

def memory_mb(pid="self"):
    """{'Rss': MB, 'Pss': MB, 'Private': MB, 'Shared': MB} of a process (this one by default), or {}."""
    try:
        kb = memory.snapshot(pid)
    except OSError:
        return {}
    return {"Rss": kb["rss_kb"] / 1024, "Pss": kb["pss_kb"] / 1024,
            "Private": kb["private_kb"] / 1024, "Shared": kb["shared_kb"] / 1024}


status_kb = memory.status_kb  # a field of /proc/self/status in kB ('VmRSS', 'VmSize'), or None


# --------------------------------------------------------------------------
# Pools
# --------------------------------------------------------------------------

def count_up(n):
    """CPU work: a pure-Python loop of ``n`` additions (it holds the GIL all along)."""
    total = 0
    for i in range(n):
        total += i
    return total


def worker_ready(barrier):
    """Pool initializer: tell the main process this worker has started, so a
    timing starts once every worker of the pool is up."""
    barrier.wait(timeout=60)
