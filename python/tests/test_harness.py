"""Tests for gil_lab.kernels.tasks: the kernels' checksums and the stop file that
ends a run's tasks when its --timeout passes.

Run:  python3 -m pytest python/tests -q
"""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gil_lab.kernels import tasks  # noqa: E402


def test_a_task_computes_the_documents_sum_in_chunks():
    value, chunks, cpu_s = tasks.run_task("sum_squares", 10_000, 1_000, worker=7)
    assert value == sum(i * i for i in range(10_000))
    assert len(chunks) == 10
    assert all(worker == 7 and start <= end for worker, start, end, _ in chunks)
    assert cpu_s >= 0


def test_a_task_stops_at_a_chunk_once_the_stop_file_exists(tmp_path, monkeypatch):
    stop = tmp_path / "stop"
    monkeypatch.setattr(tasks, "_STOP_FILE", str(stop))
    monkeypatch.setattr(tasks, "_STOP_CHECK_NS", 0)
    assert tasks.run_task("sum_squares", 2_000, 1_000)[0] == sum(i * i for i in range(2_000))
    stop.write_bytes(b"")
    with pytest.raises(TimeoutError):
        tasks.run_task("sum_squares", 2_000, 1_000)
    assert tasks.threads_running_tasks() == []


def test_without_a_host_no_stop_file_is_looked_for(monkeypatch):
    monkeypatch.setattr(tasks, "_STOP_FILE", None)
    monkeypatch.setattr(tasks, "_STOP_CHECK_NS", 0)
    assert tasks.run_task("sqrt_sum", 100, 10)[0] == pytest.approx(sum(i ** 0.5 for i in range(100)))


def test_a_long_io_wait_stops_once_the_stop_file_exists(tmp_path, monkeypatch):
    stop = tmp_path / "stop"
    monkeypatch.setattr(tasks, "_STOP_FILE", str(stop))
    assert tasks.run_task("io_wait", 120, 1)[0] == 1
    stop.write_bytes(b"")
    # A 60 s wait would return 1 after a minute; sliced, it notices the file.
    with pytest.raises(TimeoutError):
        tasks.run_task("io_wait", 60_000, 1)
    assert tasks.threads_running_tasks() == []
