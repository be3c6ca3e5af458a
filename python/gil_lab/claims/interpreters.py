"""Claims about subinterpreters: same PID, parallel, the memory they save, and
the name of the 3.14 module."""

import importlib.util
import multiprocessing
import os
import statistics
import sys

from gil_lab.claims import measure
from gil_lab.claims.measure import Verdict
from gil_lab.experiments import memory
from gil_lab.harness import models
from gil_lab.kernels.tasks import sum_squares
from gil_lab.runtime import interpreters as interpreters_api
from gil_lab.runtime import machine, processes, pythons
from gil_lab.runtime.facts import interpreter_label
from gil_lab.runtime.interpreters import Subinterpreter

# Two own-GIL interpreters on two free cores approach 2x; sharing one GIL
# they stay at or below 1x; 1.5x lies halfway.
PARALLEL_SPEEDUP = 1.5

# The document: an interpreter pool would "cut the memory footprint by 80%".
CLAIMED_CUT = 0.80

DOCS_314 = "https://docs.python.org/3.14/library/concurrent.interpreters.html"
MODULE_NAMES = ("interpreters", "concurrent.interpreters", "_interpreters", "_xxsubinterpreters",
                "interpreters_backport")
KEY_MODULES = ("interpreters", "concurrent.interpreters")


# --------------------------------------------------------------------------
# 5. Subinterpreters: same PID, in parallel, "zero memory duplication", "cut memory by 80 %"
# --------------------------------------------------------------------------

def runs_own_gil_subinterpreters():
    """The harness drives own-GIL subinterpreters through 3.13's ``_interpreters``."""
    return sys.version_info >= (3, 12) and models.subinterpreters_reason() is None


def pid_seen_by_subinterpreter():
    reader, writer = os.pipe()
    try:
        with Subinterpreter() as sub:
            sub.exec("import os\nos.write(fd, str(os.getpid()).encode())\n", fd=writer)
        return int(os.read(reader, 64).decode())
    finally:
        os.close(reader)
        os.close(writer)


def parallel_speedups(n, rounds, control):
    """Two tasks in a row in this interpreter against one task in each of two subinterpreters
    (and, as the machine's control, one in each of two processes)."""
    speedups, capacity = [], []
    for _ in range(rounds):
        sequential = processes.timed(models.sequential, "sum_squares", n, 2, n)
        speedups.append(sequential / processes.timed(models.subinterpreters, "sum_squares", n, 2, n, 2))
        capacity.append(sequential / control.seconds(sum_squares, [(0, n)] * 2))
    return speedups, capacity


def memory_cuts(mb, rounds):
    """Per round, PSS in kB and start-up in s of each kind of worker, without and with data:
    a subinterpreter and an interpreter-pool worker (growth of this process), spawn and
    forkserver children (their own). ``interp``/``process`` are the pair the claim compares:
    the interpreter pool against forkserver children where this Python has them (3.14), else
    a subinterpreter against spawn children. ``labels`` names them."""
    methods = [m for m in ("forkserver", "spawn") if m in multiprocessing.get_all_start_methods()]
    pool = interpreters_api.pool_reason() is None
    found = {}

    def add(key, value):
        found.setdefault(key, []).append(value)

    for _ in range(rounds):
        add("sub_start", memory.interpreter_start_seconds())
        add("sub", memory.measure_subinterpreter(0)["loaded"]["pss_kb"])
        add("sub_data", memory.measure_subinterpreter(mb)["loaded"]["pss_kb"])
        if pool:
            worker = memory.measure_interpreter_pool_worker(0)
            add("pool", worker["loaded"]["pss_kb"])
            add("pool_start", worker["start_s"])
            add("pool_data", memory.measure_interpreter_pool_worker(mb)["loaded"]["pss_kb"])
        for method in methods:
            child = memory.measure_child(multiprocessing.get_context(method), 0)
            add(method, child["loaded"]["pss_kb"])
            add(method + "_start", child["start_s"])
            add(method + "_data", memory.measure_child(multiprocessing.get_context(method), mb)["loaded"]["pss_kb"])
    interp, process = ("pool", "forkserver") if pool and "forkserver" in methods else ("sub", "spawn")
    found.update(interp=found[interp], interp_data=found[interp + "_data"],
                 process=found[process], process_data=found[process + "_data"],
                 labels=(WORKER_LABELS[interp], WORKER_LABELS[process]))
    return found


WORKER_LABELS = {"sub": "a subinterpreter", "pool": "an InterpreterPoolExecutor worker",
                 "spawn": "a spawn child", "forkserver": "a forkserver child"}


def subinterpreters(quick, interpreters):
    experiment = ("a subinterpreter reports its PID; 2 tasks of sum(i * i ...) in a row against one in each "
                  "of 2 own-GIL subinterpreters (and, as the machine's control, of 2 processes); PSS a "
                  "subinterpreter adds against a spawn child's PSS, without and with a list-of-floats dataset "
                  "each must load")
    # The claim is about 3.14's interpreters: decided on a 3.14 when one is installed.
    there = pythons.run_where_new_enough(interpreters, (3, 14), "subinterpreters-share-process", quick)
    if there is not None:
        return there
    if not runs_own_gil_subinterpreters():
        entry = pythons.pick(interpreters, min_version=(3, 13))
        if entry is None:
            return measure.cannot_test(
                experiment,
                "this is %s: its subinterpreters share one GIL (own-GIL subinterpreters need 3.12+, "
                "PEP 684, driven here through 3.13's _interpreters) and no CPython 3.13+ was found; %s"
                % (interpreter_label(), pythons.command_for("3.13")))
        return pythons.run_check(entry, "subinterpreters-share-process", quick)
    if memory.rollup_reason() is not None:
        return measure.cannot_test(experiment, memory.rollup_reason())
    return measure_subinterpreters(experiment, quick)


def measure_subinterpreters(experiment, quick):
    mb = 16 if quick else 64
    rounds = 2 if quick else 3
    # The control's processes are forked first: forking while a subinterpreter exists crashes the child.
    with processes.process_control() as control, machine.machine_load() as load:
        parallel, capacity = parallel_speedups(3_000_000 if quick else 10_000_000, 3 if quick else 5, control)
    same_pid = pid_seen_by_subinterpreter() == os.getpid()
    found = memory_cuts(mb, rounds)
    cut = [1 - s / p for s, p in zip(found["interp"], found["process"])]
    cut_data = [1 - s / p for s, p in zip(found["interp_data"], found["process_data"])]
    compared = "%s against %s" % found["labels"]
    figures = [
        measure.flag("subinterpreter ran in the main PID", same_pid),
        measure.figure("speedup of 2 subinterpreters over sequential", parallel, "×"),
        measure.figure(measure.CAPACITY_NAME, capacity, "×", key=min(capacity) < PARALLEL_SPEEDUP),
    ]
    for key, name in (("sub", "subinterpreter"), ("pool", "InterpreterPoolExecutor worker"),
                      ("forkserver", "forkserver child"), ("spawn", "spawn child")):
        if key in found:
            figures.append(measure.figure("PSS per %s" % name, [kb / 1024 for kb in found[key]], "MB"))
            figures.append(measure.figure("PSS per %s with a %d MB dataset" % (name, mb),
                                          [kb / 1024 for kb in found[key + "_data"]], "MB", key=False))
    for key, name in (("sub", "a subinterpreter: create, run `pass`, close"),
                      ("pool", "an InterpreterPoolExecutor worker: pool created to first result"),
                      ("forkserver", "a forkserver child: start() to its first line"),
                      ("spawn", "a spawn child: start() to its first line")):
        if key + "_start" in found:
            figures.append(measure.figure("start-up of %s" % name, [1000 * s for s in found[key + "_start"]], "ms",
                                          key=key in ("pool", "forkserver")))
    figures += [
        measure.figure("memory cut, no data (%s)" % compared, [100 * c for c in cut], "%"),
        measure.figure("memory cut, each with a %d MB dataset" % mb, [100 * c for c in cut_data], "%"),
        measure.load_figure(load),
    ]
    return measure.outcome(experiment + " (%d MB)" % mb, figures,
                           *judge_subinterpreters(same_pid, parallel, capacity, cut, cut_data, found, load))


def caveats(found):
    """3.14's documentation on concurrent.interpreters, quantified: each interpreter "uses more
    memory than necessary", and start-up "has not been optimized yet"."""
    median = statistics.median
    text = ""
    if "pool" in found and "forkserver" in found:
        text += ("; 3.14's documentation says each interpreter \"uses more memory than necessary\": an "
                 "InterpreterPoolExecutor worker held %.1f MB of PSS, %.0f %% of a forkserver child's %.1f MB"
                 % (median(found["pool"]) / 1024, 100 * median(found["pool"]) / median(found["forkserver"]),
                    median(found["forkserver"]) / 1024))
    starts = [(name, found[key + "_start"])
              for key, name in (("sub", "a bare subinterpreter"), ("pool", "a pool worker"),
                                ("forkserver", "a forkserver child"), ("spawn", "a spawn child"))
              if key + "_start" in found]
    if starts:
        text += ("; start-up \"has not been optimized yet\": %s"
                 % ", ".join("%s %.0f ms" % (name, 1000 * median(values)) for name, values in starts))
    return text


def judge_subinterpreters(same_pid, parallel, capacity, cut, cut_data, found, load):
    """All parts must hold: same PID, parallel, and the 80 % cut with and without data."""
    if not same_pid:
        return Verdict.DOES_NOT_HOLD, "the subinterpreter reported another PID"
    parallel_text = measure.span(min(parallel), max(parallel))
    where_parallel = measure.side(min(parallel), max(parallel), PARALLEL_SPEEDUP)
    machine_short = min(capacity) < PARALLEL_SPEEDUP or load.busy
    if machine.usable_cpus() < 2 or (where_parallel != "above" and machine_short):
        where_parallel = "unknown"
    if where_parallel == "below":
        return Verdict.DOES_NOT_HOLD, ("same PID, but 2 subinterpreters were only %s× as fast as sequential, short of "
                                 "the %.1f× that running in parallel on 2 cores gives" % (parallel_text, PARALLEL_SPEEDUP)
                                 + caveats(found))
    where_cut = measure.side(min(cut), max(cut), CLAIMED_CUT)
    where_data = measure.side(min(cut_data), max(cut_data), CLAIMED_CUT)
    median = statistics.median
    interp, process = found.get("labels", ("an interpreter", "a process"))
    numbers = ("same PID and %s× against sequential; %s added %.1f MB of PSS against %.1f MB for %s "
               "(%.0f %% less; the claim: 80 %%), and %.0f %% less when each must hold its own copy "
               "of the data, since objects cannot be shared between interpreters: not 'zero duplication'"
               % (parallel_text, interp, median(found["interp"]) / 1024, median(found["process"]) / 1024,
                  process, 100 * median(cut), 100 * median(cut_data)))
    numbers += caveats(found)
    if where_parallel == "unknown":
        numbers += ("; whether they ran in parallel is open: in the same rounds even 2 processes fell to %.2f× "
                    "(rerun on an idle machine)" % min(capacity))
    if where_cut == "below" and where_data == "below":
        return Verdict.DOES_NOT_HOLD, numbers
    if where_parallel == "above" and where_cut == "above" and where_data == "above":
        return Verdict.HOLDS, numbers
    if where_parallel == "above" and where_cut == "above" and where_data == "below":
        return Verdict.DEPENDS, "on whether each worker needs its own copy of the data: " + numbers
    return Verdict.DEPENDS, ("on this machine's free cores: " if machine_short else "on run-to-run noise: ") + numbers


# --------------------------------------------------------------------------
# 11. The 3.14 API is `import interpreters`
# --------------------------------------------------------------------------

def module_found(name):
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def module_figure_name(name):
    return "`import %s` finds a module" % name


def modules_here():
    return [measure.flag(module_figure_name(name), module_found(name), key=name in KEY_MODULES)
            for name in MODULE_NAMES]


def interpreters_module(quick, interpreters):
    figures = modules_here()
    checked = [(interpreter_label(), sys.version_info[:2])]
    failures = []
    for entry in pythons.others(interpreters):
        try:
            remote = pythons.run_check(entry, "interpreters-module-name", quick)
        except (RuntimeError, ValueError) as exc:
            failures.append(str(exc))
            continue
        key_names = {module_figure_name(name) for name in KEY_MODULES}
        figures += [dict(f, key=f["name"] in key_names) for f in remote["figures"]
                    if f["interpreter"] == remote["interpreter"]]
        checked.append((remote["interpreter"], pythons.version_of(entry)[:2]))
    experiment = ("importlib.util.find_spec for %s in %s"
                  % (", ".join(MODULE_NAMES), ", ".join(label for label, _ in checked)))
    verdict, why = judge_module_name(figures, checked)
    if failures:
        why += " (not checked: %s)" % "; ".join(failures)
    return measure.outcome(experiment, figures, verdict, why,
                           interpreter=", ".join(label for label, _ in checked))


def judge_module_name(figures, checked):
    top_level = {f["interpreter"]: bool(f["value"]) for f in figures
                 if f["name"] == module_figure_name("interpreters")}
    recent = [label for label, version in checked if version >= (3, 14)]
    names = ", ".join(label for label, _ in checked)
    if recent:
        if all(top_level.get(label) for label in recent):
            return Verdict.HOLDS, "`import interpreters` works in %s" % ", ".join(recent)
        return Verdict.DOES_NOT_HOLD, ("`import interpreters` fails in %s: 3.14's module is concurrent.interpreters (%s)"
                                 % (", ".join(label for label in recent if not top_level.get(label)), DOCS_314))
    if any(top_level.values()):
        return Verdict.DEPENDS, ("on a third-party package: a top-level interpreters module exists in %s, "
                           "none of which is 3.14" % ", ".join(k for k, v in top_level.items() if v))
    return Verdict.DOES_NOT_HOLD, ("`import interpreters` finds nothing in %s, and Python 3.14's documentation names "
                             "the module concurrent.interpreters (%s); no 3.14 is installed to run it: %s"
                             % (names, DOCS_314, pythons.command_for("3.14")))
