"""The Fork Bomb Guard: why `if __name__ == "__main__":` is mandatory.

With the spawn start method (the default on Windows and macOS) every child
re-imports your script from top to bottom, so loose code that starts processes
runs again in each child. The document warns of an infinite bomb; on a modern
CPython the child is stopped first by a bootstrapping check (a RuntimeError),
and a Pool then keeps replacing its crashing workers forever instead. This
lesson writes small scripts WITHOUT the guard to a temporary folder and runs
them with sys.executable under strict caps: a depth counter in an environment
variable refuses to go deeper than depth 2, every run has a timeout, and the
lesson counts how many processes were ever alive at once. Then the guarded
version runs cleanly.

Last, the multiprocessing document's Pool.map and ProcessPoolExecutor examples,
printed without the guard, run as typed under fork and forkserver and in every
installed interpreter: Linux's default was fork up to 3.13 and is forkserver
from 3.14, which re-imports the script, so they work on 3.11 and crash on 3.14.

Document: true-parallelism-day14 §6 Dangers: RAM Outages & The Fork Bomb
Demonstrates: without the __main__ guard, spawn and forkserver children re-run the script's loose code; from 3.14 that breaks the document's examples on Linux too.
Requires: 3.8
Start methods: yes
"""

import multiprocessing
import os
import sys
import tempfile
import textwrap

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _lab
from gil_lab.lessons_support import unguarded
from gil_lab.runtime import pythons

MAX_DEPTH = 2  # hard cap: a script at this depth refuses to start anything
DEPTH_VAR = "GIL_LAB_BOMB_DEPTH"

HEADER = textwrap.dedent(f"""\
    import multiprocessing as mp
    import os
    import sys

    DEPTH = int(os.environ.get("{DEPTH_VAR}", "0"))
    print(f"[depth {{DEPTH}}] PID {{os.getpid()}} runs the script's top-level code as {{__name__}}", flush=True)
    if DEPTH >= {MAX_DEPTH}:  # safety net of this lab, not part of the lesson
        print(f"[depth {{DEPTH}}] depth cap reached: refusing to start more processes", flush=True)
        sys.exit(3)
    os.environ["{DEPTH_VAR}"] = str(DEPTH + 1)  # children inherit the environment


    def forge_weapon(astra_name):
        print(f"[child] forging {{astra_name}} in PID {{os.getpid()}}", flush=True)
        return astra_name.upper()

""")

# The mistake: process creation is loose in the file.
UNGUARDED_PROCESS = HEADER + textwrap.dedent("""\
    ctx = mp.get_context(sys.argv[1])
    p = ctx.Process(target=forge_weapon, args=("Brahmastra",))
    p.start()
    p.join()
    print(f"[depth {DEPTH}] child exit code: {p.exitcode}", flush=True)
""")

UNGUARDED_POOL = HEADER + textwrap.dedent("""\
    ctx = mp.get_context(sys.argv[1])
    with ctx.Pool(2) as pool:
        print(pool.map(forge_weapon, ["Brahmastra", "Vajra"]), flush=True)
""")

# The fix: the same code behind the guard.
GUARDED_POOL = HEADER + textwrap.dedent("""\
    if __name__ == "__main__":
        ctx = mp.get_context(sys.argv[1])
        with ctx.Pool(2) as pool:
            print(pool.map(forge_weapon, ["Brahmastra", "Vajra"]), flush=True)
""")


def run_capped(folder, name, source, method, timeout):
    """Run SOURCE as a script in its own session; kill the whole session at TIMEOUT."""
    env = dict(os.environ, **{DEPTH_VAR: "0"})
    r = unguarded.run_script(folder, name, source, args=(method,), seconds=timeout, env=env,
                             stuck_after_error_s=None)
    r.update({
        "timed_out": r["stopped_by"] is not None, "elapsed": r["seconds"], "max_alive": r["most_alive"],
        "top_level_runs": r["stdout"].count("runs the script's top-level code"),
        "max_depth": max([int(line.split("]")[0].split()[1]) for line in r["stdout"].splitlines()
                          if line.startswith("[depth ")] or [0]),
        "capped": "depth cap reached" in r["stdout"],
    })
    return r


def other_interpreters():
    """(label, path) of the interpreters scripts/install-pythons.sh installed, with the GIL, but this one."""
    here = os.path.realpath(sys.executable)
    found = []
    for entry in pythons.installed():
        if entry["free_threaded"] or os.path.realpath(entry["path"]) == here:
            continue
        version = unguarded.version(entry["path"])
        if version:
            found.append((version, entry["path"]))
    return found


def show_examples(folder, seconds):
    """The document's two examples without the guard, per interpreter and start method."""
    here = sys.version.split()[0]
    methods = [None] + [m for m in ("fork", "forkserver") if m in multiprocessing.get_all_start_methods()]
    grid = [(here, row) for row in unguarded.try_examples(folder, None, methods, seconds)]
    for version, path in other_interpreters():
        grid += [(version, row) for row in unguarded.try_examples(folder, path, (None,), seconds)]
    print(f"-- The multiprocessing document's examples as printed (no guard), `python script.py`, "
          f"{seconds:.0f} s limit each, stopped {unguarded.STUCK_AFTER_ERROR_S} s after a child failed")
    print(f"   {'Python':<9} {'start method':<25} {'example':<20} what happened")
    for version, row in grid:
        method = row["method"] + (" (its default)" if row["default"] else "")
        print(f"   {version:<9} {method:<25} {row['example']:<20} {unguarded.outcome(row['run'])}")
    left = sum(row["run"]["left_alive"] for _, row in grid)
    print(f"   ({left} process(es) were still alive when their script had ended; every session was killed "
          "afterwards)\n")
    return grid


def show(title, r):
    print(f"-- {title}")
    for line in r["stdout"].splitlines()[:6]:
        print(f"   | {line}")
    extra = r["stdout"].count("\n") - 6
    if extra > 0:
        print(f"   | ... {extra} more lines")
    if r["bootstrap_errors"]:
        print("   ! children died with: RuntimeError: An attempt has been made to start a new process")
        print("   !   before the current process has finished its bootstrapping phase.")
    status = "killed at the timeout" if r["timed_out"] else f"exit code {r['returncode']}"
    print(f"   => {status} after {r['elapsed']:.2f} s; top-level code ran {r['top_level_runs']} time(s); "
          f"deepest level {r['max_depth']}; {r['bootstrap_errors']} bootstrap RuntimeError(s); "
          f"at most {r['max_alive']} processes alive at once\n")


def main():
    args = _lab.parse_args(__doc__, start_methods=True)
    ctx = _lab.context(args.start_method)
    _lab.intro(__doc__, ctx)
    method = ctx.get_start_method()
    pool_timeout = 1.0 if args.quick else 3.0

    print(f"Caps: depth counter {DEPTH_VAR} stops at depth {MAX_DEPTH}; each run has a timeout.\n")
    with tempfile.TemporaryDirectory(prefix="gil-lab-bomb-") as folder:
        spawn_process = run_capped(folder, "unguarded_process.py", UNGUARDED_PROCESS, "spawn", 20)
        show("Unguarded mp.Process, spawn (what Windows and macOS do)", spawn_process)

        chosen_process = None
        if method != "spawn":
            chosen_process = run_capped(folder, "unguarded_process.py", UNGUARDED_PROCESS, method, 20)
            show(f"Unguarded mp.Process, {method} (this run's start method)", chosen_process)

        pool = run_capped(folder, "unguarded_pool.py", UNGUARDED_POOL, "spawn", pool_timeout)
        show(f"Unguarded Pool(2), spawn, killed after {pool_timeout:.0f} s", pool)

        guard_method = method
        guarded = run_capped(folder, "guarded_pool.py", GUARDED_POOL, guard_method, 20)
        show(f"Guarded Pool(2), {guard_method}: the fix", guarded)

        grid = show_examples(folder, 20.0)

    parts = [
        f"unguarded under spawn, the child re-ran the top-level code and died with the bootstrapping "
        f"RuntimeError ({spawn_process['bootstrap_errors']} error(s), deepest level {spawn_process['max_depth']}, "
        f"depth cap {'hit' if spawn_process['capped'] else 'never needed'})"
    ]
    if chosen_process is not None:
        if chosen_process["bootstrap_errors"]:
            parts.append(f"{method} behaved the same way ({chosen_process['bootstrap_errors']} error(s))")
        else:
            parts.append(f"{method} copied the running parent instead of re-importing, so the "
                         f"loose code ran only {chosen_process['top_level_runs']} time(s) and worked")
    pool_state = ("never finished" if pool["timed_out"] else f"ended with exit code {pool['returncode']}")
    parts.append(f"the unguarded Pool {pool_state}: it replaced {pool['bootstrap_errors']} crashed "
                 f"workers in {pool['elapsed']:.1f} s with at most {pool['max_alive']} processes alive, "
                 "an endless loop rather than an exponential bomb")
    reran = guarded["top_level_runs"] - 1
    parts.append(f"with the guard the pool finished normally (exit code {guarded['returncode']}, "
                 f"{guarded['bootstrap_errors']} errors"
                 + (f"; the unguarded top-level print still ran in {reran} child(ren), "
                    "because only the guarded block is skipped on re-import)" if reran > 0 else ")"))
    failed = sorted({f"{version} {row['method']}" for version, row in grid if not unguarded.worked(row["run"])})
    ran = sorted({f"{version} {row['method']}" for version, row in grid} - set(failed))
    parts.append("the document's Pool.map and ProcessPoolExecutor examples, printed without the guard, "
                 f"ran under {', '.join(ran) or 'none of the interpreters and start methods tried'} and "
                 f"failed under {', '.join(failed) or 'none'}"
                 " (forkserver, Linux's default from 3.14, imports the script in its server process, which fails "
                 "starting the loose pool): on Linux too the guard is no longer optional")
    _lab.conclusion("; ".join(parts) + ".")


if __name__ == "__main__":
    main()
