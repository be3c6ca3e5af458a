"""Whether this interpreter has a GIL: the one place that asks.

"Free-threaded" means two different things, and gil-lab keeps two names for them:

- :func:`build_is_free_threaded`: the interpreter was *compiled* without the GIL
  (``Py_GIL_DISABLED``, the ``t`` builds such as 3.13t). It never changes while
  the process runs.
- :func:`gil_is_off_now`: the GIL is *actually off* at this moment. A
  free-threaded build switches it back on when it imports an extension module
  that does not declare itself safe without it (or with ``PYTHON_GIL=1``), so
  this can turn false during a run; a build with the GIL never has it off.

Standard library only, like everything in :mod:`gil_lab.runtime`.
"""

import sys
import sysconfig

#: How Python itself reports the run-time state, for figure names that cite it.
RUN_TIME_CHECK = "sys._is_gil_enabled()"


def build_is_free_threaded():
    """This interpreter was compiled without the GIL (``Py_GIL_DISABLED``)."""
    return bool(sysconfig.get_config_var("Py_GIL_DISABLED"))


def gil_is_off_now():
    """The GIL is off right now: a free-threaded build that has not switched it back on."""
    check = getattr(sys, "_is_gil_enabled", None)
    return build_is_free_threaded() and check is not None and not check()
