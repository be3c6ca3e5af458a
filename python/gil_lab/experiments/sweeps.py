"""Sweeps behind ``gil-lab sweep``: IPC cost by payload size and route, the task
size where a process pool starts to pay, and memory per kind of worker.

Every function returns JSON text; nothing is printed.
"""

import json
import math
import mmap
import multiprocessing
import os
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

from gil_lab.experiments import memory as process_memory
from gil_lab.kernels.tasks import sum_squares
from gil_lab.runtime import interpreters, machine, processes
from gil_lab.runtime.facts import interpreter_label

KB = 1024
MB = 1024 * 1024

ROUTES = ("pickle through process pool", "path (file)", "path (mmap)", "thread (shared)", "subinterpreter")


# --------------------------------------------------------------------------
# What the workers do with a payload: send it straight back
# --------------------------------------------------------------------------

def echo(payload):
    return payload


def echo_file(source, target):
    """Reads the payload from one file and writes it back to another: only paths travel."""
    with open(source, "rb") as f:
        data = f.read()
    with open(target, "wb") as f:
        f.write(data)
    return len(data)


def echo_mmap(path, size):
    """Maps the file, takes a private copy of the payload and writes it back in place."""
    with open(path, "r+b") as f, mmap.mmap(f.fileno(), size) as mapped:
        data = mapped[:size]
        mapped[:size] = data
    return size


# --------------------------------------------------------------------------
# IPC sweep
# --------------------------------------------------------------------------

def payload_sizes(quick):
    if quick:
        return [1 * KB, 64 * KB, 1 * MB, 4 * MB]
    return [1 * KB, 16 * KB, 256 * KB, 1 * MB, 4 * MB, 16 * MB, 64 * MB]


def runs_for(size, quick):
    if quick:
        return 3
    return 7 if size <= MB else (5 if size <= 16 * MB else 3)


def make_payload(size):
    block = os.urandom(min(size, 64 * KB))
    return (block * (size // len(block) + 1))[:size]


def round_trip_pool(pool, payload):
    return pool.submit(echo, payload).result(processes.PROCESS_TIMEOUT_S)


def round_trip_file(pool, payload, folder):
    source, target = os.path.join(folder, "to-worker"), os.path.join(folder, "from-worker")
    with open(source, "wb") as f:
        f.write(payload)
    pool.submit(echo_file, source, target).result(processes.PROCESS_TIMEOUT_S)
    with open(target, "rb") as f:
        return f.read()


def round_trip_mmap(pool, payload, mapped, path):
    size = len(payload)
    mapped[:size] = payload
    pool.submit(echo_mmap, path, size).result(processes.PROCESS_TIMEOUT_S)
    return mapped[:size]


def round_trip_thread(threads, payload):
    return threads.submit(echo, payload).result(processes.PROCESS_TIMEOUT_S)


class SubinterpreterEcho:
    """A warm own-GIL subinterpreter (3.13+) that takes bytes from one queue and puts them
    back on another (3.14's ``concurrent.interpreters`` queues, 3.13's channels)."""

    CODE = "cout.put(cin.get())\n"

    def __init__(self):
        self._sub = interpreters.Subinterpreter()
        self._in, self._out = interpreters.Queue(), interpreters.Queue()
        self._sub.share_queues(cin=self._in, cout=self._out)

    def round_trip(self, payload):
        self._in.put(payload)
        self._sub.exec(self.CODE)
        return self._out.get()

    def close(self):
        self._sub.close()
        self._in.close()
        self._out.close()


def subinterpreter_echo_or_none():
    return SubinterpreterEcho() if interpreters.reason() is None else None


def time_route(round_trip, payload, runs):
    """Seconds of ``runs`` round trips after one untimed warm-up; checks the payload came back whole."""
    back = round_trip(payload)
    if len(back) != len(payload):
        raise RuntimeError("the payload came back with %d of %d bytes" % (len(back), len(payload)))
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        round_trip(payload)
        samples.append(time.perf_counter() - start)
    return samples


def ipc_rows(quick):
    largest = max(payload_sizes(quick))
    with processes.process_pool(1) as pool, ThreadPoolExecutor(max_workers=1) as threads, \
            tempfile.TemporaryDirectory(prefix="gil-lab-ipc-") as folder:
        pool.submit(echo, b"warm-up").result(processes.PROCESS_TIMEOUT_S)
        mapped_path = os.path.join(folder, "mapped")
        with open(mapped_path, "wb") as f:
            f.truncate(largest)
        with open(mapped_path, "r+b") as f, mmap.mmap(f.fileno(), largest) as mapped:
            routes = [
                ("pickle through process pool", lambda p: round_trip_pool(pool, p)),
                ("path (file)", lambda p: round_trip_file(pool, p, folder)),
                ("path (mmap)", lambda p: round_trip_mmap(pool, p, mapped, mapped_path)),
                ("thread (shared)", lambda p: round_trip_thread(threads, p)),
            ]
            # Created only now that the pool's worker runs: a fork while a subinterpreter exists crashes the child.
            sub = subinterpreter_echo_or_none()
            try:
                if sub is not None:
                    routes.append(("subinterpreter", sub.round_trip))
                return [route_row(route, round_trip, size, quick)
                        for size in payload_sizes(quick) for route, round_trip in routes]
            finally:
                if sub is not None:
                    sub.close()


def route_row(route, round_trip, size, quick):
    samples = time_route(round_trip, make_payload(size), runs_for(size, quick))
    seconds = processes.summary(samples)
    return {
        "payload_bytes": size,
        "route": route,
        "round_trip_ms": {k: 1000 * v for k, v in seconds.items()},
        "ms_per_mb": 1000 * seconds["median"] / (size / MB),
        "runs": len(samples),
    }


def ipc(quick):
    """JSON: round-trip time of a bytes payload, 1 KB to 64 MB (4 MB quick), per route; and the crossover."""
    return json.dumps({
        "interpreter": interpreter_label(),
        "start_method": processes.default_context().get_start_method(),
        "rows": ipc_rows(bool(quick)),
        "crossover": crossover(bool(quick)),
    }, allow_nan=False)


# --------------------------------------------------------------------------
# Where a process pool starts to pay
# --------------------------------------------------------------------------

def crossover_sizes(quick):
    if quick:
        return [10, 1_000, 10_000, 100_000]
    return [10, 100, 1_000, 10_000, 30_000, 100_000, 300_000]


def crossover(quick):
    """Tasks of ``sum(i * i for i in range(k))`` for growing ``k``: in a loop, in threads, in a warm pool.

    Returns the rows and the interpolated ``k`` (and its CPU time) where the
    pool's median time first drops below both the loop's and the threads'.
    """
    workers = max(2, min(machine.usable_cpus(), 8))
    tasks = 40 if quick else 100
    rounds = 3 if quick else 5
    sizes = crossover_sizes(quick)
    times = {k: {"sequential": [], "threads": [], "pool": []} for k in sizes}
    with processes.process_pool(workers) as pool, ThreadPoolExecutor(max_workers=workers) as threads:
        list(pool.map(sum_squares, [0] * workers * 2, [10] * workers * 2))  # start and warm the workers
        for _ in range(rounds):
            for k in sizes:
                times[k]["sequential"].append(processes.timed(tasks_in_a_row, k, tasks))
                times[k]["threads"].append(processes.timed(tasks_mapped, threads, k, tasks))
                times[k]["pool"].append(processes.timed(tasks_mapped, pool, k, tasks))
    rows = [crossover_row(k, times[k], tasks) for k in sizes]
    seconds_per_iteration = rows[-1]["sequential_s"]["median"] / (tasks * sizes[-1])
    iterations = crossover_point(rows)
    smallest = rows[0]
    return {
        "measured_by": ("%d tasks of sum(i * i for i in range(k)) for k in %s: in a loop, through "
                        "ThreadPoolExecutor(%d) and through a warm ProcessPoolExecutor(%d) (chunksize 1, "
                        "start method %s), %d interleaved rounds; the crossover interpolates log k where "
                        "the pool's median time falls below the loop's and the threads'"
                        % (tasks, sizes, workers, workers, processes.default_context().get_start_method(), rounds)),
        "workers": workers,
        "tasks": tasks,
        "rounds": rounds,
        "start_method": processes.default_context().get_start_method(),
        "rows": rows,
        "overhead_us_per_task": 1e6 * (smallest["pool_s"]["median"] - smallest["sequential_s"]["median"]) / tasks,
        "iterations": iterations,
        "cpu_seconds": None if iterations is None else iterations * seconds_per_iteration,
    }


def tasks_in_a_row(k, tasks):
    return [sum_squares(0, k) for _ in range(tasks)]


def tasks_mapped(executor, k, tasks):
    return list(executor.map(sum_squares, [0] * tasks, [k] * tasks, timeout=processes.PROCESS_TIMEOUT_S))


def crossover_row(k, samples, tasks):
    best_other = [min(s, t) for s, t in zip(samples["sequential"], samples["threads"])]
    return {
        "iterations": k,
        "cpu_ms_per_task": 1000 * min(samples["sequential"]) / tasks,
        "sequential_s": processes.summary(samples["sequential"]),
        "threads_s": processes.summary(samples["threads"]),
        "pool_s": processes.summary(samples["pool"]),
        "pool_vs_sequential": processes.summary([p / s for p, s in zip(samples["pool"], samples["sequential"])]),
        "pool_vs_best_other": processes.summary([p / o for p, o in zip(samples["pool"], best_other)]),
    }


def crossover_point(rows):
    """Interpolated task size where pool/best-other crosses 1 for good, or None if it never does."""
    ratios = [r["pool_vs_best_other"]["median"] for r in rows]
    if ratios[-1] >= 1:
        return None
    last_slower = max((i for i, v in enumerate(ratios) if v >= 1), default=None)
    if last_slower is None:
        return float(rows[0]["iterations"])
    a, b = rows[last_slower], rows[last_slower + 1]
    ra, rb = ratios[last_slower], ratios[last_slower + 1]
    fraction = math.log(ra) / (math.log(ra) - math.log(rb)) if ra != rb else 0.0
    log_k = math.log(a["iterations"]) + fraction * (math.log(b["iterations"]) - math.log(a["iterations"]))
    return math.exp(log_k)


# --------------------------------------------------------------------------
# Memory sweep
# --------------------------------------------------------------------------

WORKERS = ("thread", "subinterpreter", "fork child", "spawn child", "forkserver child", "interpreter-pool worker")

# The parent's preload plus one worker's copy, about 1.3 times the size each
# as Python floats, stay under 1.5 GB at this size.
MAX_PRELOAD_MB = 400

MEMORY_NOTES = [
    "thread and subinterpreter rows: growth of this process's own figures when the worker is added "
    "(both live inside this process); child rows: the child's own figures.",
    "pss_kb divides each shared page among the processes that map it: summed over processes it is the "
    "real use. private_kb is what only that worker holds.",
    "the preload is a list of floats (about 32 bytes each). A fork child inherits it copy-on-write; a "
    "subinterpreter, a spawn or a forkserver child cannot share Python objects and builds its own copy.",
    "after_touch: every object of the preload was read once. Reading a Python object writes its "
    "reference count, so a fork child then copies the pages it read.",
    "interpreter-pool worker: growth of this process's figures with a one-worker InterpreterPoolExecutor "
    "whose worker (a thread and its own interpreter) imported gil_lab.experiments.memory and built its own preload; "
    "the child rows' processes import the same module.",
]


def available_workers():
    methods = multiprocessing.get_all_start_methods()
    kinds = ["thread"]
    if interpreters.module_name() is not None:
        kinds.append("subinterpreter")
    kinds += ["%s child" % m for m in ("fork", "spawn", "forkserver") if m in methods]
    if interpreters.pool_reason() is None:
        kinds.append("interpreter-pool worker")  # last: no fork happens while its thread runs
    return kinds


def measure_worker(kind, mb, inherited):
    """``{"loaded", "touched"}`` memory figures of one worker of ``kind`` with an ``mb`` preload."""
    if kind == "thread":
        return process_memory.measure_thread(inherited)
    if kind == "subinterpreter":
        return process_memory.measure_subinterpreter(mb)
    if kind == "interpreter-pool worker":
        return process_memory.measure_interpreter_pool_worker(mb)
    method = kind.split()[0]
    return process_memory.measure_child(multiprocessing.get_context(method), mb,
                                inherited=inherited if method == "fork" else None)


def median_row(reports, phase):
    return {name: int(sorted(r[phase][name] for r in reports)[len(reports) // 2]) for name in reports[0][phase]}


def memory_rows(quick, preload_mb, start_ms=None):
    """The rows; ``start_ms`` (a dict), if given, gets each kind's start-up times in ms."""
    repeats = 1 if quick else 3
    rows = []
    for mb in sorted({0, preload_mb}):
        # Built only for the preload rows, so the others start from a parent without it.
        preload = process_memory.build_preload(mb) if mb else None
        for kind in available_workers():
            reports = [measure_worker(kind, mb, preload) for _ in range(repeats)]
            row = {"worker": kind, "preload_mb": mb}
            row.update(median_row(reports, "loaded"))
            row["after_touch"] = median_row(reports, "touched")
            rows.append(row)
            if start_ms is not None:
                start_ms.setdefault(kind, []).extend(1000 * r["start_s"] for r in reports if "start_s" in r)
        del preload
    return rows


def interpreter_pool_vs_forkserver(rows):
    """Per preload: PSS per interpreter-pool worker against PSS per forkserver child, or None
    where this interpreter lacks either."""
    found = []
    for mb in sorted({r["preload_mb"] for r in rows}):
        kinds = {r["worker"]: r for r in rows if r["preload_mb"] == mb}
        pool, server = kinds.get("interpreter-pool worker"), kinds.get("forkserver child")
        if pool is None or server is None:
            return None
        found.append({
            "preload_mb": mb,
            "interpreter_pool_pss_kb": pool["pss_kb"],
            "forkserver_pss_kb": server["pss_kb"],
            "interpreter_pool_over_forkserver": pool["pss_kb"] / server["pss_kb"] if server["pss_kb"] else None,
        })
    return found


def memory_sweep(quick, preload_mb):
    reason = process_memory.rollup_reason()
    if reason is not None:
        return {"interpreter": interpreter_label(), "rows": [], "notes": [reason]}
    asked = max(0, int(preload_mb))
    used = min(asked, MAX_PRELOAD_MB)
    notes = MEMORY_NOTES + [
        "each row is the median of %d measurement(s)" % (1 if quick else 3),
        "subinterpreter API: %s" % _subinterpreter_note(),
        "interpreter pool: %s" % (interpreters.pool()[0] or interpreters.pool_reason()),
    ]
    if used != asked:
        notes.append("preload limited to %d MB (asked: %d MB) to keep the sweep under 1.5 GB" % (used, asked))
    start_ms = {}
    rows = memory_rows(bool(quick), used, start_ms)
    result = {"interpreter": interpreter_label(), "rows": rows, "notes": notes,
              # Start-up of each kind of worker, ms: median and spread (the first forkserver child
              # also starts the server).
              "start_ms": {kind: processes.summary(ms) for kind, ms in start_ms.items() if ms}}
    compared = interpreter_pool_vs_forkserver(rows)
    if compared is not None:
        result["interpreter_pool_vs_forkserver"] = compared
    return result


def memory(quick, preload_mb):
    """JSON: pss/rss/shared/private kB per kind of worker, with and without a preload, before and after touching it."""
    return json.dumps(memory_sweep(quick, preload_mb), allow_nan=False)


def _subinterpreter_note():
    if interpreters.module_name() is None:
        return "none in this Python"
    return "%s (%s)" % (interpreters.label(),
                        "own GIL" if interpreters.has_own_gil() else "one GIL shared with the main interpreter")


def main(argv=None):
    import argparse

    parser = argparse.ArgumentParser(prog="python -m gil_lab.experiments.sweeps", description="Prints a sweep as JSON.")
    parser.add_argument("sweep", choices=("ipc", "memory"))
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--preload-mb", type=int, default=64)
    args = parser.parse_args(argv)
    print(ipc(args.quick) if args.sweep == "ipc" else memory(args.quick, args.preload_mb))


if __name__ == "__main__":
    main()
