"""Other interpreters installed on this machine, and running gil-lab in them.

The host hands over its list of other interpreters (``path``, ``version``,
``free_threaded``); :func:`pick` chooses one by version and GIL kind. Some
claims need what this interpreter lacks (a 3.14, own-GIL subinterpreters, a
free-threaded build): the experiment then runs as
``python -m gil_lab.claims.verify --check ID [--quick]`` in that interpreter, which
prints the same JSON object :func:`gil_lab.claims.verify.check` returns.
"""

import json
import os
import subprocess
import sys

import gil_lab

# The folder that holds the gil_lab package: the other interpreter imports it from there.
PYTHON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(gil_lab.__file__)))

# Quick checks must fit the whole quick run; a full check may take minutes.
QUICK_TIMEOUT_S = 60
FULL_TIMEOUT_S = 540

# Variables of this process that would mislead another interpreter: a home or
# path meant for this one, a GIL override that would hide the build's default.
DROPPED_VARIABLES = ("PYTHONHOME", "PYTHONPATH", "PYTHONSTARTUP", "PYTHON_GIL", "PYTHONEXECUTABLE")

INSTALL_HINT = "scripts/install-pythons.sh"


def parse_interpreters(text):
    """The host's list of other interpreters (JSON text, a list, or nothing)."""
    if not text:
        return []
    entries = json.loads(text) if isinstance(text, str) else text
    return [e for e in entries if isinstance(e, dict) and e.get("path")]


def version_of(entry):
    """``(3, 13, 5)`` from an entry's ``version`` (``"3.13.5"``, ``"3.13.5t"``) or ``spec``."""
    text = str(entry.get("version") or entry.get("spec") or "")
    numbers = []
    for part in text.rstrip("t").split("."):
        digits = "".join(ch for ch in part if ch.isdigit())
        if not digits:
            break
        numbers.append(int(digits))
    return tuple(numbers)


def is_this_interpreter(entry):
    try:
        return os.path.realpath(entry["path"]) == os.path.realpath(sys.executable)
    except (KeyError, OSError):
        return False


def others(interpreters):
    """The entries that are not this interpreter and exist, one per real executable."""
    seen, chosen = set(), []
    for entry in interpreters:
        real = os.path.realpath(entry["path"])
        if real in seen or is_this_interpreter(entry) or not os.path.isfile(real):
            continue
        seen.add(real)
        chosen.append(entry)
    return chosen


def pick(interpreters, min_version=(0,), free_threaded=None):
    """The first other interpreter of at least ``min_version`` (and, if given, of that GIL kind).

    With ``free_threaded=None`` a build with the GIL is preferred: it is the
    configuration most readers run; among those, the newest version.
    """
    candidates = [
        e for e in others(interpreters)
        if version_of(e) >= tuple(min_version)
        and (free_threaded is None or bool(e.get("free_threaded")) == free_threaded)
    ]
    candidates.sort(key=lambda e: (bool(e.get("free_threaded")), [-n for n in version_of(e)]))
    return candidates[0] if candidates else None


def run_where_new_enough(interpreters, min_version, claim_id, quick):
    """A claim about ``min_version`` (e.g. 3.14) decided where it applies: when this
    interpreter is older and one at least that new is installed, the check as it ran
    there; otherwise None (check here)."""
    if sys.version_info[:len(min_version)] >= tuple(min_version):
        return None
    entry = pick(interpreters, min_version=min_version, free_threaded=False)
    return run_check(entry, claim_id, quick) if entry is not None else None


def child_environment():
    env = {k: v for k, v in os.environ.items() if k not in DROPPED_VARIABLES}
    env["PYTHONPATH"] = PYTHON_DIR
    return env


def run_check(entry, claim_id, quick):
    """The parsed check of ``claim_id`` as ``entry``'s interpreter runs it; RuntimeError on failure."""
    command = [entry["path"], "-m", "gil_lab.claims.verify", "--check", claim_id]
    if quick:
        command.append("--quick")
    try:
        done = subprocess.run(
            command,
            env=child_environment(),
            cwd=PYTHON_DIR,
            capture_output=True,
            text=True,
            timeout=QUICK_TIMEOUT_S if quick else FULL_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired as exc:
        raise RuntimeError("%s did not finish within %d s" % (entry["path"], exc.timeout)) from None
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise RuntimeError("%s exited with code %d: %s" % (entry["path"], done.returncode, tail[0]))
    return json.loads(done.stdout)


# What scripts/install-pythons.sh installs.
INSTALLABLE = ("3.13", "3.13t", "3.14", "3.15")


def command_for(spec):
    """How a reader runs the claims in interpreter ``spec`` (installing it first if needed)."""
    if spec in INSTALLABLE:
        return "`%s --only %s` then `gil-lab verify --python %s`" % (INSTALL_HINT, spec, spec)
    return "install CPython %s (python.org, pyenv), then `gil-lab verify --python %s`" % (spec, spec)


def installed_dir():
    """Where scripts/install-pythons.sh installs: ``$GIL_LAB_PYTHONS`` or ``~/.cache/gil-lab/pythons``."""
    return os.environ.get("GIL_LAB_PYTHONS") or os.path.join(os.path.expanduser("~"), ".cache", "gil-lab", "pythons")


def installed():
    """Entries (``spec``, ``path``, ``free_threaded``) for the interpreters that script installed, oldest first;
    what a lesson run on its own can use when no host hands it a list."""
    root = installed_dir()
    found = []
    for spec in INSTALLABLE:
        path = os.path.join(root, spec, "bin", "python3")
        if os.path.isfile(path) and os.access(path, os.X_OK):
            found.append({"spec": spec, "path": path, "free_threaded": spec.endswith("t")})
    return found
