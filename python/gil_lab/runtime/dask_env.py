"""Where dask is for this interpreter, and whether a dask strategy can run here.

dask lives in a private virtual environment per interpreter,
``$HOME/.cache/gil-lab/dask/<version>`` (``scripts/install-dask.sh`` makes
it): :func:`import_dask` puts that environment's site-packages at the front of
``sys.path`` when dask is not importable already. Nothing here imports dask
at module level, so ``gil-lab pythons`` can ask any interpreter.
"""

import json
import os
import sys

from gil_lab.runtime.gil import build_is_free_threaded

STRATEGIES = ("py-dask", "py-dask-threads")

# The repository: this file is python/gil_lab/runtime/dask_env.py.
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
INSTALL_SCRIPT = os.path.join(REPO, "scripts", "install-dask.sh")


class DaskUnavailable(RuntimeError):
    """This interpreter has no dask: the message says how to install it."""


# --------------------------------------------------------------------------
# Where dask is
# --------------------------------------------------------------------------

def interpreter_label():
    """``3.11``, or ``3.13t`` for a free-threaded build: the environment's folder name."""
    free = "t" if build_is_free_threaded() else ""
    return "%d.%d%s" % (sys.version_info[0], sys.version_info[1], free)


def venv_dir():
    home = os.environ.get("GIL_LAB_DASK_HOME") or os.path.join(os.path.expanduser("~"), ".cache", "gil-lab", "dask")
    return os.path.join(home, interpreter_label())


def _venv_site_packages():
    lib = os.path.join(venv_dir(), "lib", "python%d.%d%s" % (sys.version_info[0], sys.version_info[1],
                                                            "t" if interpreter_label().endswith("t") else ""))
    path = os.path.join(lib, "site-packages")
    return path if os.path.isdir(path) else None


def install_command():
    return INSTALL_SCRIPT if os.path.exists(INSTALL_SCRIPT) else "scripts/install-dask.sh"


def add_private_site_packages():
    """Puts this interpreter's private environment (dask, numpy) first on ``sys.path``;
    its folder, or None when there is none."""
    site = _venv_site_packages()
    if site is not None and site not in sys.path:
        # In front: an older copy of a dependency (cloudpickle, say) in the
        # interpreter's own site-packages must not shadow the environment's.
        sys.path.insert(0, site)
    return site


def import_dask():
    """Makes ``dask.distributed`` importable (from the private environment if need be); ``None`` or why not."""
    try:
        import distributed  # noqa: F401
        return None
    except ImportError:
        pass
    if add_private_site_packages() is None:
        return "no dask for Python %s: %s has no environment; run %s" % (
            interpreter_label(), venv_dir(), install_command())
    try:
        import distributed  # noqa: F401,F811
    except ImportError as exc:
        return "dask in %s does not import in Python %s (%s); run %s" % (
            venv_dir(), interpreter_label(), exc, install_command())
    return None


def reason(strategy="py-dask", address=None):
    """``None`` when ``strategy`` can run here (with ``address`` for ``--dask``), else why not."""
    why = import_dask()
    if why is not None:
        return why
    if strategy == "py-dask-threads" and address:
        return "py-dask-threads starts its own one-process cluster; --dask applies to py-dask"
    if strategy not in STRATEGIES:
        return "unknown dask strategy %r (known: %s)" % (strategy, ", ".join(STRATEGIES))
    return None


def availability():
    """What ``gil-lab pythons`` shows for this interpreter: dask or not, where, and how to get it."""
    why = import_dask()
    answer = {
        "available": why is None,
        "reason": why,
        "install_command": install_command(),
        "venv": venv_dir(),
        "dask_command": None,
        "dask_version": None,
        "distributed_version": None,
        "gilknocker_version": None,
    }
    if why is None:
        from importlib import metadata

        for name in ("dask", "distributed", "gilknocker"):
            try:
                answer[name + "_version"] = metadata.version(name)
            except metadata.PackageNotFoundError:
                pass
        command = os.path.join(venv_dir(), "bin", "dask")
        answer["dask_command"] = command if os.path.exists(command) else None
    return answer


def availability_json():
    """For ``gil-lab pythons``: :func:`availability` as JSON text."""
    return json.dumps(availability())
