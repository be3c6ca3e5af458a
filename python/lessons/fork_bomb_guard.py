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

Document: true-parallelism-day14 §6 Dangers: RAM Outages & The Fork Bomb
Demonstrates: without the __main__ guard, spawn children re-run the script's loose code; CPython stops them with a RuntimeError.
Requires: 3.8
Start methods: yes
"""

import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _lab

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


def processes_in_session(sid):
    """How many live processes belong to session SID (the script and its children)."""
    count = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        # fields: state, ppid, pgrp, session, ...
        if int(fields[3]) == sid and fields[0] not in ("Z", "X"):
            count += 1
    return count


def run_capped(folder, name, source, method, timeout):
    """Run SOURCE as a script in its own session; kill the whole session at TIMEOUT."""
    script = os.path.join(folder, name)
    with open(script, "w") as f:
        f.write(source)
    out_path, err_path = script + ".out", script + ".err"
    env = dict(os.environ, **{DEPTH_VAR: "0"})
    with open(out_path, "w") as out, open(err_path, "w") as err:
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, script, method], stdout=out, stderr=err,
                                env=env, cwd=folder, start_new_session=True)
        max_alive, timed_out = 1, False
        while proc.poll() is None:
            max_alive = max(max_alive, processes_in_session(proc.pid))
            if time.perf_counter() - start > timeout:
                timed_out = True
                os.killpg(proc.pid, signal.SIGKILL)  # the script and everything it started
                proc.wait()
                break
            time.sleep(0.01)
        elapsed = time.perf_counter() - start
    # Anything of that session still alive (e.g. orphans of a crashed child)? End it.
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    with open(out_path) as f:
        stdout = f.read()
    with open(err_path) as f:
        stderr = f.read()
    return {
        "stdout": stdout, "stderr": stderr, "returncode": proc.returncode,
        "timed_out": timed_out, "elapsed": elapsed, "max_alive": max_alive,
        "top_level_runs": stdout.count("runs the script's top-level code"),
        "max_depth": max([int(line.split("]")[0].split()[1]) for line in stdout.splitlines()
                          if line.startswith("[depth ")] or [0]),
        "bootstrap_errors": stderr.count("current process has finished its bootstrapping phase"),
        "capped": "depth cap reached" in stdout,
    }


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
    _lab.conclusion("; ".join(parts) + ".")


if __name__ == "__main__":
    main()
