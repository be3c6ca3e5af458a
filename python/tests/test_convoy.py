"""Tests for gil_lab.experiments.convoy: shapes and invariants only, never timing thresholds.

Latencies depend on the machine; what must always hold is the JSON shape, the
order of the percentiles, the switch interval put back, and no process or
thread left behind, whatever the start method and even when a row fails.

Set GIL_LAB_CONVOY_SHOW=1 (and pass -s) to print the quick run as a table.
"""

import json
import multiprocessing
import os
import subprocess
import sys
import threading
import time
from collections import namedtuple
from pathlib import Path

import pytest

from conftest import missing

PYTHON_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PYTHON_DIR))

from gil_lab.experiments import convoy  # noqa: E402

PYTHONS = Path("/root/.cache/gil-lab/pythons")
ODD_INTERVAL = 0.0123  # no default and no experiment uses it, so a restore is visible
START_METHODS = ("fork", "spawn", "forkserver")
TINY = convoy.Budget(round_trips=5, seconds=0.5)
ROW_KEYS = {
    "cpu_workers",
    "k",
    "switch_interval_ms",
    "round_trips",
    "p50_ms",
    "p99_ms",
    "max_ms",
    "min_ms",
    "at_interval_multiples",
    "p50_over_interval",
}
EXPECTED_ROWS = {
    *(("none", 0, ms) for ms in (0.5, 5.0, 50.0)),
    *(("threads", k, ms) for k in (1, 2) for ms in (0.5, 5.0, 50.0)),
    ("processes", 1, 5.0),
    ("processes", 2, 5.0),
}
# multiprocessing's own long-lived helpers, shared by every caller: not ours to stop.
HELPERS = (b"multiprocessing.resource_tracker", b"multiprocessing.forkserver")

Run = namedtuple("Run", "result interval_after threads_before threads_after")


def child_pids():
    """Processes whose parent is this one (zombies included), except multiprocessing's helpers."""
    me, pids = os.getpid(), []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue  # it ended meanwhile
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == me and not any(helper in cmdline for helper in HELPERS):
            pids.append(int(entry))
    return pids


def assert_nothing_left(threads_before, threads_after):
    assert multiprocessing.active_children() == []
    assert child_pids() == []
    assert threads_after <= threads_before, [t.name for t in threads_after - threads_before]


def assert_row_shape(row):
    assert set(row) == ROW_KEYS
    assert row["cpu_workers"] in ("none", "threads", "processes")
    assert (row["cpu_workers"] == "none") == (row["k"] == 0)
    assert row["round_trips"] > 0
    assert 0 < row["min_ms"] <= row["p50_ms"] <= row["p99_ms"] <= row["max_ms"]
    assert row["p50_over_interval"] >= 0
    if row["k"] == 0:
        assert row["at_interval_multiples"] is None
    else:
        assert 0.0 <= row["at_interval_multiples"] <= 1.0


@pytest.fixture(scope="module")
def quick_run():
    """One quick run of everything, with an odd switch interval set beforehand."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(ODD_INTERVAL)
    threads_before = set(threading.enumerate())
    try:
        result = json.loads(convoy.measure(True))
        return Run(result, sys.getswitchinterval(), threads_before, set(threading.enumerate()))
    finally:
        sys.setswitchinterval(previous)


def test_quick_run_has_every_row(quick_run):
    rows = quick_run.result["rows"]
    assert {(r["cpu_workers"], r["k"], r["switch_interval_ms"]) for r in rows} == EXPECTED_ROWS
    assert len(rows) == len(EXPECTED_ROWS)


def test_rows_are_well_formed(quick_run):
    for row in quick_run.result["rows"]:
        assert_row_shape(row)
        assert row["round_trips"] <= convoy.QUICK.round_trips


def test_interpreter_and_setup_are_labelled(quick_run):
    assert set(quick_run.result) == {"interpreter", "setup", "rows"}
    assert "GIL" in quick_run.result["interpreter"]
    assert quick_run.result["setup"].strip()


def test_switch_interval_is_restored(quick_run):
    assert quick_run.interval_after == ODD_INTERVAL


def test_quick_run_leaves_no_child_or_thread(quick_run):
    assert_nothing_left(quick_run.threads_before, quick_run.threads_after)


@pytest.mark.parametrize("start_method", START_METHODS)
def test_every_start_method(start_method):
    if start_method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"{start_method} is not available here")
    threads_before = set(threading.enumerate())
    configs = [convoy.Config("processes", 2, 5.0), convoy.Config("threads", 1, 0.5)]
    result = convoy.run_experiment(TINY, start_method, configs)
    assert [r["cpu_workers"] for r in result["rows"]] == ["processes", "threads"]
    for row in result["rows"]:
        assert_row_shape(row)
    assert start_method in result["setup"]
    assert_nothing_left(threads_before, set(threading.enumerate()))


@pytest.mark.parametrize("cpu_workers", ("threads", "processes"))
def test_a_failing_row_still_cleans_up(monkeypatch, cpu_workers):
    def broken(sock, budget):
        raise RuntimeError("broken on purpose")

    monkeypatch.setattr(convoy, "time_round_trips", broken)
    previous = sys.getswitchinterval()
    sys.setswitchinterval(ODD_INTERVAL)
    threads_before = set(threading.enumerate())
    try:
        with pytest.raises(RuntimeError, match="broken on purpose"):
            convoy.run_experiment(TINY, None, [convoy.Config(cpu_workers, 2, 0.5)])
        assert sys.getswitchinterval() == ODD_INTERVAL
    finally:
        sys.setswitchinterval(previous)
    assert_nothing_left(threads_before, set(threading.enumerate()))


def die_at_once(stop, started):
    os._exit(3)


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="needs fork")
def test_a_worker_that_dies_fails_fast(monkeypatch):
    monkeypatch.setattr(convoy, "burn_until_stopped", die_at_once)  # a forked child runs it as is
    threads_before = set(threading.enumerate())
    started = time.monotonic()
    with pytest.raises(RuntimeError, match="ended before it started"):
        convoy.run_experiment(TINY, "fork", [convoy.Config("processes", 2, 5.0)])
    assert time.monotonic() - started < convoy.START_TIMEOUT_S
    assert_nothing_left(threads_before, set(threading.enumerate()))


ORPHAN_SCRIPT = """
import multiprocessing, os, sys
from gil_lab.experiments import convoy
context = multiprocessing.get_context(sys.argv[1])
with convoy.echo_responder(context), convoy.cpu_processes(1, context):
    print(*(p.pid for p in multiprocessing.active_children()), flush=True)
    os._exit(0)  # dies without any clean-up
"""


def gone(pid):
    """No such process, or a zombie waiting for its new parent to reap it."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


@pytest.mark.parametrize("start_method", START_METHODS)
def test_children_end_when_the_parent_dies(start_method):
    if start_method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"{start_method} is not available here")
    env = dict(os.environ, PYTHONPATH=str(PYTHON_DIR), PYTHONDONTWRITEBYTECODE="1")
    done = subprocess.run(
        [sys.executable, "-c", ORPHAN_SCRIPT, start_method],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    pids = [int(pid) for pid in done.stdout.split()]
    assert len(pids) == 2, done.stderr
    deadline = time.monotonic() + 10 * convoy.RESPONDER_POLL_S + convoy.JOIN_TIMEOUT_S
    while not all(gone(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = [pid for pid in pids if not gone(pid)]
    for pid in left:
        os.kill(pid, 9)
    assert left == []


@pytest.mark.parametrize(
    "latency_ms, expected",
    [
        (0.1, False),
        (0.74, False),
        (0.76, True),
        (1.0, True),
        (1.25, True),
        (1.3, False),
        (2.1, True),
        (2.6, False),
    ],
)
def test_at_interval_multiple(latency_ms, expected):
    assert convoy.at_interval_multiple(latency_ms, 1.0) is expected


def test_percentile_is_a_measured_value():
    values = [1.0, 2.0, 3.0, 4.0]
    assert convoy.percentile(values, 50) == 2.0
    assert convoy.percentile(values, 99) == 4.0
    assert convoy.percentile([7.0], 50) == 7.0


@pytest.mark.parametrize("version", ("3.13t", "3.13"))
def test_module_cli_on_another_interpreter(version):
    python = PYTHONS / version / "bin" / "python3"
    if not python.exists():
        missing(f"{python} is not installed")
    env = dict(os.environ, PYTHONPATH=str(PYTHON_DIR), PYTHONDONTWRITEBYTECODE="1")
    done = subprocess.run(
        [str(python), "-m", "gil_lab.experiments.convoy", "--quick"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert {(r["cpu_workers"], r["k"], r["switch_interval_ms"]) for r in result["rows"]} == EXPECTED_ROWS
    for row in result["rows"]:
        assert_row_shape(row)
    assert ("free-threaded" in result["interpreter"]) == version.endswith("t")


@pytest.mark.skipif(not os.environ.get("GIL_LAB_CONVOY_SHOW"), reason="set GIL_LAB_CONVOY_SHOW=1 to print")
def test_show_quick_run(quick_run):
    """An observation, not a check: how the quick run looked on this machine."""
    print("\n" + quick_run.result["interpreter"])
    for r in quick_run.result["rows"]:
        print(
            f"{r['cpu_workers']:>9} k={r['k']} switch={r['switch_interval_ms']:>4} ms "
            f"n={r['round_trips']:>3} p50={r['p50_ms']:9.3f} p99={r['p99_ms']:9.3f} "
            f"max={r['max_ms']:9.3f} at_multiples={r['at_interval_multiples']} "
            f"p50/interval={r['p50_over_interval']}"
        )
