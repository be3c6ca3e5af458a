"""Small helpers shared by the gil-lab lessons (this file is not a lesson).

Every lesson imports it the same way:

    import os, sys
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import _lab

so it is found whether the lesson is started as `python3 lesson.py`, through
`runpy.run_path` by the gil-lab host, or re-imported by a spawn/forkserver child.
"""

import argparse
import multiprocessing
import os
import sys
import time


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


def cpu_count():
    """CPUs this process may really use (affinity/containers), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


# --------------------------------------------------------------------------
# Memory (Linux /proc)
# --------------------------------------------------------------------------

def memory_mb():
    """{'Rss': MB, 'Pss': MB, 'Private': MB, 'Shared': MB} of this process, or {}."""
    try:
        with open("/proc/self/smaps_rollup") as f:
            kb = {}
            for line in f:
                parts = line.split()
                if len(parts) >= 3 and parts[2] == "kB":
                    kb[parts[0].rstrip(":")] = int(parts[1])
    except OSError:
        return {}
    return {
        "Rss": kb.get("Rss", 0) / 1024,
        "Pss": kb.get("Pss", 0) / 1024,
        "Private": (kb.get("Private_Clean", 0) + kb.get("Private_Dirty", 0)) / 1024,
        "Shared": (kb.get("Shared_Clean", 0) + kb.get("Shared_Dirty", 0)) / 1024,
    }


def status_kb(field):
    """A field of /proc/self/status in kB (e.g. 'VmRSS', 'VmSize'), or None."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


# --------------------------------------------------------------------------
# Subinterpreters: one small adapter over the APIs Python has had
# --------------------------------------------------------------------------

def subinterpreter_api():
    """(name, module) of the best subinterpreter API this Python has, or (None, None).

    3.14: concurrent.interpreters (PEP 734)      interp = create(); interp.exec(code)
    3.13 + pip install interpreters-pep-734:     the same API, from a backport
    3.13: _interpreters                          id = create(); exec(id, code)
    3.8-3.12: _xxsubinterpreters                 id = create(); run_string(id, code)
    """
    try:
        from concurrent import interpreters
        return "concurrent.interpreters", interpreters
    except ImportError:
        pass
    try:
        from interpreters_backport import interpreters  # pip install interpreters-pep-734
        return "interpreters_backport.interpreters", interpreters
    except ImportError:
        pass
    try:
        import _interpreters
        return "_interpreters", _interpreters
    except ImportError:
        pass
    try:
        import _xxsubinterpreters
        return "_xxsubinterpreters", _xxsubinterpreters
    except ImportError:
        pass
    return None, None


def interpreter_pool_executor():
    """(name, InterpreterPoolExecutor class) on 3.14 or with the backport, else (None, None)."""
    try:
        from concurrent.futures import InterpreterPoolExecutor
        return "concurrent.futures.InterpreterPoolExecutor", InterpreterPoolExecutor
    except ImportError:
        pass
    try:
        from interpreters_backport.concurrent.futures import InterpreterPoolExecutor
        return "interpreters_backport.concurrent.futures.InterpreterPoolExecutor", InterpreterPoolExecutor
    except ImportError:
        pass
    return None, None


def subinterpreters_have_own_gil():
    """Since 3.12 (PEP 684) an isolated subinterpreter gets its own GIL."""
    return sys.version_info >= (3, 12)


class Subinterpreter:
    """An isolated interpreter in this same OS process: exec(code), close()."""

    def __init__(self):
        self.api, mod = subinterpreter_api()
        if mod is None:
            raise RuntimeError("this Python has no subinterpreter API")
        self._mod = mod
        # An Interpreter object (PEP 734 APIs) or an interpreter ID (low-level APIs).
        self._interp = mod.create()

    def exec(self, code):
        mod, interp = self._mod, self._interp
        if self.api in ("concurrent.interpreters", "interpreters_backport.interpreters"):
            interp.exec(code)
        elif self.api == "_interpreters":
            failure = mod.exec(interp, code)
            if failure is not None:
                raise RuntimeError(f"subinterpreter failed: {failure.formatted}")
        else:
            mod.run_string(interp, code)

    def close(self):
        if self.api in ("concurrent.interpreters", "interpreters_backport.interpreters"):
            self._interp.close()
        else:
            self._mod.destroy(self._interp)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def worker_ready(barrier):
    """Pool initializer: tell the main process this worker has started, so a
    timing starts once every worker of the pool is up."""
    barrier.wait(timeout=60)
