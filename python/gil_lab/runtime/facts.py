"""Facts about the running interpreter, as the host reports them."""

import importlib.util
import json
import multiprocessing
import platform
import sys

from gil_lab.runtime import interpreters
from gil_lab.runtime.gil import build_is_free_threaded, gil_is_off_now
from gil_lab.runtime.machine import usable_cpus

#: Tachyon, CPython's sampling profiler (3.15+), which ``gil-lab diagnose`` runs beside its own probe.
TACHYON_MODULE = "profiling.sampling"


def interpreter_facts():
    """What a reader needs to trust a figure: which Python, where, and with or without a GIL."""
    free_threaded_build = build_is_free_threaded()
    gil_disabled = gil_is_off_now()
    sub = interpreters.facts()
    version = "%d.%d.%d" % sys.version_info[:3]
    if free_threaded_build:
        version += "t"
    return {
        "implementation": platform.python_implementation(),
        "python_version": version,
        "version_info": list(sys.version_info[:3]),
        "executable": sys.executable,
        "prefix": sys.prefix,
        "free_threaded_build": free_threaded_build,
        "gil_disabled": gil_disabled,
        # PEP 684: from 3.12 a subinterpreter can be created with its own GIL.
        "own_gil_subinterpreters": sys.version_info >= (3, 12),
        # The stdlib's concurrent.futures.InterpreterPoolExecutor (3.14+).
        "interpreter_pool": interpreters.pool()[0] == interpreters.POOL_STDLIB[2],
        "start_method": _default_start_method(),
        "cpus": usable_cpus(),  # the CPUs this process may run on (affinity), not os.cpu_count()
        # Which subinterpreter API and pool gil-lab uses here (labels, or null).
        "subinterpreter_api": sub["subinterpreter_api"],
        "concurrent_interpreters": sub["concurrent_interpreters"],
        "interpreter_pool_api": sub["interpreter_pool_api"],
        # Tachyon (profiling.sampling, 3.15+): null when usable, else why not.
        "tachyon_reason": tachyon_reason(),
    }


def tachyon_reason():
    """None when Tachyon can sample this interpreter, else why not."""
    if sys.version_info < (3, 15):
        return ("Tachyon (profiling.sampling) is new in Python 3.15; this is %d.%d, and a Tachyon "
                "of another minor version cannot read this interpreter's memory" % sys.version_info[:2])
    if importlib.util.find_spec(TACHYON_MODULE) is None:
        return "this Python %d.%d has no %s module" % (sys.version_info[:2] + (TACHYON_MODULE,))
    return None


_label = None


def interpreter_label():
    """``CPython 3.11.7 (GIL)``: the same words the host prints for an interpreter."""
    global _label
    if _label is None:
        facts = interpreter_facts()
        gil = "free-threaded" if facts["gil_disabled"] else "GIL"
        _label = "%s %s (%s)" % (facts["implementation"], facts["python_version"], gil)
    return _label


def _default_start_method():
    return multiprocessing.get_start_method(allow_none=False)


def facts_json():
    return json.dumps(interpreter_facts())


if __name__ == "__main__":
    print(facts_json())
