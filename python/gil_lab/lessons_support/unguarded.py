"""Scripts without the ``if __name__ == "__main__":`` guard, run under caps.

The multiprocessing document prints its §2 (``Pool.map``) and §4
(``ProcessPoolExecutor``) examples with the pool loose at the top of the file.
Whether that works depends on the start method: a fork child is a copy of the
running parent and never re-reads the script; a spawn child re-imports it; and
a forkserver (Linux's default from Python 3.14) imports it once in the server
process, which then dies starting the loose pool, so the parent's connection to
it is reset.

Every script runs in a session of its own, with a time limit and a limit on the
live processes of that session; whatever happens, the whole session is killed at
the end, so nothing it started outlives the run. The fork-bomb lesson and the
fork-bomb and guard claims share this module; it imports only the standard
library.
"""

import os
import re
import signal
import subprocess
import sys
import time

# The watcher kills a script's session beyond this many live processes.
MAX_ALIVE = 6

# A script still running this long after a child printed the bootstrapping
# error is stuck (a Pool replacing its dying workers for ever): it is stopped.
STUCK_AFTER_ERROR_S = 1.5

BOOTSTRAP_ERROR = "current process has finished its bootstrapping phase"

# multiprocessing-module §2 and §4, as printed (no guard).
POOL_MAP = '''\
from multiprocessing import Pool
import time
import math

def heavy(n):
    return sum(math.sqrt(i) for i in range(n))

N = 10_000_00

start = time.perf_counter()

with Pool() as pool:
    results = pool.map(heavy, [N] * 4)

print("Results:", results)
print("Time:", round(time.perf_counter() - start, 2))
'''

EXECUTOR_MAP = '''\
from concurrent.futures import ProcessPoolExecutor

def compute(x):
    return x * x

with ProcessPoolExecutor() as executor:
    results = executor.map(compute, range(10))

print(list(results))
'''

# (short name, file name, source, where the document prints it)
EXAMPLES = (
    ("Pool.map", "pool_map_example.py", POOL_MAP, "multiprocessing-module §2"),
    ("ProcessPoolExecutor", "executor_example.py", EXECUTOR_MAP, "multiprocessing-module §4"),
)

# Runs a script as `python script.py` does, with another start method first set.
WITH_START_METHOD = ("import multiprocessing, runpy, sys; multiprocessing.set_start_method(sys.argv[1]); "
                     "path = sys.argv[2]; sys.argv = sys.argv[2:]; runpy.run_path(path, run_name='__main__')")

# Variables of this process that would change how the script runs.
DROPPED_VARIABLES = ("PYTHONSTARTUP", "PYTHONPATH", "PYTHONHOME", "PYTHONEXECUTABLE")

_EXCEPTION_LINE = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt)):(.*)$")


def processes_in_session(session):
    """Live processes whose session id is ``session``."""
    return len(session_members(session, live_only=True))


def session_members(session, live_only=False):
    """PIDs whose session id is ``session``; zombies too unless ``live_only``."""
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry, encoding="ascii", errors="replace") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if len(fields) > 3 and int(fields[3]) == session and not (live_only and fields[0] in ("Z", "X")):
            members.append(int(entry))
    return members


def kill_session(session):
    """Kills every process of ``session`` and reaps those that became this process's
    children: a host that adopts orphans (gil-lab does) would otherwise keep their
    zombies until it ends."""
    members = session_members(session)
    try:
        os.killpg(session, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    waiting = [pid for pid in members if pid != session]  # the script: its Popen reaps it
    deadline = time.monotonic() + 1.0
    while waiting and time.monotonic() < deadline:
        for pid in list(waiting):
            try:
                done, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                done = pid  # not ours: its own parent reaps it
            if done:
                waiting.remove(pid)
        if waiting:
            time.sleep(0.001)


def reason():
    """None where scripts can run under these caps, else why not (Linux's /proc and sessions)."""
    if not os.path.isdir("/proc") or not hasattr(os, "killpg"):
        return "this counts processes through /proc and ends them by session: Linux only"
    return None


def exception_lines(stderr):
    """The exceptions a run printed, in order, each once: ``["RuntimeError: An attempt ...", ...]``.

    A message that starts on the next line (the bootstrapping RuntimeError's) is
    joined to its name.
    """
    lines = stderr.splitlines()
    found = []
    for i, line in enumerate(lines):
        match = _EXCEPTION_LINE.match(line)
        if not match:
            continue
        message = match.group(2).strip()
        if not message:  # the bootstrapping error's sentence spans the next lines
            words = []
            for rest in lines[i + 1:i + 5]:
                if rest.startswith(("Traceback (most recent call last)", "  File ")):
                    # Another child's traceback, interleaved on the shared stderr.
                    continue
                if rest.strip():
                    words.append(rest.strip())
                elif words:
                    break
                if words and words[-1].endswith("."):
                    break
            message = " ".join(words)
        text = ("%s: %s" % (match.group(1), message)).strip()
        if text not in found:
            found.append(text)
    return found


def _printed(path, text):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return text in f.read()
    except OSError:
        return False


def run_script(folder, name, source, args=(), seconds=30.0, python=None, method=None, env=None,
               max_alive=MAX_ALIVE, stuck_after_error_s=STUCK_AFTER_ERROR_S):
    """Writes ``source`` to ``folder/name`` and runs it with ``python`` (this one by default),
    as ``python name ARGS``; with ``method``, under that start method instead of the default.

    Returns ``stdout``, ``stderr``, ``returncode`` (None when it was stopped), ``stopped_by``
    (``"timeout"``, ``"process cap"``, ``"stuck"`` when it kept running ``stuck_after_error_s``
    after a child's bootstrapping error (None: never), or None), ``most_alive``, ``seconds``, ``exceptions``,
    ``bootstrap_errors``, ``left_alive`` (processes of its session still alive after it
    ended, before they were killed) and ``command``.
    """
    script = os.path.join(folder, name)
    with open(script, "w", encoding="utf-8") as f:
        f.write(source)
    python = python or sys.executable
    command = ([python, "-c", WITH_START_METHOD, method, script] if method else [python, script]) + list(args)
    environment = {k: v for k, v in (env or os.environ).items() if k not in DROPPED_VARIABLES}
    out_path, err_path = script + ".out", script + ".err"
    most_alive, stopped_by, left_alive, error_at = 1, None, 0, None
    with open(out_path, "w") as out, open(err_path, "w") as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                   env=environment, cwd=folder, start_new_session=True)
        try:
            while process.poll() is None:
                most_alive = max(most_alive, processes_in_session(process.pid))
                now = time.perf_counter()
                if error_at is None and stuck_after_error_s is not None and _printed(err_path, BOOTSTRAP_ERROR):
                    error_at = now
                if most_alive > max_alive:
                    stopped_by = "process cap"
                elif error_at is not None and now - error_at > stuck_after_error_s:
                    stopped_by = "stuck"
                elif now - start > seconds:
                    stopped_by = "timeout"
                if stopped_by:
                    break
                time.sleep(0.002)  # a bomb doubles fast: look often
            elapsed = time.perf_counter() - start
            if stopped_by is None:
                left_alive = processes_in_session(process.pid)
        finally:
            kill_session(process.pid)
            process.wait()
            kill_session(process.pid)  # anything its children started meanwhile
    with open(out_path, encoding="utf-8", errors="replace") as f:
        stdout = f.read()
    with open(err_path, encoding="utf-8", errors="replace") as f:
        stderr = f.read()
    return {
        "stdout": stdout,
        "stderr": stderr,
        "returncode": None if stopped_by else process.returncode,
        "stopped_by": stopped_by,
        "most_alive": most_alive,
        "seconds": elapsed,
        "exceptions": exception_lines(stderr),
        "bootstrap_errors": stderr.count(BOOTSTRAP_ERROR),
        "left_alive": left_alive,
        "command": command,
    }


def outcome(run):
    """One line for a run: ``exit code 0``, ``exit code 1: ConnectionResetError: ...``, ``killed at 3 s``."""
    if run["stopped_by"] == "timeout":
        text = "still running at its %.0f s limit, killed" % run["seconds"]
    elif run["stopped_by"] == "stuck":
        text = "stuck, still running %.1f s after a child failed, killed" % STUCK_AFTER_ERROR_S
    elif run["stopped_by"] == "process cap":
        text = "killed at more than %d live processes" % MAX_ALIVE
    else:
        text = "exit code %d" % run["returncode"]
    if run["exceptions"]:
        text += ": " + run["exceptions"][-1].rstrip(".")
    return text


def worked(run):
    """The script ended by itself with exit code 0."""
    return run["stopped_by"] is None and run["returncode"] == 0


def default_start_method(python=None):
    """The default start method of ``python`` (this interpreter by default), or None if it cannot say."""
    python = python or sys.executable
    if python == sys.executable:
        import multiprocessing

        return multiprocessing.get_start_method(allow_none=True) or multiprocessing.get_context().get_start_method()
    try:
        done = subprocess.run([python, "-c", "import multiprocessing as m; print(m.get_start_method())"],
                              capture_output=True, text=True, timeout=60,
                              env={k: v for k, v in os.environ.items() if k not in DROPPED_VARIABLES})
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() or None


def version(python):
    """``3.14.10`` of an interpreter, or None."""
    if python == sys.executable:
        return "%d.%d.%d" % sys.version_info[:3]
    try:
        done = subprocess.run([python, "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
                              capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() or None


def try_examples(folder, python=None, methods=(None,), seconds=3.0):
    """Each document example run unguarded with ``python`` under each of ``methods``
    (None: the interpreter's own default, run exactly as ``python script.py``).

    Returns a list of ``{"example", "where", "method", "default", "run"}``.
    """
    default = default_start_method(python)
    rows = []
    chosen = []
    for method in methods:
        if (method or default) not in [m or default for m in chosen]:
            chosen.append(method)
    for method in chosen:
        for example, name, source, where in EXAMPLES:
            run = run_script(folder, name, source, seconds=seconds, python=python,
                             method=None if method in (None, default) else method)
            rows.append({"example": example, "where": where, "method": method or default,
                         "default": method in (None, default), "run": run})
    return rows
