"""Claims about pools: threads waiting on I/O together, a process pool against
one process per task, and process pools on small tasks."""

import multiprocessing
import os
import time
from concurrent.futures import ThreadPoolExecutor

from gil_lab.claims import measure
from gil_lab.claims.measure import Verdict
from gil_lab.experiments.sweeps import crossover
from gil_lab.runtime import machine, processes

SCOUTS = 5

# The document's 1.01 s for a 1 s wait is 1 % over one wait; 5 % leaves room
# for timer slack and thread start-up while staying far from the 5x of
# waiting one after the other.
IO_OVERHEAD = 0.05

# "Massive overhead": booting a process per task must at least double the
# cost per task against a pool, or the pool saves nothing worth a claim.
POOL_ADVANTAGE = 2.0

# Smallest tasks count as "slower" in a pool when they take 10 % longer than
# in a plain loop: beyond the rounds' noise, and small next to the 10-100x
# that per-task IPC usually costs.
SMALL_TASK_MARGIN = 0.10


# --------------------------------------------------------------------------
# 3. Five 1-second I/O waits in a thread pool take ~1.01 s
# --------------------------------------------------------------------------

def scout_enemy_camp(wait):
    """The document's scout: an I/O wait (``time.sleep`` drops the GIL)."""
    time.sleep(wait)
    return wait


def scouts_in_threads(wait):
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=SCOUTS) as pool:
        list(pool.map(scout_enemy_camp, [wait] * SCOUTS, timeout=wait * SCOUTS * 4 + 10))
    return time.perf_counter() - start


def scouts_in_a_row(wait):
    start = time.perf_counter()
    for _ in range(SCOUTS):
        scout_enemy_camp(wait)
    return time.perf_counter() - start


def io_threads(quick, interpreters):
    wait = 0.2 if quick else 1.0
    rounds = 3
    threaded = [scouts_in_threads(wait) for _ in range(rounds)]
    in_a_row = [scouts_in_a_row(wait) for _ in range(1 if quick else 2)]
    ratios = [t / wait for t in threaded]
    figures = [
        measure.figure("%d waits in a thread pool" % SCOUTS, threaded, "s"),
        measure.figure("%d waits one after the other" % SCOUTS, in_a_row, "s"),
        measure.figure("thread pool time / one wait", ratios, "×"),
        measure.figure("one wait", wait, "s", key=False),
    ]
    scaled = " (scaled down from the document's 1 s for the quick run)" if wait != 1.0 else ""
    experiment = ("%d time.sleep(%.1f) scouts through ThreadPoolExecutor(max_workers=%d), %d rounds, "
                  "against the same waits in a row%s" % (SCOUTS, wait, SCOUTS, rounds, scaled))
    low, high = min(ratios), max(ratios)
    where = measure.side(low, high, 1 + IO_OVERHEAD)
    if where == "below":
        return measure.outcome(experiment, figures, Verdict.HOLDS,
                               "the %d waits overlapped: the pool took %s× one wait (the document: "
                               "1.01×), against %.1f× in a row" % (SCOUTS, measure.span(low, high, 3), min(in_a_row) / wait))
    if where == "above":
        return measure.outcome(experiment, figures, Verdict.DOES_NOT_HOLD,
                               "the pool took %.2f-%.2f× one wait, more than %.0f %% over it"
                               % (low, high, 100 * IO_OVERHEAD))
    return measure.outcome(experiment, figures, Verdict.DEPENDS,
                           "on scheduler noise: %s× one wait, across the %.0f %% margin"
                           % (measure.span(low, high, 3), 100 * IO_OVERHEAD))


# --------------------------------------------------------------------------
# 4. A pool avoids the cost of booting a process per task
# --------------------------------------------------------------------------

def calculate_battle_formation(division):
    """The document's pool task: almost no work, so the cost measured is the machinery."""
    return division, os.getpid()


def process_per_task_seconds(context, tasks, workers):
    """Seconds to run ``tasks`` tasks, each in its own new Process, ``workers`` at a time."""
    start = time.perf_counter()
    for first in range(0, tasks, workers):
        batch = [context.Process(target=calculate_battle_formation, args=(i,))
                 for i in range(first, min(first + workers, tasks))]
        try:
            for process in batch:
                process.start()
        finally:
            for process in batch:
                processes.reap(process, processes.PROCESS_TIMEOUT_S)
    return time.perf_counter() - start


def pool_seconds(context, tasks, workers):
    """Seconds to run ``tasks`` tasks through a new ProcessPoolExecutor, its start and shutdown included."""
    start = time.perf_counter()
    with processes.process_pool(workers, context) as pool:
        list(pool.map(calculate_battle_formation, range(tasks), timeout=processes.PROCESS_TIMEOUT_S))
    return time.perf_counter() - start


def start_methods_to_compare():
    """The default start method, and spawn (what Windows and macOS use) when it differs."""
    default = processes.default_context().get_start_method()
    methods = [default]
    if default != "spawn" and "spawn" in multiprocessing.get_all_start_methods():
        methods.append("spawn")
    return methods


def pool_avoids_boot(quick, interpreters):
    workers = min(2, machine.usable_cpus()) if quick else min(4, machine.usable_cpus())
    rounds = 3 if quick else 5
    figures, ratios_by_method, counts = [], {}, {}
    for method in start_methods_to_compare():
        context = multiprocessing.get_context(method)
        # Fewer tasks where each process boots a whole interpreter (spawn, forkserver): it takes 20-50x longer.
        tasks = (16 if quick else 100) if method == "fork" else (10 if quick else 40)
        per_process, per_pool = [], []
        for _ in range(rounds):
            per_process.append(1000 * process_per_task_seconds(context, tasks, workers) / tasks)
            per_pool.append(1000 * pool_seconds(context, tasks, workers) / tasks)
        ratios = [a / b for a, b in zip(per_process, per_pool)]
        ratios_by_method[method], counts[method] = ratios, tasks
        figures += [
            measure.figure("%s: one Process per task" % method, per_process, "ms/task"),
            measure.figure("%s: pool" % method, per_pool, "ms/task"),
            measure.figure("%s: process per task / pool" % method, ratios, "×"),
        ]
    experiment = ("%s tasks that return at once, each in its own multiprocessing.Process (%d at a time) "
                  "and through a ProcessPoolExecutor(%d) whose start is included, %d rounds"
                  % (" and ".join("%d %s" % (counts[m], m) for m in counts), workers, workers, rounds))
    sides = {m: measure.side(min(r), max(r), POOL_ADVANTAGE) for m, r in ratios_by_method.items()}
    text = ", ".join("%s %s×" % (m, measure.span(min(r), max(r), 1)) for m, r in ratios_by_method.items())
    if all(s == "above" for s in sides.values()):
        return measure.outcome(experiment, figures, Verdict.HOLDS,
                               "a new process per task cost more than %.0f× a pool's per-task cost (%s)"
                               % (POOL_ADVANTAGE, text))
    if all(s == "below" for s in sides.values()):
        return measure.outcome(experiment, figures, Verdict.DOES_NOT_HOLD,
                               "a process per task cost less than %.0f× the pool's (%s)" % (POOL_ADVANTAGE, text))
    return measure.outcome(experiment, figures, Verdict.DEPENDS,
                           "on the start method and the number of tasks: process per task / pool was %s, "
                           "not clearly above %.0f× for all" % (text, POOL_ADVANTAGE))


# --------------------------------------------------------------------------
# 9. Multiprocessing is slower for small tasks
# --------------------------------------------------------------------------

def small_tasks(quick, interpreters):
    sweep = crossover(quick)
    smallest, largest = sweep["rows"][0], sweep["rows"][-1]
    ratio = smallest["pool_vs_sequential"]
    figures = [
        measure.ranged("pool/sequential at %s iterations per task" % format(smallest["iterations"], ","),
                       ratio["median"], ratio["min"], ratio["max"], "×"),
        measure.ranged("pool/sequential at %s iterations per task" % format(largest["iterations"], ","),
                       largest["pool_vs_sequential"]["median"], largest["pool_vs_sequential"]["min"],
                       largest["pool_vs_sequential"]["max"], "×"),
        measure.figure("pool overhead per task", sweep["overhead_us_per_task"], "µs"),
    ]
    if sweep["iterations"] is not None:
        figures.append(measure.figure("crossover task size", sweep["iterations"], "iterations"))
        figures.append(measure.figure("crossover task CPU time", 1000 * sweep["cpu_seconds"], "ms"))
    experiment = sweep["measured_by"]
    where = measure.side(ratio["min"], ratio["max"], 1 + SMALL_TASK_MARGIN)
    pays = ("the pool started to pay at about %s iterations (%.2f ms of CPU) per task"
            % (format(round(sweep["iterations"]), ","), 1000 * sweep["cpu_seconds"])
            if sweep["iterations"] is not None else "the pool never beat the loop in the sizes tried")
    if where == "above":
        return measure.outcome(experiment, figures, Verdict.HOLDS,
                               "the smallest tasks took %.1f-%.1f× as long in the pool as in a plain loop; %s"
                               % (ratio["min"], ratio["max"], pays))
    if where == "below":
        return measure.outcome(experiment, figures, Verdict.DOES_NOT_HOLD,
                               "even the smallest tasks were not slower in the pool (%.2f-%.2f×); %s"
                               % (ratio["min"], ratio["max"], pays))
    return measure.outcome(experiment, figures, Verdict.DEPENDS,
                           "on the machine's noise: the smallest tasks took %.2f-%.2f× the loop's time; %s"
                           % (ratio["min"], ratio["max"], pays))
