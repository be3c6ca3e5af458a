"""Facts about the running interpreter, as the host reports them."""

import json
import os
import platform
import sys
import sysconfig


def interpreter_facts():
    """What a reader needs to trust a figure: which Python, where, and with or without a GIL."""
    free_threaded_build = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
    is_gil_enabled = getattr(sys, "_is_gil_enabled", None)
    gil_disabled = free_threaded_build and is_gil_enabled is not None and not is_gil_enabled()
    from gil_lab import interpreters
    from gil_lab.machine import usable_cpus
    from gil_lab.tachyon import reason as tachyon_reason

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


def _default_start_method():
    import multiprocessing

    return multiprocessing.get_start_method(allow_none=False)


def facts_json():
    return json.dumps(interpreter_facts())


if __name__ == "__main__":
    print(facts_json())
