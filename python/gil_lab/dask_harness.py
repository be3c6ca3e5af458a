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

dask lives in a private virtual environment per interpreter,
``$HOME/.cache/gil-lab/dask/<version>`` (``scripts/install-dask.sh`` makes
it); this module puts that environment's site-packages at the front of
``sys.path`` when dask is not importable already. The LocalCluster's worker
processes are started with ``spawn`` and inherit that ``sys.path``.

No LocalCluster process outlives its run: the scheduler and the nannies are
threads of this process; the worker processes are closed at the end of a run
and killed at once when the run fails or is interrupted. When this process
dies, dask's own watch does it: each worker holds the read end of a pipe whose
write end only this process holds and exits as soon as it reads EOF (a worker
thread of ``distributed.process.AsyncProcess``), which covers SIGKILL too.
PR_SET_PDEATHSIG is not used: it fires when the *thread* that started the
child ends, and dask starts workers from its event-loop thread.
"""

import os
import socket
import statistics
import sys
import sysconfig
import time
import uuid

from gil_lab import harness

STRATEGIES = ("py-dask", "py-dask-threads")

# How long connecting to an existing scheduler may take before DaskUnreachable.
CONNECT_TIMEOUT_S = 10.0
# How long a run on an existing scheduler may go on with no worker at all.
NO_WORKER_GRACE_S = 10.0
# How long closing a LocalCluster may take before its worker processes are killed.
CLOSE_TIMEOUT_S = 10.0
# How often the wait for results looks at the stop file and at the workers.
_POLL_S = 0.05

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
INSTALL_SCRIPT = os.path.join(REPO, "scripts", "install-dask.sh")


class DaskUnavailable(RuntimeError):
    """This interpreter has no dask: the message says how to install it."""


class DaskPythonMismatch(RuntimeError):
    """The cluster runs another Python than this client: dask ships the task
    code by pickling it, and pickled code only loads in the same Python.
    A user's choice to correct (``--python`` the cluster's version): exit 2."""

    exit_code = 2


def check_same_python(client):
    """Raises :class:`DaskPythonMismatch` when the scheduler's Python differs from ours."""
    import platform

    ours = platform.python_version()
    theirs = client.get_versions(check=False)["scheduler"]["host"].get("python", "")
    if theirs.split(".")[:2] != ours.split(".")[:2]:
        minor = ".".join(theirs.split(".")[:2])
        raise DaskPythonMismatch(
            "the dask cluster at %s runs Python %s, this interpreter %s: dask sends the task code "
            "pickled, which only loads in the same Python; add --python %s (an interpreter with "
            "that version and dask)" % (client.scheduler.address, theirs, ours, minor))


def cluster_python(address, connect_timeout_s=10):
    """JSON: the Python version (``"3.13.5"``) the scheduler at ``address`` runs; ``null`` without dask."""
    import json

    if reason("py-dask", address) is not None:
        return json.dumps(None)
    from distributed import Client

    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the version mismatch is what the caller checks
        with Client(address, timeout=connect_timeout_s, set_as_default=False) as client:
            return json.dumps(client.get_versions(check=False)["scheduler"]["host"].get("python"))


class DaskUnreachable(ConnectionError):
    """No scheduler answered at ``address`` within the connect timeout.

    A user's mistake (a wrong ``--dask`` address): the host exits with
    :attr:`exit_code` and the message, which names the address.
    """

    exit_code = 2

    def __init__(self, address, timeout_s, cause):
        self.address = address
        self.timeout_s = timeout_s
        super().__init__("no dask scheduler answered at %s within %g s (%s)" % (address, timeout_s, cause))


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
# Where dask is
# --------------------------------------------------------------------------

def interpreter_label():
    """``3.11``, or ``3.13t`` for a free-threaded build: the environment's folder name."""
    free = "t" if sysconfig.get_config_var("Py_GIL_DISABLED") else ""
    return "%d.%d%s" % (sys.version_info[0], sys.version_info[1], free)


def venv_dir():
    home = os.environ.get("GIL_LAB_DASK_HOME") or os.path.join(os.path.expanduser("~"), ".cache", "gil-lab", "dask")
    return os.path.join(home, interpreter_label())


def _venv_site_packages():
    lib = os.path.join(venv_dir(), "lib", "python%d.%d%s" % (sys.version_info[0], sys.version_info[1],
                                                            "t" if interpreter_label().endswith("t") else ""))
    path = os.path.join(lib, "site-packages")
    return path if os.path.isdir(path) else None


def install_command():
    return INSTALL_SCRIPT if os.path.exists(INSTALL_SCRIPT) else "scripts/install-dask.sh"


def import_dask():
    """Makes ``dask.distributed`` importable (from the private environment if need be); ``None`` or why not."""
    try:
        import distributed  # noqa: F401
        return None
    except ImportError:
        pass
    site = _venv_site_packages()
    if site is None:
        return "no dask for Python %s: %s has no environment; run %s" % (
            interpreter_label(), venv_dir(), install_command())
    if site not in sys.path:
        # In front: an older copy of a dependency (cloudpickle, say) in the
        # interpreter's own site-packages must not shadow the environment's.
        sys.path.insert(0, site)
    try:
        import distributed  # noqa: F401,F811
    except ImportError as exc:
        return "dask in %s does not import in Python %s (%s); run %s" % (
            venv_dir(), interpreter_label(), exc, install_command())
    return None


def reason(strategy="py-dask", address=None):
    """``None`` when ``strategy`` can run here (with ``address`` for ``--dask``), else why not."""
    why = import_dask()
    if why is not None:
        return why
    if strategy == "py-dask-threads" and address:
        return "py-dask-threads starts its own one-process cluster; --dask applies to py-dask"
    if strategy not in STRATEGIES:
        return "unknown dask strategy %r (known: %s)" % (strategy, ", ".join(STRATEGIES))
    return None


def availability():
    """What ``gil-lab pythons`` shows for this interpreter: dask or not, where, and how to get it."""
    why = import_dask()
    answer = {
        "available": why is None,
        "reason": why,
        "install_command": install_command(),
        "venv": venv_dir(),
        "dask_command": None,
        "dask_version": None,
        "distributed_version": None,
        "gilknocker_version": None,
    }
    if why is None:
        from importlib import metadata

        for name in ("dask", "distributed", "gilknocker"):
            try:
                answer[name + "_version"] = metadata.version(name)
            except metadata.PackageNotFoundError:
                pass
        command = os.path.join(venv_dir(), "bin", "dask")
        answer["dask_command"] = command if os.path.exists(command) else None
    return answer


# --------------------------------------------------------------------------
# What runs in a worker
# --------------------------------------------------------------------------

def worker_task(kernel, size, chunk, stop_file):
    """One task in a dask worker: :func:`harness.run_task` plus the worker's address.

    ``stop_file`` is the host's: a worker on the same machine stops between
    chunks once it exists, as a process pool's worker does.
    """
    harness._STOP_FILE = stop_file
    value, chunks, cpu_s = harness.run_task(kernel, size, chunk)
    return value, chunks, cpu_s, _worker_address()


def empty_task(i):
    return i


def _worker_address():
    try:
        from distributed import get_worker

        return get_worker().address
    except (ImportError, ValueError):
        return None


def worker_probe(dask_worker=None):
    """The worker's clocks, host and dask's GIL contention integral, read in the worker."""
    monitor = getattr(dask_worker, "monitor", None)
    gil = None
    why = None
    if monitor is None:
        why = "this worker has no system monitor"
    elif not getattr(monitor, "monitor_gil_contention", False):
        try:
            import gilknocker  # noqa: F401
            why = "dask's GIL monitor is off (distributed.admin.system-monitor.gil.enabled)"
        except ImportError:
            why = "gilknocker is not installed where this worker runs"
    else:
        # update() folds the contention since its last sample into the integral.
        monitor.update()
        gil = [monitor.cumulative_gil_contention, monitor.last_time]
    return {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "monotonic_ns": time.monotonic_ns(),
        "cpu_s": time.process_time(),
        "nthreads": getattr(dask_worker, "state", None) and dask_worker.state.nthreads,
        "gil": gil,
        "gil_reason": why,
    }


# --------------------------------------------------------------------------
# Clusters
# --------------------------------------------------------------------------

class _Cluster:
    """A Client on a LocalCluster it owns, or on an existing scheduler."""

    def __init__(self, strategy, workers, address, connect_timeout_s):
        from distributed import Client, LocalCluster

        self.cluster = None
        self.client = None
        self.existing = bool(address)
        started = time.perf_counter()
        if self.existing:
            try:
                self.client = Client(address, timeout=connect_timeout_s, set_as_default=False)
            except (OSError, TimeoutError) as exc:
                raise DaskUnreachable(address, connect_timeout_s, exc) from None
        else:
            processes, threads = (workers, 1) if strategy == "py-dask" else (1, workers)
            self.cluster = LocalCluster(
                n_workers=processes,
                threads_per_worker=threads,
                processes=True,
                host="127.0.0.1",
                scheduler_port=0,
                dashboard_address=":0",  # a free port: a fixed one may be taken by another cluster
                silence_logs=50,  # logging.CRITICAL: a lost worker is reported by the result
            )
            try:
                self.client = Client(self.cluster, set_as_default=False)
                self.client.wait_for_workers(processes, timeout=60)
            except BaseException:
                self.close()
                raise
        self.start_s = time.perf_counter() - started

    def worker_pids(self):
        if self.cluster is None:
            return []
        pids = []
        for nanny in list(self.cluster.workers.values()):
            process = getattr(nanny, "process", None)
            pid = getattr(getattr(process, "process", None), "pid", None)
            if pid:
                pids.append(pid)
        return pids

    def close(self, abandon=False):
        """Closes the client and, for a LocalCluster, every process it started; kills what lingers.

        ``abandon``: the run failed or was interrupted, so the LocalCluster's
        workers may be inside a task that never looks up; they are killed
        first, not asked to finish.
        """
        started = time.perf_counter()
        pids = self.worker_pids()
        if abandon:
            _kill_survivors(pids)
        if self.client is not None:
            try:
                self.client.close(timeout=CLOSE_TIMEOUT_S)
            except Exception:  # noqa: BLE001 - closing must go on
                pass
        if self.cluster is not None:
            try:
                self.cluster.close(timeout=CLOSE_TIMEOUT_S)
            except Exception:  # noqa: BLE001
                pass
            _kill_survivors(pids)
        return time.perf_counter() - started


def _kill_survivors(pids):
    import signal

    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)  # dask's own watcher thread reaps it
        except OSError:
            pass


def _probe(client):
    """``{address: probe}`` of every worker, and the host's clock offset of each (ns)."""
    before = time.monotonic_ns()
    probes = client.run(worker_probe, on_error="return")
    after = time.monotonic_ns()
    here = socket.gethostname()
    answer = {}
    for address, probe in probes.items():
        if isinstance(probe, BaseException):
            continue
        # Another host's monotonic clock starts elsewhere: map its times onto ours.
        probe["offset_ns"] = 0 if probe["host"] == here else probe["monotonic_ns"] - (before + after) // 2
        answer[address] = probe
    return answer


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
        stop_file = harness._STOP_FILE
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
    checksum, chunks, _ = harness.combine([(v, _on_host_clock(c, w, before), cpu) for v, c, cpu, w in results])
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
    import gil_lab

    modules = [gil_lab, harness, sys.modules[__name__]]
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


# --------------------------------------------------------------------------
# Per-task overhead: empty tasks and a sweep over task size
# --------------------------------------------------------------------------

def overhead(strategy="py-dask", workers=2, address=None, quick=True, connect_timeout_s=CONNECT_TIMEOUT_S):
    """Per-task cost of dask on a warm cluster, measured three ways; a JSON-ready dict.

    * ``round_trip_s``: one empty task submitted and its result awaited, one after another;
    * ``mapped_s_per_task``: many empty tasks in one ``Client.map``, wall time divided by their number;
    * ``sweep``: tasks of ``sum(i * i for i in range(k))`` for growing ``k``, on dask against a
      plain loop; ``overhead_s_per_task`` is the difference per task at the smallest ``k``.
    """
    why = reason(strategy, address)
    if why is not None:
        raise DaskUnavailable(why)
    rounds = 3 if quick else 5
    empties = 200 if quick else 1000
    tasks = 40 if quick else 100
    sizes = [10, 1_000, 10_000, 100_000] if quick else [10, 100, 1_000, 10_000, 100_000, 300_000]
    import cloudpickle

    by_value = _send_by_value(address)
    cluster = None
    try:
        cluster = _Cluster(strategy, workers, address, connect_timeout_s)
        client = cluster.client
        threads = sum(client.nthreads().values())
        empty, work = _task(empty_task, address), _task(harness.sum_squares, address)
        client.gather(client.map(empty, range(threads * 2), pure=False))  # warm every worker
        trips = []
        for i in range(20 if quick else 100):
            t = time.perf_counter()
            client.submit(empty, i, pure=False).result()
            trips.append(time.perf_counter() - t)
        mapped = []
        for _ in range(rounds):
            t = time.perf_counter()
            client.gather(client.map(empty, range(empties), pure=False))
            mapped.append((time.perf_counter() - t) / empties)
        rows = []
        for k in sizes:
            loop, on_dask = [], []
            for _ in range(rounds):
                t = time.perf_counter()
                expected = [harness.sum_squares(0, k) for _ in range(tasks)]
                loop.append(time.perf_counter() - t)
                t = time.perf_counter()
                got = client.gather(client.map(work, [0] * tasks, [k] * tasks, pure=False))
                on_dask.append(time.perf_counter() - t)
                if got != expected:
                    raise DaskRunFailed("dask returned other values than the loop for k=%d" % k)
            rows.append({"iterations": k, "tasks": tasks, "loop_s": statistics.median(loop),
                         "dask_s": statistics.median(on_dask),
                         "dask_vs_loop": statistics.median(on_dask) / statistics.median(loop)})
        smallest = rows[0]
        answer = {
            "strategy": strategy,
            "cluster": "existing" if cluster.existing else "local",
            "address": client.scheduler.address,
            "threads": threads,
            "cluster_start_s": cluster.start_s,
            "round_trip_s": statistics.median(trips),
            "round_trips": len(trips),
            "mapped_s_per_task": statistics.median(mapped),
            "mapped_tasks": empties,
            "rounds": rounds,
            "sweep": rows,
            "overhead_s_per_task": (smallest["dask_s"] - smallest["loop_s"]) / tasks,
            "pays_from_iterations": next((r["iterations"] for r in rows if r["dask_vs_loop"] < 1), None),
        }
    finally:
        if cluster is not None:
            cluster.close()
        for module in by_value:
            cloudpickle.unregister_pickle_by_value(module)
    return answer


def overhead_json(strategy="py-dask", workers=2, address=None, quick=True):
    import json

    return json.dumps(overhead(strategy, workers, address, quick), allow_nan=False)


def main(argv=None):
    import argparse
    import json

    parser = argparse.ArgumentParser(prog="python -m gil_lab.dask_harness",
                                     description="Runs one dask strategy, or measures dask's per-task overhead; prints JSON.")
    parser.add_argument("what", choices=("run", "overhead", "available"))
    parser.add_argument("--strategy", default="py-dask", choices=STRATEGIES)
    parser.add_argument("--kernel", default="sum_squares", choices=harness.KERNELS)
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--tasks", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--dask", dest="address", default=None, help="an existing scheduler, tcp://HOST:PORT")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    try:
        if args.what == "available":
            print(json.dumps(availability()))
        elif args.what == "overhead":
            print(overhead_json(args.strategy, args.workers, args.address, args.quick))
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
