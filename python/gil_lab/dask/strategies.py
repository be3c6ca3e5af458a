"""The Python side of the ``py-dask`` and ``py-dask-threads`` strategies.

``py-dask`` runs the tasks on a ``distributed.LocalCluster`` of ``workers``
worker processes with one thread each, or on an existing scheduler
(``--dask ADDRESS``); ``py-dask-threads`` on one worker process with
``workers`` threads, where the tasks share that process's GIL.

:func:`run` returns what every harness model returns, ``(checksum, chunks,
worker_cpu_s)``, as a :class:`DaskRun`: a tuple that also carries
``.details``, a JSON-ready dict with the cluster's start-up time, its
address, workers, threads and host names, the per-task turnaround seen in the
timeline, and dask's own GIL contention figure per worker.

Where dask comes from (a private virtual environment per interpreter) is
:mod:`gil_lab.runtime.dask_env`; the clusters, and how none of their processes
outlives a run, are :mod:`gil_lab.dask.cluster`; dask's per-task overhead is
:mod:`gil_lab.dask.overhead`. The LocalCluster's worker processes are started
with ``spawn`` and inherit this process's ``sys.path``.

When this process dies, dask's own watch ends the workers: each holds the read
end of a pipe whose write end only this process holds and exits as soon as it
reads EOF (a worker thread of ``distributed.process.AsyncProcess``), which
covers SIGKILL too. PR_SET_PDEATHSIG is not used: it fires when the *thread*
that started the child ends, and dask starts workers from its event-loop thread.
"""

import os
import statistics
import sys
import time
import uuid

import gil_lab

from gil_lab.dask import cluster as dask_cluster
from gil_lab.dask.cluster import DaskUnreachable, _Cluster, _probe, check_same_python
from gil_lab.kernels import tasks as kernel_tasks
from gil_lab.runtime.dask_env import STRATEGIES, DaskUnavailable, availability, reason


# How long connecting to an existing scheduler may take before DaskUnreachable.
CONNECT_TIMEOUT_S = 10.0
# How long a run on an existing scheduler may go on with no worker at all.
NO_WORKER_GRACE_S = 10.0
# How often the wait for results looks at the stop file and at the workers.
_POLL_S = 0.05


class DaskRunFailed(RuntimeError):
    """The run cannot finish: no worker is left, or dask gave up on a task."""


class DaskRun(tuple):
    """``(checksum, chunks, worker_cpu_s)`` with the run's ``details`` dict."""

    def __new__(cls, checksum, chunks, worker_cpu_s, details):
        run = super().__new__(cls, (checksum, chunks, worker_cpu_s))
        run.details = details
        return run

    def details_json(self):
        import json

        return json.dumps(self.details, allow_nan=False)


# --------------------------------------------------------------------------
# What runs in a worker
# --------------------------------------------------------------------------

def worker_task(kernel, size, chunk, stop_file):
    """One task in a dask worker: :func:`gil_lab.kernels.tasks.run_task` plus the worker's address.

    ``stop_file`` is the host's: a worker on the same machine stops between
    chunks once it exists, as a process pool's worker does.
    """
    kernel_tasks._STOP_FILE = stop_file
    value, chunks, cpu_s = kernel_tasks.run_task(kernel, size, chunk)
    return value, chunks, cpu_s, _worker_address()


def empty_task(i):
    return i


def _worker_address():
    try:
        from distributed import get_worker

        return get_worker().address
    except (ImportError, ValueError):
        return None


# --------------------------------------------------------------------------
# A run
# --------------------------------------------------------------------------

def run(strategy, kernel, size, tasks, chunk, workers, address=None, connect_timeout_s=CONNECT_TIMEOUT_S):
    """Runs ``tasks`` tasks of ``kernel`` on dask; returns a :class:`DaskRun`.

    Raises :class:`DaskUnavailable` without dask, :class:`DaskUnreachable` for
    an address no scheduler answers at, ``TimeoutError`` once the host's stop
    file exists, and :class:`DaskRunFailed` or dask's own error (``KilledWorker``)
    when the tasks cannot finish.
    """
    why = reason(strategy, address)
    if why is not None:
        raise DaskUnavailable(why)
    import cloudpickle
    import distributed

    by_value = _send_by_value(address)
    cluster = None
    close_s = None
    try:
        cluster = _Cluster(strategy, workers, address, connect_timeout_s)
        client = cluster.client
        if address:
            check_same_python(client)
        before = _probe(client)
        if not before:
            raise DaskRunFailed("the scheduler at %s has no workers" % client.scheduler.address)
        stop_file = kernel_tasks._STOP_FILE
        tag = uuid.uuid4().hex[:8]
        submitted_ns = time.monotonic_ns()
        client_cpu0 = time.process_time()
        task = _task(worker_task, address)
        futures = [client.submit(task, kernel, size, chunk, stop_file,
                                 key="gil-lab-%s-%s-%d" % (kernel, tag, i), pure=False)
                   for i in range(tasks)]
        try:
            results = _wait(client, futures, stop_file)
        finally:
            client.cancel(futures)
        gathered_ns = time.monotonic_ns()
        client_cpu_s = time.process_time() - client_cpu0
        after = _probe(client)
        info = client.scheduler_info(n_workers=-1)
        details = _details(strategy, cluster, info, before, after, results, submitted_ns, gathered_ns)
    except BaseException:
        if cluster is not None:
            cluster.close(abandon=True)
            cluster = None
        raise
    finally:
        if cluster is not None:
            close_s = cluster.close()
        for module in by_value:
            cloudpickle.unregister_pickle_by_value(module)
    details["close_s"] = close_s
    details["client_cpu_s"] = client_cpu_s
    details["dask_version"] = distributed.__version__
    checksum, chunks, _ = kernel_tasks.combine([(v, _on_host_clock(c, w, before), cpu) for v, c, cpu, w in results])
    return DaskRun(checksum, chunks, details["worker_cpu_s"], details)


class _ByValue:
    """A task function that pickles as its code, for a scheduler and workers without gil_lab.

    dask pickles a task graph with the standard pickle (by reference) unless
    it mentions ``__main__``; this wrapper's ``__reduce__`` hands the pickle
    ``cloudpickle.loads`` (which every dask has) and the function's code, so
    the function is rebuilt where it is unpickled.
    """

    def __init__(self, function):
        self.function = function
        self.__name__ = function.__name__
        self._pickled = None

    def __call__(self, *args, **kwargs):
        return self.function(*args, **kwargs)

    def __reduce__(self):
        import cloudpickle

        if self._pickled is None:
            self._pickled = cloudpickle.dumps(self.function)
        return cloudpickle.loads, (self._pickled,)


def _send_by_value(address):
    """For an existing scheduler: registers gil_lab to travel by value; the modules registered.

    cloudpickle then sends a gil_lab function as code, with every gil_lab
    module it refers to (a registered parent package covers them), and dask's
    own ``client.run`` uses cloudpickle for a function whose module is
    registered. A LocalCluster's workers import gil_lab by name.
    """
    if not address:
        return []
    import cloudpickle

    # distributed pickles with cloudpickle only a function whose own module is
    # registered (a registered package does not cover it there): each module
    # with a function the workers run is named.
    modules = [gil_lab, kernel_tasks, dask_cluster, sys.modules[__name__]]
    for module in modules:
        cloudpickle.register_pickle_by_value(module)
    return modules


def _task(function, address):
    """``function`` as it is submitted: by value to an existing scheduler."""
    return _ByValue(function) if address else function


def _wait(client, futures, stop_file):
    """Results in task order; honours the stop file, and fails when no worker is left for a while.

    Each future's done-callback wakes the wait at once, so polling adds nothing to the time.
    """
    import threading

    wake = threading.Event()
    for future in futures:
        future.add_done_callback(lambda _: wake.set())
    alone_since = None
    checked = time.monotonic()
    while True:
        wake.wait(_POLL_S)
        wake.clear()
        failed = [f for f in futures if f.status == "error"]
        if failed:
            failed[0].result()  # raises the task's error (KilledWorker, the worker's TimeoutError)
        pending = [f for f in futures if not f.done()]
        if not pending:
            return [f.result() for f in futures]
        if stop_file and os.path.exists(stop_file):
            raise TimeoutError("the run's --timeout passed")
        now = time.monotonic()
        if now - checked >= 1.0:
            checked = now
            if client.nthreads():
                alone_since = None
            elif alone_since is None:
                alone_since = now
            elif now - alone_since > NO_WORKER_GRACE_S:
                raise DaskRunFailed("no dask worker left at %s for %g s; %d of %d tasks unfinished"
                                    % (client.scheduler.address, NO_WORKER_GRACE_S, len(pending), len(futures)))


def _on_host_clock(chunks, address, probes):
    offset = probes.get(address, {}).get("offset_ns", 0)
    if not offset:
        return chunks
    return [(w, s - offset, e - offset, c) for w, s, e, c in chunks]


def _details(strategy, cluster, info, before, after, results, submitted_ns, gathered_ns):
    workers_info = info.get("workers", {})
    per_worker = []
    cpu_total = 0.0
    for address in sorted(set(before) | set(after) | {r[3] for r in results if r[3]}):
        b, a = before.get(address), after.get(address)
        mine = [r for r in results if r[3] == address]
        cpu_s = a["cpu_s"] - b["cpu_s"] if a and b and a["pid"] == b["pid"] else None
        if cpu_s is not None:
            cpu_total += cpu_s
        per_worker.append({
            "address": address,
            "host": (a or b or {}).get("host"),
            "pid": (a or b or {}).get("pid"),
            "nthreads": workers_info.get(address, {}).get("nthreads") or (a or b or {}).get("nthreads"),
            "tasks": len(mine),
            "chunks": sum(len(r[1]) for r in mine),
            "busy_s": sum(e - s for r in mine for _, s, e, _ in r[1]) / 1e9,
            "cpu_s": cpu_s,
            "lost": a is None,
            "clock_offset_ns": (b or a or {}).get("offset_ns", 0),
            "gil_contention": _gil_mean(b, a),
            "gil_contention_reason": _gil_reason(b, a),
        })
    threads = sorted({w["nthreads"] for w in per_worker if w["nthreads"]})
    gap_s, gap_why = _task_gap(results)
    first_start = min((c[1] - before.get(r[3], {}).get("offset_ns", 0) for r in results for c in r[1][:1]),
                      default=None)
    gil = [w["gil_contention"] for w in per_worker if w["gil_contention"] is not None]
    return {
        "strategy": strategy,
        "cluster": "existing" if cluster.existing else "local",
        "address": cluster.client.scheduler.address,
        "workers": len([w for w in per_worker if not w["lost"]]),
        "threads_per_worker": threads[0] if len(threads) == 1 else threads,
        "hosts": sorted({w["host"] for w in per_worker if w["host"]}),
        "cluster_start_s": cluster.start_s,
        "cluster_start_what": ("connecting to the scheduler" if cluster.existing else
                               "starting the LocalCluster (scheduler in this process, one nanny "
                               "and worker process each) until every worker had registered"),
        "submitted_ns": submitted_ns,
        "work_s": (gathered_ns - submitted_ns) / 1e9,
        "submit_to_first_chunk_s": None if first_start is None else (first_start - submitted_ns) / 1e9,
        "task_gap_s": gap_s,
        "task_gap_reason": gap_why,
        "worker_cpu_s": cpu_total,
        "workers_lost": sum(1 for w in per_worker if w["lost"]),
        "gil_contention": statistics.fmean(gil) if gil else None,
        "gil_contention_what": ("dask's system monitor (gilknocker): the share of time its polling thread "
                                "waited for the GIL, per worker over the run, mean of the workers"),
        "gil_contention_reason": None if gil else next(
            (w["gil_contention_reason"] for w in per_worker if w["gil_contention_reason"]),
            "dask's monitor took no sample during the run"),
        "per_worker": per_worker,
    }


def _gil_mean(before, after):
    """dask's GIL contention (0-1) averaged over the run, from its monitor's integral."""
    if not before or not after or before["gil"] is None or after["gil"] is None or before["pid"] != after["pid"]:
        return None
    (c0, t0), (c1, t1) = before["gil"], after["gil"]
    return (c1 - c0) / (t1 - t0) if t1 > t0 else None


def _gil_reason(before, after):
    if _gil_mean(before, after) is not None:
        return None
    for probe in (after, before):
        if probe and probe["gil_reason"]:
            return probe["gil_reason"]
    return "the worker was lost during the run" if before and not after else "no figure"


def _task_gap(results):
    """Median time a worker thread sat between the end of one task and the start of its next.

    On a saturated worker that is dask's per-task turnaround: result back to
    the scheduler, next task out. A worker thread that ran one task shows none.
    """
    by_thread = {}
    for _, chunks, _, _ in results:
        if chunks:
            by_thread.setdefault(chunks[0][0], []).append((chunks[0][1], chunks[-1][2]))
    gaps = []
    for spans in by_thread.values():
        spans.sort()
        gaps += [b[0] - a[1] for a, b in zip(spans, spans[1:])]
    if not gaps:
        return None, "every worker thread ran one task: no gap between tasks to measure (see the dask sweep)"
    return statistics.median(gaps) / 1e9, None


def main(argv=None):
    import argparse
    import json

    parser = argparse.ArgumentParser(prog="python -m gil_lab.dask.strategies",
                                     description="Runs one dask strategy, or says whether dask is here; prints JSON.")
    parser.add_argument("what", choices=("run", "available"))
    parser.add_argument("--strategy", default="py-dask", choices=STRATEGIES)
    parser.add_argument("--kernel", default="sum_squares", choices=kernel_tasks.KERNELS)
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--tasks", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--dask", dest="address", default=None, help="an existing scheduler, tcp://HOST:PORT")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    try:
        if args.what == "available":
            print(json.dumps(availability()))
        else:
            result = run(args.strategy, args.kernel, args.size, args.tasks, max(1, args.size // 100),
                         args.workers, args.address)
            print(json.dumps(dict(result.details, checksum=repr(result[0]), chunks=len(result[1]))))
    except DaskUnreachable as exc:
        print("error: %s" % exc, file=sys.stderr)
        return exc.exit_code
    except DaskUnavailable as exc:
        print("error: %s" % exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
