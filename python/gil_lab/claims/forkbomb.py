"""Claim 10: without the ``__main__`` guard, spawn "recursively clones the file,
spawning infinite armies".

Small scripts without the guard are written to a temporary folder and run with
``sys.executable`` in a session of their own, under three caps: a depth counter
in the environment that refuses to start processes at depth 2, a watcher that
kills the whole session when more than ``MAX_ALIVE`` of its processes are alive
or when the run's time is up, and a final kill of the session whatever happened.
"""

import multiprocessing
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time

from gil_lab import processes
from gil_lab.claims import measure

MAX_DEPTH = 2  # a script at this depth refuses to start anything
MAX_ALIVE = 8  # the watcher kills the session beyond this many live processes

# Recursion means a child starts children of its own: reaching depth 2 (a
# grandchild) or the process cap is a bomb; staying at depth 1 is not.
BOMB_DEPTH = 2

DEPTH_VARIABLE = "GIL_LAB_BOMB_DEPTH"
BOOTSTRAP_ERROR = "current process has finished its bootstrapping phase"

HEADER = textwrap.dedent("""\
    import multiprocessing as mp
    import os
    import sys

    DEPTH = int(os.environ.get("{var}", "0"))
    print("[depth %d] top-level code runs as %s" % (DEPTH, __name__), flush=True)
    if DEPTH >= {cap}:
        print("[depth %d] depth cap reached" % DEPTH, flush=True)
        sys.exit(3)
    os.environ["{var}"] = str(DEPTH + 1)


    def forge_weapon(astra_name):
        return astra_name.upper()

""").format(var=DEPTH_VARIABLE, cap=MAX_DEPTH)

UNGUARDED_PROCESS = HEADER + textwrap.dedent("""\
    p = mp.get_context(sys.argv[1]).Process(target=forge_weapon, args=("Brahmastra",))
    p.start()
    p.join()
""")

UNGUARDED_POOL = HEADER + textwrap.dedent("""\
    with mp.get_context(sys.argv[1]).Pool(2) as pool:
        print(pool.map(forge_weapon, ["Brahmastra", "Vajra"]), flush=True)
""")


def processes_in_session(session):
    """Live processes whose session id is ``session``."""
    count = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry, encoding="ascii", errors="replace") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if len(fields) > 3 and int(fields[3]) == session and fields[0] not in ("Z", "X"):
            count += 1
    return count


def kill_session(session):
    try:
        os.killpg(session, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def run_capped(folder, name, source, method, seconds):
    """Runs ``source`` as a script in its own session under the caps; what it did."""
    script = os.path.join(folder, name)
    with open(script, "w", encoding="utf-8") as f:
        f.write(source)
    out_path, err_path = script + ".out", script + ".err"
    env = dict(os.environ, **{DEPTH_VARIABLE: "0"})
    env.pop("PYTHONSTARTUP", None)
    most_alive, stopped_by = 1, None
    with open(out_path, "w") as out, open(err_path, "w") as err:
        start = time.perf_counter()
        process = subprocess.Popen([sys.executable, script, method], stdout=out, stderr=err,
                                   stdin=subprocess.DEVNULL, env=env, cwd=folder, start_new_session=True)
        try:
            while process.poll() is None:
                most_alive = max(most_alive, processes_in_session(process.pid))
                if most_alive > MAX_ALIVE:
                    stopped_by = "process cap"
                elif time.perf_counter() - start > seconds:
                    stopped_by = "timeout"
                if stopped_by:
                    break
                time.sleep(0.01)
        finally:
            kill_session(process.pid)
            process.wait()
            kill_session(process.pid)  # anything the script's children started meanwhile
        elapsed = time.perf_counter() - start
    with open(out_path, encoding="utf-8", errors="replace") as f:
        stdout = f.read()
    with open(err_path, encoding="utf-8", errors="replace") as f:
        stderr = f.read()
    depths = [int(line.split("]")[0].split()[1]) for line in stdout.splitlines() if line.startswith("[depth ")]
    return {
        "top_level_runs": stdout.count("top-level code runs"),
        "deepest": max(depths, default=0),
        "bootstrap_errors": stderr.count(BOOTSTRAP_ERROR),
        "most_alive": most_alive,
        "stopped_by": stopped_by,
        "capped": "depth cap reached" in stdout,
        "seconds": elapsed,
    }


def fork_bomb(quick, interpreters):
    if not os.path.isdir("/proc") or not hasattr(os, "killpg"):
        return measure.cannot_test("unguarded scripts run under caps",
                                   "this check counts processes through /proc and ends them by session: Linux only")
    default = processes.default_context().get_start_method()
    pool_seconds = 1.0 if quick else 3.0
    runs = {}
    with tempfile.TemporaryDirectory(prefix="gil-lab-bomb-") as folder:
        runs["spawn"] = run_capped(folder, "unguarded_process.py", UNGUARDED_PROCESS, "spawn", 30)
        if default != "spawn" and default in multiprocessing.get_all_start_methods():
            runs[default] = run_capped(folder, "unguarded_process.py", UNGUARDED_PROCESS, default, 30)
        runs["pool"] = run_capped(folder, "unguarded_pool.py", UNGUARDED_POOL, "spawn", pool_seconds)
    spawn, pool = runs["spawn"], runs["pool"]
    figures = [
        measure.figure("spawn, unguarded Process: deepest re-run", spawn["deepest"], "levels"),
        measure.figure("spawn: bootstrapping RuntimeErrors", spawn["bootstrap_errors"], "errors"),
        measure.figure("spawn: most processes alive at once", spawn["most_alive"], "processes"),
    ]
    if default in runs and default != "spawn":
        figures.append(measure.figure("%s (default): top-level runs" % default, runs[default]["top_level_runs"], "runs"))
    figures += [
        measure.figure("spawn, unguarded Pool: crashed workers in %.0f s" % pool_seconds,
                       pool["bootstrap_errors"], "workers"),
        measure.figure("spawn, unguarded Pool: most processes alive", pool["most_alive"], "processes"),
        measure.flag("spawn, unguarded Pool: still running at its time limit", pool["stopped_by"] == "timeout",
                     key=False),
    ]
    experiment = ("scripts that start a Process or a Pool(2) outside `if __name__ == '__main__'`, run with "
                  "spawn%s, capped at depth %d, %d live processes and a time limit"
                  % (" and %s" % default if default != "spawn" else "", MAX_DEPTH, MAX_ALIVE))
    return measure.outcome(experiment, figures, *judge_bomb(runs, default, pool_seconds))


def judge_bomb(runs, default, pool_seconds):
    exploded = [name for name, r in runs.items()
                if r["deepest"] >= BOMB_DEPTH or r["stopped_by"] == "process cap" or r["capped"]]
    if exploded:
        return "holds", ("the processes multiplied (%s reached depth %d or %d live processes) until the caps "
                         "stopped them" % (", ".join(exploded), BOMB_DEPTH, MAX_ALIVE))
    spawn, pool = runs["spawn"], runs["pool"]
    default_text = ""
    if default in runs and default != "spawn":
        default_text = ("; under %s (this platform's default) the loose code ran %d time(s) and worked"
                        % (default, runs[default]["top_level_runs"]))
    pool_text = ("the unguarded Pool kept replacing crashed workers (%d in %.0f s, at most %d processes): a hang, "
                 "not a bomb" % (pool["bootstrap_errors"], pool_seconds, pool["most_alive"])
                 if pool["stopped_by"] == "timeout" else
                 "the unguarded Pool ended by itself (%d crashed workers)" % pool["bootstrap_errors"])
    return "does not hold", ("with spawn the child re-ran the loose code once (depth %d) and CPython stopped it "
                             "with RuntimeError \"An attempt has been made to start a new process before the "
                             "current process has finished its bootstrapping phase\"; %s%s"
                             % (spawn["deepest"], pool_text, default_text))
