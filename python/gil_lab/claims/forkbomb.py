"""Claims 10 and 15. Claim 10: without the ``__main__`` guard, spawn "recursively clones the file,
spawning infinite armies".

Small scripts without the guard are written to a temporary folder and run with
``sys.executable`` in a session of their own, under three caps: a depth counter
in the environment that refuses to start processes at depth 2, a watcher that
kills the whole session when more than ``MAX_ALIVE`` of its processes are alive
or when the run's time is up, and a final kill of the session whatever happened
(:mod:`gil_lab.lessons_support.unguarded` runs them).

Claim 15: the guard is said to matter where spawn re-imports the script
(Windows, macOS), while the multiprocessing document prints its Pool.map and
ProcessPoolExecutor examples without it. They run as printed on Linux up to
3.13 (fork), and crash from 3.14, whose default on Linux is forkserver.
"""

import multiprocessing
import os
import sys
import tempfile
import textwrap

from gil_lab.claims import measure
from gil_lab.claims.measure import Verdict
from gil_lab.lessons_support import unguarded
from gil_lab.runtime import processes, pythons
from gil_lab.runtime.facts import interpreter_label

MAX_DEPTH = 2  # a script at this depth refuses to start anything
MAX_ALIVE = unguarded.MAX_ALIVE  # the watcher kills the session beyond this many live processes

# Recursion means a child starts children of its own: reaching depth 2 (a
# grandchild) or the process cap is a bomb; staying at depth 1 is not.
BOMB_DEPTH = 2

DEPTH_VARIABLE = "GIL_LAB_BOMB_DEPTH"

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


def run_capped(folder, name, source, method, seconds):
    """Runs ``source`` as a script in its own session under the caps; what it did."""
    env = dict(os.environ, **{DEPTH_VARIABLE: "0"})
    run = unguarded.run_script(folder, name, source, args=(method,), seconds=seconds, env=env, max_alive=MAX_ALIVE,
                               stuck_after_error_s=None)
    depths = [int(line.split("]")[0].split()[1]) for line in run["stdout"].splitlines()
              if line.startswith("[depth ")]
    return {
        "top_level_runs": run["stdout"].count("top-level code runs"),
        "deepest": max(depths, default=0),
        "bootstrap_errors": run["bootstrap_errors"],
        "most_alive": run["most_alive"],
        "stopped_by": run["stopped_by"],
        "capped": "depth cap reached" in run["stdout"],
        "seconds": run["seconds"],
        "outcome": unguarded.outcome(run),
        "worked": unguarded.worked(run),
    }


def fork_bomb(quick, interpreters):
    if unguarded.reason() is not None:
        return measure.cannot_test("unguarded scripts run under caps", unguarded.reason())
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
        return Verdict.HOLDS, ("the processes multiplied (%s reached depth %d or %d live processes) until the caps "
                         "stopped them" % (", ".join(exploded), BOMB_DEPTH, MAX_ALIVE))
    spawn, pool = runs["spawn"], runs["pool"]
    default_text = ""
    if default in runs and default != "spawn":
        run = runs[default]
        default_text = ("; under %s (this interpreter's default) the loose code ran %d time(s) and the script %s"
                        % (default, run["top_level_runs"],
                           "worked" if run.get("worked", True) else "failed (%s)" % run.get("outcome", "")))
    pool_text = ("the unguarded Pool kept replacing crashed workers (%d in %.0f s, at most %d processes): a hang, "
                 "not a bomb" % (pool["bootstrap_errors"], pool_seconds, pool["most_alive"])
                 if pool["stopped_by"] == "timeout" else
                 "the unguarded Pool ended by itself (%d crashed workers)" % pool["bootstrap_errors"])
    return Verdict.DOES_NOT_HOLD, ("with spawn the child re-ran the loose code once (depth %d) and CPython stopped it "
                             "with RuntimeError \"An attempt has been made to start a new process before the "
                             "current process has finished its bootstrapping phase\"; %s%s"
                             % (spawn["deepest"], pool_text, default_text))


# --------------------------------------------------------------------------
# 15. From 3.14 the guard matters on Linux too
# --------------------------------------------------------------------------

# The start methods Linux offers that a reader meets: fork (the default up to
# 3.13) and forkserver (the default from 3.14).
LINUX_METHODS = ("fork", "forkserver")


def _label(entry):
    """``CPython 3.14.10 (GIL)`` for another interpreter, from its version."""
    version = unguarded.version(entry["path"]) or str(entry.get("version") or entry.get("spec"))
    return "CPython %s (%s)" % (version, "free-threaded" if entry.get("free_threaded") else "GIL")


def guard_runs(quick, interpreters):
    """``[(label, (major, minor), rows)]``: the examples unguarded in this interpreter under each
    Linux start method, and in the other interpreters under their own default."""
    methods = [m for m in LINUX_METHODS if m in multiprocessing.get_all_start_methods()]
    seconds = 3.0 if quick else 10.0
    if quick:
        newest = pythons.pick(interpreters, min_version=(3, 14), free_threaded=False)
        others = [newest] if newest is not None else []
    else:
        others = pythons.others(interpreters)
    found = []
    with tempfile.TemporaryDirectory(prefix="gil-lab-guard-") as folder:
        found.append((interpreter_label(), tuple(sys.version_info[:2]),
                      unguarded.try_examples(folder, None, [None] + methods, seconds)))
        for entry in others:
            found.append((_label(entry), pythons.version_of(entry)[:2],
                          unguarded.try_examples(folder, entry["path"], (None,), seconds)))
    return found


def guard_figures(found):
    figures = []
    for label, _, rows in found:
        for row in rows:
            run = row["run"]
            name = "%s, %s%s" % (row["example"], row["method"], " (default)" if row["default"] else "")
            figures.append(measure.flag(name + ": ran to the end, exit code 0", unguarded.worked(run), label,
                                        key=row["default"]))
            if run["returncode"] is not None:
                figures.append(measure.figure(name + ": exit code", run["returncode"], "exit code", label,
                                              key=False))
            figures.append(measure.figure(name + ": seconds until it ended or was stopped", run["seconds"], "s",
                                          label, key=False))
            figures.append(measure.figure(name + ": processes left when it ended (then killed)",
                                          run["left_alive"], "processes", label, key=False))
    return figures


def guard_on_linux(quick, interpreters):
    experiment = ("the multiprocessing document's §2 (Pool.map) and §4 (ProcessPoolExecutor) examples as "
                  "printed, without `if __name__ == '__main__':`, run as `python script.py` in a session of "
                  "their own under fork and forkserver, limited to %d live processes and a few seconds, the "
                  "session killed afterwards" % unguarded.MAX_ALIVE)
    if unguarded.reason() is not None:
        return measure.cannot_test(experiment, unguarded.reason())
    found = guard_runs(quick, interpreters)
    verdict, why = judge_guard(found)
    return measure.outcome(experiment, guard_figures(found), verdict, why,
                           interpreter=", ".join(label for label, _, _ in found))


def _runs_text(label, rows):
    return "; ".join("%s under %s%s: %s" % (row["example"], row["method"], " (default)" if row["default"] else "",
                                             unguarded.outcome(row["run"])) for row in rows)


def judge_guard(found):
    """Holds when a 3.14+ interpreter's own default fails the unguarded examples on Linux."""
    recent = [(label, rows) for label, version, rows in found if version >= (3, 14)]
    defaults = [(label, [r for r in rows if r["default"]]) for label, rows in recent]
    fork_worked = [label for label, _, rows in found
                   if any(r["method"] == "fork" and unguarded.worked(r["run"]) for r in rows)]
    everything = " | ".join("%s: %s" % (label, _runs_text(label, rows)) for label, _, rows in found)
    if defaults:
        failing = [(label, rows) for label, rows in defaults
                   if any(not unguarded.worked(r["run"]) for r in rows)]
        if failing:
            return Verdict.HOLDS, ("on Linux the guard matters from 3.14: %s fail%s the unguarded examples under %s, "
                             "%s default start method, while fork %s ran them (%s)"
                             % (", ".join(label for label, _ in failing), "s" if len(failing) == 1 else "",
                                failing[0][1][0]["method"], "its" if len(failing) == 1 else "their",
                                "in " + ", ".join(fork_worked) if fork_worked else "never",
                                everything))
        return Verdict.DOES_NOT_HOLD, ("the unguarded examples ran under the default start method of %s: %s"
                                 % (", ".join(label for label, _ in defaults), everything))
    forkserver_failed = any(r["method"] == "forkserver" and not unguarded.worked(r["run"])
                            for _, _, rows in found for r in rows)
    if forkserver_failed:
        return Verdict.DEPENDS, ("on the start method: fork ran the unguarded examples and forkserver, Linux's "
                           "default from 3.14, did not (%s); no 3.14 was found to run them with its own "
                           "default: %s" % (everything, pythons.command_for("3.14")))
    return Verdict.DOES_NOT_HOLD, "the unguarded examples ran under every start method tried: " + everything
