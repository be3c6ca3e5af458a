"""Tests for gil_lab.dask.strategies: py-dask and py-dask-threads on real dask clusters.

They need the private environment that scripts/install-dask.sh makes for this
interpreter ($HOME/.cache/gil-lab/dask/<version>) and are skipped without it.
Every run goes through `python -m gil_lab.dask.strategies` in a process of its own
session, so the test can see every process a run started (scheduler threads,
nannies, workers, the resource tracker) and check that none outlives it. The
existing cluster is a real `dask scheduler` and two `dask worker --nthreads 1`
on 127.0.0.1, started from that environment's bin/dask.

Run:  python3 -m pytest python/tests -q
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import missing

PYTHON_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PYTHON_DIR))

from gil_lab.harness import models  # noqa: E402
from gil_lab.runtime import dask_env  # noqa: E402

DASK = Path(dask_env.venv_dir()) / "bin" / "dask"
ENV = dict(os.environ, PYTHONPATH=str(PYTHON_DIR), PYTHONDONTWRITEBYTECODE="1")
ENV.pop("GIL_LAB_STOP_FILE", None)
RUN_TIMEOUT_S = 180  # a bound on a hang, not a figure under test

NO_DASK = (
    "no private dask environment for Python %s at %s: run %s"
    % (dask_env.interpreter_label(), dask_env.venv_dir(), dask_env.install_command())
    if not DASK.exists() or dask_env._venv_site_packages() is None
    else None
)


@pytest.fixture
def dask_installed():
    """The private dask environment the test needs (see conftest.missing)."""
    if NO_DASK:
        missing(NO_DASK)


needs_dask = pytest.mark.usefixtures("dask_installed")


# --------------------------------------------------------------------------
# Processes: sessions, /proc
# --------------------------------------------------------------------------

def _stat(pid):
    """(ppid, session, utime + stime in ticks) of ``pid`` from /proc, or None once it is gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    if fields[0] == "Z":
        return None
    return int(fields[1]), int(fields[3]), int(fields[11]) + int(fields[12])


def session_pids(sid):
    """Live processes of session ``sid`` (a process started with start_new_session leads its own)."""
    pids = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            stat = _stat(int(name))
            if stat is not None and stat[1] == sid:
                pids.append(int(name))
    return pids


def children(pid):
    return [p for p in map(int, (n for n in os.listdir("/proc") if n.isdigit()))
            if (_stat(p) or (None,))[0] == pid]


def wait_gone(sid, within_s=30):
    """The processes of session ``sid`` still alive ``within_s`` seconds from now (empty when all ended)."""
    end = time.monotonic() + within_s
    while time.monotonic() < end:
        left = session_pids(sid)
        if not left:
            return []
        time.sleep(0.1)
    return session_pids(sid)


def wait_until_busy(pids, cpu_ticks=10, within_s=60):
    """The first of ``pids`` that has used ``cpu_ticks`` more CPU ticks, i.e. is running a task."""
    start = {p: (_stat(p) or (0, 0, 0))[2] for p in pids}
    end = time.monotonic() + within_s
    while time.monotonic() < end:
        for p in pids:
            stat = _stat(p)
            if stat is not None and stat[2] - start[p] >= cpu_ticks:
                return p
        time.sleep(0.05)
    raise AssertionError("no worker process started computing within %d s" % within_s)


def kill_session(sid):
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in session_pids(sid):
            try:
                os.kill(pid, sig)
            except OSError:
                pass
        if not wait_gone(sid, 5):
            return


# `python -m gil_lab.dask.strategies run ...`, which first prints "submitted" once
# the tasks are on their way, so that a test acts on a run's workers only then.
DRIVER = """
import sys
from gil_lab.dask import strategies
wait = strategies._wait
def announced(*args):
    print("submitted", flush=True)
    return wait(*args)
strategies._wait = announced
sys.exit(strategies.main(["run"] + sys.argv[1:]))
"""


def start_run(*args, env=ENV):
    return subprocess.Popen([sys.executable, "-c", DRIVER, *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)


def wait_submitted(process, within_s=90):
    """Returns once the run has submitted its tasks; fails if it ends or takes longer."""
    import selectors

    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        assert selector.select(within_s), "the run did not submit its tasks within %d s" % within_s
    line = process.stdout.readline()
    assert line == "submitted\n", "the run ended before submitting: %r %s" % (line, process.stderr.read())


def finish(process):
    """(exit code, stdout, stderr) of a run, after checking it left no process behind."""
    try:
        out, err = process.communicate(timeout=RUN_TIMEOUT_S)
    finally:
        left = wait_gone(process.pid)
        kill_session(process.pid)
    assert left == [], "processes left behind by the run: %s" % left
    return process.returncode, out.replace("submitted\n", "", 1), err


def run_json(*args, env=ENV):
    code, out, err = finish(start_run(*args, env=env))
    assert code == 0, err
    return json.loads(out)


def sequential_checksum(kernel, size, tasks):
    """The harness's sequential checksum (for a large sum of squares, its closed form)."""
    if kernel == "sum_squares" and size > 1_000_000:
        return repr(tasks * ((size - 1) * size * (2 * size - 1) // 6))
    return repr(models.sequential(kernel, size, tasks, max(1, size // 100))[0])


# --------------------------------------------------------------------------
# Without dask
# --------------------------------------------------------------------------

def test_without_an_environment_dask_is_unavailable_with_the_install_command(tmp_path):
    code = ("import json, sys\nsys.path.insert(0, %r)\nfrom gil_lab.runtime import dask_env\n"
            "print(json.dumps([dask_env.availability(), dask_env.reason('py-dask')]))" % str(PYTHON_DIR))
    env = dict(ENV, GIL_LAB_DASK_HOME=str(tmp_path))
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    availability, reason = json.loads(result.stdout)
    try:
        import distributed  # noqa: F401
        pytest.skip("this interpreter has dask in its own site-packages")
    except ImportError:
        pass
    assert availability["available"] is False
    assert "install-dask.sh" in availability["reason"] and "install-dask.sh" in reason
    assert availability["install_command"].endswith("scripts/install-dask.sh")


# --------------------------------------------------------------------------
# A LocalCluster of its own
# --------------------------------------------------------------------------

@needs_dask
@pytest.mark.parametrize("kernel,size", [("sum_squares", 200_000), ("sqrt_sum", 100_000)])
def test_py_dask_agrees_with_the_sequential_checksum_and_reports_its_workers(kernel, size):
    d = run_json("--strategy", "py-dask", "--kernel", kernel, "--size", str(size), "--tasks", "4", "--workers", "2")
    assert d["checksum"] == sequential_checksum(kernel, size, 4)
    assert d["chunks"] == 4 * 100
    assert d["cluster"] == "local" and d["address"].startswith("tcp://127.0.0.1:")
    assert d["workers"] == 2 and d["threads_per_worker"] == 1
    assert d["hosts"] == [socket.gethostname()]
    assert d["cluster_start_s"] > 0 and d["close_s"] >= 0 and d["work_s"] > 0
    assert sum(w["tasks"] for w in d["per_worker"]) == 4
    assert len({w["pid"] for w in d["per_worker"]}) == 2
    assert d["worker_cpu_s"] > 0
    assert d["workers_lost"] == 0


@needs_dask
def test_py_dask_threads_runs_every_task_in_one_worker_process_and_says_where_dask_saw_the_gil():
    d = run_json("--strategy", "py-dask-threads", "--size", "200000", "--tasks", "4", "--workers", "2")
    assert d["checksum"] == sequential_checksum("sum_squares", 200_000, 4)
    assert d["workers"] == 1 and d["threads_per_worker"] == 2
    (worker,) = d["per_worker"]
    assert worker["tasks"] == 4
    if d["gil_contention"] is None:
        assert d["gil_contention_reason"] and worker["gil_contention_reason"]
    else:
        assert 0 <= d["gil_contention"] <= 1 and d["gil_contention_reason"] is None


@needs_dask
def test_the_harness_answers_a_tuple_with_details_as_other_models_do():
    code = ("import json, sys\nsys.path.insert(0, %r)\nfrom gil_lab.dask import strategies\n"
            "r = strategies.run('py-dask', 'sum_squares', 50_000, 2, 5_000, 2)\n"
            "value, chunks, cpu = r\n"
            "print(json.dumps([repr(value), len(chunks), isinstance(r, tuple), json.loads(r.details_json())]))"
            % str(PYTHON_DIR))
    process = subprocess.Popen([sys.executable, "-c", code], env=ENV, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, start_new_session=True)
    code, out, err = finish(process)
    assert code == 0, err
    value, chunks, is_tuple, details = json.loads(out)
    assert value == sequential_checksum("sum_squares", 50_000, 2) and chunks == 20 and is_tuple
    assert details["strategy"] == "py-dask" and details["workers"] == 2


@needs_dask
def test_a_killed_localcluster_worker_is_replaced_and_the_run_ends():
    process = start_run("--size", "10000000", "--tasks", "4", "--workers", "2")
    try:
        # The LocalCluster's worker processes are the run's children started by spawn.
        wait_submitted(process)
        workers = [p for p in children(process.pid) if "spawn_main" in _cmdline(p)]
        assert len(workers) == 2, [_cmdline(p) for p in children(process.pid)]
        os.kill(wait_until_busy(workers), signal.SIGKILL)
    finally:
        code, out, err = finish(process)
    if code == 0:
        d = json.loads(out)
        assert d["checksum"] == sequential_checksum("sum_squares", 10_000_000, 4)
        assert d["workers_lost"] >= 1
    else:
        assert "KilledWorker" in err, err


def _cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


@needs_dask
def test_the_stop_file_ends_a_run_with_timeouterror(tmp_path):
    stop = tmp_path / "stop"
    process = start_run("--size", "100000000", "--tasks", "2", "--workers", "2",
                        env=dict(ENV, GIL_LAB_STOP_FILE=str(stop)))
    try:
        wait_submitted(process)
        workers = [p for p in children(process.pid) if "spawn_main" in _cmdline(p)]
        assert len(workers) == 2, [_cmdline(p) for p in children(process.pid)]
        wait_until_busy(workers)
        stop.write_bytes(b"")
    finally:
        code, out, err = finish(process)
    assert code != 0
    assert "TimeoutError" in err and "--timeout" in err, err


@needs_dask
def test_a_killed_host_takes_its_localcluster_with_it():
    process = start_run("--size", "100000000", "--tasks", "2", "--workers", "2")
    try:
        wait_submitted(process)
        workers = [p for p in children(process.pid) if "spawn_main" in _cmdline(p)]
        assert len(workers) == 2, [_cmdline(p) for p in children(process.pid)]
        wait_until_busy(workers)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        left = wait_gone(process.pid, 30)
    finally:
        process.communicate()
        kill_session(process.pid)
    assert left == [], "worker processes outlived their host: %s" % [_cmdline(p) for p in left]


# --------------------------------------------------------------------------
# An existing scheduler on 127.0.0.1
# --------------------------------------------------------------------------

def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ExistingCluster:
    """`dask scheduler` and two `dask worker --nthreads 1`, all on 127.0.0.1, each in its own session."""

    def __init__(self, folder):
        self.address = "tcp://127.0.0.1:%d" % _free_port()
        self.processes = []
        self.logs = folder
        self.scheduler = self._start("scheduler", "scheduler", "--host", "127.0.0.1",
                                     "--port", self.address.rsplit(":", 1)[1], "--no-dashboard")
        self._wait_for_log("scheduler", "Scheduler at:")
        self.workers = [self._start("worker%d" % i, "worker", self.address, "--nthreads", "1",
                                    "--host", "127.0.0.1", "--no-dashboard") for i in (1, 2)]
        self._wait_for_log("scheduler", "Register worker", count=2)

    def _start(self, name, *args):
        log = open(self.logs / (name + ".log"), "w")
        process = subprocess.Popen([str(DASK), *args], stdout=log, stderr=subprocess.STDOUT,
                                   env=ENV, start_new_session=True)
        log.close()
        self.processes.append(process)
        return process

    def _wait_for_log(self, name, text, count=1, within_s=60):
        end = time.monotonic() + within_s
        while time.monotonic() < end:
            if (self.logs / (name + ".log")).read_text().count(text) >= count:
                return
            for p in self.processes:
                assert p.poll() is None, "%s ended early: %s" % (p.args, self.log_text())
            time.sleep(0.1)
        raise AssertionError("no %r in the %s log within %d s: %s" % (text, name, within_s, self.log_text()))

    def log_text(self):
        return "\n".join("%s:\n%s" % (p.name, p.read_text()[-1500:]) for p in sorted(self.logs.glob("*.log")))

    def close(self):
        for process in self.processes:
            kill_session(process.pid)
            process.wait(timeout=10)
        return [pid for p in self.processes for pid in session_pids(p.pid)]


@pytest.fixture
def existing_cluster(tmp_path):
    cluster = ExistingCluster(tmp_path)
    try:
        yield cluster
    finally:
        left = cluster.close()
    assert left == [], "processes of the existing cluster left behind: %s" % left


@needs_dask
def test_a_run_on_an_existing_scheduler_names_it_its_workers_and_their_hosts(existing_cluster):
    d = run_json("--dask", existing_cluster.address, "--size", "200000", "--tasks", "4")
    assert d["checksum"] == sequential_checksum("sum_squares", 200_000, 4)
    assert d["cluster"] == "existing"
    assert d["address"] == existing_cluster.address
    assert d["workers"] == 2 and d["threads_per_worker"] == 1
    assert d["hosts"] == [socket.gethostname()]
    assert {w["address"].rsplit(":", 1)[0] for w in d["per_worker"]} == {"tcp://127.0.0.1"}
    assert all(w["clock_offset_ns"] == 0 for w in d["per_worker"])


@needs_dask
def test_killing_a_worker_of_an_existing_cluster_mid_run_ends_in_a_result_or_daskerror(existing_cluster):
    process = start_run("--dask", existing_cluster.address, "--size", "10000000", "--tasks", "4")
    try:
        wait_submitted(process)
        # Each `dask worker` is a nanny; the worker is its child process.
        workers = [c for w in existing_cluster.workers for c in children(w.pid)
                   if "resource_tracker" not in _cmdline(c)]
        assert len(workers) == 2, [_cmdline(c) for c in workers]
        os.kill(wait_until_busy(workers), signal.SIGKILL)
    finally:
        code, out, err = finish(process)
    if code == 0:
        d = json.loads(out)
        assert d["checksum"] == sequential_checksum("sum_squares", 10_000_000, 4)
        assert d["workers_lost"] >= 1
    else:
        assert "KilledWorker" in err, err


@needs_dask
def test_an_unreachable_scheduler_fails_with_exit_2_naming_the_address():
    address = "tcp://127.0.0.1:%d" % _free_port()
    code, out, err = finish(start_run("--dask", address, "--size", "1000", "--tasks", "1"))
    assert code == 2, err
    assert address in err and "no dask scheduler answered" in err
    assert out == ""
