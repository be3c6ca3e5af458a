"""Clusters for the dask strategies: a LocalCluster this process owns, or a
Client on an existing scheduler, and what each worker reports of itself.

No LocalCluster process outlives its run: the scheduler and the nannies are
threads of this process; the worker processes are closed at the end of a run
and killed at once when it fails or is interrupted (:meth:`_Cluster.close`).
"""

import os
import socket
import time

from gil_lab.runtime.dask_env import reason

# How long closing a LocalCluster may take before its worker processes are killed.
CLOSE_TIMEOUT_S = 10.0


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
