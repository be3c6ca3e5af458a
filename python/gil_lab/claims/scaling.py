"""Claims about how CPU-bound work scales over processes: Amdahl's 5.5x on 8
cores, and processes running on separate cores at the same time."""

import os
import time

from gil_lab.claims import measure
from gil_lab.claims.measure import Verdict
from gil_lab.experiments import amdahl
from gil_lab.kernels.tasks import sqrt_sum, sum_squares
from gil_lab.runtime import machine, processes

# The document's figure, and how far a prediction may be from it and still
# match: it is one rounded number from an unnamed workload.
CLAIMED_SPEEDUP = 5.5
CLAIMED_CORES = 8
CLAIM_BAND = 0.10

# A prediction interval of the fitted serial fraction ± 2 standard errors
# covers the true value about 95 % of the time.
ERROR_MULTIPLE = 2.0

# Parallel cores should give at least 3/4 of linear speedup (1.5x on 2 cores);
# without simultaneity the speedup stays near 1x, so below 1.1x none happened.
CORE_EFFICIENCY = 0.75
NO_SPEEDUP = 1.1

MAX_PROCESSES = 8  # never more processes at once than this, whatever the core count


def worker_counts():
    return list(range(1, min(machine.usable_cpus(), MAX_PROCESSES) + 1))


# --------------------------------------------------------------------------
# 2. 8 cores give ~5.5x, not 8x (Amdahl)
# --------------------------------------------------------------------------

def pool_run_seconds(workers, total_iterations):
    """Seconds for a new process pool of ``workers`` to do the work split evenly, pool start included."""
    share = total_iterations // workers
    start = time.perf_counter()
    with processes.process_pool(workers) as pool:
        list(pool.map(sum_squares, [0] * workers, [share] * workers, timeout=processes.PROCESS_TIMEOUT_S))
    return time.perf_counter() - start


def amdahl_speedups(quick):
    """Interleaved rounds of pools of 1..cores workers; every round's speedups against its own 1-worker time."""
    total = 12_000_000 if quick else 40_000_000
    rounds = 3 if quick else 5
    counts = worker_counts()
    workers, speedups, times = [], [], {n: [] for n in counts}
    for _ in range(rounds):
        this_round = {n: pool_run_seconds(n, total) for n in counts}
        for n in counts:
            times[n].append(this_round[n])
            if n > 1:
                workers.append(n)
                speedups.append(this_round[1] / this_round[n])
    return total, rounds, workers, speedups, times


def eight_cores(quick, interpreters):
    counts = worker_counts()
    top = counts[-1]
    if top < 2:
        return measure.cannot_test("process pools of 1..n workers on CPU-bound work",
                                   "this machine offers one CPU: no speedup can be measured; run on a "
                                   "multi-core machine with `gil-lab verify`")
    with machine.machine_load() as load:
        total, rounds, workers, speedups, times = amdahl_speedups(quick)
    s, error = amdahl.fit_serial_fraction(workers, speedups)
    error = error or 0.0
    at_top = [v for n, v in zip(workers, speedups) if n == top]
    worst_s, best_s = min(1.0, s + ERROR_MULTIPLE * error), max(0.0, s - ERROR_MULTIPLE * error)
    predicted = amdahl.speedup(s, CLAIMED_CORES)
    predicted_low, predicted_high = amdahl.speedup(worst_s, CLAIMED_CORES), amdahl.speedup(best_s, CLAIMED_CORES)
    figures = [
        measure.figure("speedup on %d cores" % top, at_top, "×"),
        measure.figure("efficiency on %d cores" % top, [100 * v / top for v in at_top], "%"),
        measure.ranged("fitted serial fraction (± 1 standard error)", 100 * s,
                       100 * max(0.0, s - error), 100 * min(1.0, s + error), "%"),
        measure.ranged("predicted speedup on %d cores" % CLAIMED_CORES, predicted,
                       predicted_low, predicted_high, "×"),
        measure.figure("1-worker pool time", times[1], "s", key=False),
        measure.load_figure(load),
    ]
    experiment = ("sum(i * i for i in range(%s)) split over new process pools of %s workers (pool start "
                  "included), %d interleaved rounds, Amdahl's law fitted by least squares"
                  % (format(total, "_"), "-".join(str(n) for n in (counts[0], top)), rounds))
    low, high = CLAIMED_SPEEDUP * (1 - CLAIM_BAND), CLAIMED_SPEEDUP * (1 + CLAIM_BAND)
    if top >= CLAIMED_CORES:
        observed = [v for n, v in zip(workers, speedups) if n == CLAIMED_CORES]
        range_low, range_high, basis = min(observed), max(observed), "measured on 8 cores"
    else:
        range_low, range_high = predicted_low, predicted_high
        basis = ("extrapolated from %d cores (serial fraction %.1f ± %.1f %%); only an %d-core machine "
                 "can measure it" % (top, 100 * s, 100 * error, CLAIMED_CORES))
    not_linear = "below linear on %d cores (%.0f %% efficiency)" % (top, 100 * min(at_top) / top)
    if low <= range_low and range_high <= high:
        return measure.outcome(experiment, figures, Verdict.HOLDS,
                               "8 cores give %.1f-%.1f×, within %.0f %% of 5.5×: %s" % (range_low, range_high, 100 * CLAIM_BAND, basis))
    if load.busy:
        return measure.outcome(experiment, figures, Verdict.DEPENDS,
                               "on this machine's load: 8 cores would give %.1f-%.1f×, but %s"
                               % (range_low, range_high, load.describe()))
    if range_high < low or range_low > high:
        direction = "better" if range_low > high else "worse"
        return measure.outcome(experiment, figures, Verdict.DOES_NOT_HOLD,
                               "this workload scales %s than the document says: 8 cores give %.1f-%.1f×, "
                               "not 5.5× (scaling is %s); %s" % (direction, range_low, range_high, not_linear, basis))
    return measure.outcome(experiment, figures, Verdict.DEPENDS,
                           "on the workload's serial fraction: 8 cores give %.1f-%.1f×, a range that "
                           "overlaps 5.5× ± %.0f %% without fitting inside it; %s"
                           % (range_low, range_high, 100 * CLAIM_BAND, basis))


# --------------------------------------------------------------------------
# 13. Processes run on separate cores simultaneously
# --------------------------------------------------------------------------

def current_cpu():
    """The CPU this process last ran on (field 39 of /proc/self/stat), or -1."""
    try:
        with open("/proc/self/stat", encoding="ascii") as f:
            return int(f.read().rsplit(")", 1)[1].split()[36])
    except (OSError, IndexError, ValueError):
        return -1


def heavy(n):
    """The module's ``heavy(n)``, plus who ran it, where and when."""
    start, cpu = time.monotonic(), time.thread_time()
    sqrt_sum(0, n)
    return os.getpid(), current_cpu(), start, time.monotonic(), time.thread_time() - cpu


def pool_map_seconds(workers, tasks, n):
    """Seconds for ``Pool(workers).map(heavy, [n] * tasks)`` once every worker is up, and the task records."""
    context = processes.default_context()
    ready = context.Barrier(workers + 1)
    with context.Pool(workers, initializer=processes.wait_at, initargs=(ready,)) as pool:
        ready.wait(timeout=processes.PROCESS_TIMEOUT_S)
        start = time.perf_counter()
        records = pool.map_async(heavy, [n] * tasks, chunksize=1).get(processes.PROCESS_TIMEOUT_S)
        seconds = time.perf_counter() - start
    return seconds, records


def separate_cores(quick, interpreters):
    cores = worker_counts()[-1]
    if cores < 2:
        return measure.cannot_test("multiprocessing.Pool map of heavy(n) with 1 and n workers",
                                   "this machine offers one CPU: processes cannot run simultaneously here; "
                                   "run `gil-lab verify` on a multi-core machine")
    n = 1_000_000 if quick else 4_000_000
    tasks = 2 * cores
    rounds = 3 if quick else 5
    speedups, parallelism, pids, cpus = [], [], set(), set()
    with machine.machine_load() as load:
        for _ in range(rounds):
            one, _records = pool_map_seconds(1, tasks, n)
            many, records = pool_map_seconds(cores, tasks, n)
            speedups.append(one / many)
            first, last = min(r[2] for r in records), max(r[3] for r in records)
            parallelism.append(sum(r[4] for r in records) / (last - first))
            pids.update(r[0] for r in records)
            cpus.update(r[1] for r in records if r[1] >= 0)
    figures = [
        measure.figure("speedup of %d processes over 1" % cores, speedups, "×"),
        measure.figure("cores busy at once (task CPU time / wall time)", parallelism, "×"),
        measure.figure("distinct worker PIDs", len(pids), "processes"),
        measure.figure("distinct CPUs the tasks ran on", len(cpus), "CPUs"),
        measure.load_figure(load),
    ]
    experiment = ("multiprocessing.Pool(k).map(heavy, [%s] * %d) with k = 1 and k = %d, heavy = "
                  "sum(math.sqrt(i) ...), timed once all workers were up, %d rounds"
                  % (format(n, "_"), tasks, cores, rounds))
    low, high = min(speedups), max(speedups)
    target = CORE_EFFICIENCY * cores
    if low >= target:
        return measure.outcome(experiment, figures, Verdict.HOLDS,
                               "%d processes were %.2f-%.2f× faster than 1, with %.1f cores busy at once "
                               "on %d distinct CPUs" % (cores, low, high, min(parallelism), len(cpus)))
    if load.busy:
        return measure.outcome(experiment, figures, Verdict.DEPENDS,
                               "on this machine's load: %d processes gave %.2f-%.2f×; %s"
                               % (cores, low, high, load.describe()))
    if high < NO_SPEEDUP:
        return measure.outcome(experiment, figures, Verdict.DOES_NOT_HOLD,
                               "%d processes were no faster than 1 (%.2f-%.2f×)" % (cores, low, high))
    return measure.outcome(experiment, figures, Verdict.DEPENDS,
                           "on what else runs on this machine: %d processes gave %.2f-%.2f×, short of "
                           "%.1f× in some rounds" % (cores, low, high, target))
