"""Tests for gil_lab.runtime.interpreters, gil_lab.harness.gil_probe and gil_lab.harness.tachyon on whichever
interpreter runs them (3.11 through 3.15, with or without the GIL): what each version
offers, and that what it offers works. Shapes and exact values only, never timing
thresholds.

    python3 -m pytest -q python/tests/test_interpreters.py
    PYTHONPATH=DIR_WITH_PYTEST ~/.cache/gil-lab/pythons/3.14/bin/python3 -m pytest -q python/tests/test_interpreters.py
"""

import json
import os
import sys
from pathlib import Path

import pytest

PYTHON_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PYTHON_DIR))

from gil_lab.harness import gil_probe, models, tachyon  # noqa: E402
from gil_lab.lessons_support import catalog  # noqa: E402
from gil_lab.runtime import interpreters  # noqa: E402
from gil_lab.runtime.facts import tachyon_reason  # noqa: E402
from gil_lab.runtime.gil import gil_is_off_now  # noqa: E402
from gil_lab.harness.subinterp import run_task_json  # noqa: E402

needs_calls = pytest.mark.skipif(interpreters.reason() is not None, reason=str(interpreters.reason()))
VERSION = sys.version_info[:2]


# --------------------------------------------------------------------------
# What this version offers
# --------------------------------------------------------------------------

def test_the_module_is_the_one_this_version_ships():
    name = interpreters.module_name()
    if VERSION >= (3, 14):
        assert name == interpreters.STDLIB
    elif VERSION == (3, 13):
        assert name == interpreters.LOW_LEVEL
    else:
        assert name in (interpreters.LEGACY, None)


def test_facts_name_the_apis_and_agree_with_the_functions():
    facts = interpreters.facts()
    assert set(facts) == {"subinterpreter_api", "concurrent_interpreters", "interpreter_pool_api",
                          "own_gil_subinterpreters"}
    assert facts["concurrent_interpreters"] == (VERSION >= (3, 14))
    assert facts["own_gil_subinterpreters"] == (VERSION >= (3, 12) and interpreters.module_name() is not None)
    if interpreters.module_name() is not None:
        assert facts["subinterpreter_api"] == interpreters.LABELS[interpreters.module_name()]


def test_the_stdlib_pool_is_used_from_3_14_and_never_the_backport():
    name, executor = interpreters.pool()
    if VERSION >= (3, 14):
        assert name == "concurrent.futures.InterpreterPoolExecutor (stdlib)"
        assert "backport" not in name and "pep-734" not in name
        assert executor.__module__.startswith("concurrent.futures")
    elif executor is None:
        assert name is None
        assert "3.14" in interpreters.pool_reason()
    else:
        assert "backport" in name
    assert (interpreters.pool_reason() is None) == (executor is not None)


def test_a_reason_is_given_exactly_where_calls_cannot_run():
    can = interpreters.module_name() in (interpreters.STDLIB, interpreters.LOW_LEVEL)
    assert (interpreters.reason() is None) == can
    if not can:
        assert "%d.%d" % VERSION in interpreters.reason()


def test_parallel_means_own_gils_or_no_gil():
    expected = interpreters.has_own_gil() or (gil_is_off_now() and interpreters.module_name() is not None)
    assert interpreters.parallel() == expected


# --------------------------------------------------------------------------
# What it offers works
# --------------------------------------------------------------------------

@pytest.mark.skipif(interpreters.module_name() is None, reason="no subinterpreter API")
def test_a_subinterpreter_runs_in_this_process_with_shared_values():
    reader, writer = os.pipe()
    try:
        with interpreters.Subinterpreter() as sub:
            assert sub.api == interpreters.module_name()
            sub.exec("import os\nos.write(fd, (word + str(os.getpid())).encode())\n", fd=writer, word="pid=")
        assert os.read(reader, 64).decode() == "pid=%d" % os.getpid()
    finally:
        os.close(reader)
        os.close(writer)


@needs_calls
def test_a_call_in_a_subinterpreter_returns_what_the_same_call_returns_here():
    params = json.dumps({"kernel": "sum_squares", "size": 50_000, "chunk": 10_000, "worker": 7})
    with interpreters.Subinterpreter() as sub:
        there = json.loads(sub.call(run_task_json, params))
    here = json.loads(run_task_json(params))
    assert there["value"] == here["value"] == repr(sum(i * i for i in range(50_000)))
    assert [c[0] for c in there["chunks"]] == [7] * 5


@needs_calls
def test_a_queue_carries_bytes_to_a_subinterpreter_and_back():
    inbox, outbox = interpreters.Queue(), interpreters.Queue()
    try:
        with interpreters.Subinterpreter() as sub:
            sub.share_queues(cin=inbox, cout=outbox)
            for payload in (b"astra", b"x" * 100_000):
                inbox.put(payload)
                sub.exec("cout.put(cin.get())\n")
                assert outbox.get() == payload
    finally:
        inbox.close()
        outbox.close()


@needs_calls
def test_in_threads_gives_each_thread_its_own_interpreter_and_raises_the_first_failure():
    seen = []
    interpreters.in_threads(3, lambda i, sub: seen.append((i, sub.api)))
    assert sorted(seen) == [(i, interpreters.module_name()) for i in range(3)]

    def fails(i, sub):
        if i == 1:
            raise ValueError("worker 1")

    with pytest.raises(ValueError, match="worker 1"):
        interpreters.in_threads(2, fails)


@needs_calls
def test_the_harness_models_say_which_api_ran():
    report = {}
    total, chunks, _ = models.subinterpreters("sum_squares", 20_000, 2, 10_000, 2, report=report)
    assert total == 2 * sum(i * i for i in range(20_000))
    assert report["api"] == interpreters.label()
    if interpreters.pool()[1] is not None:
        report = {}
        total, _, _ = models.interpreter_pool("sum_squares", 20_000, 2, 10_000, 2, report=report)
        assert total == 2 * sum(i * i for i in range(20_000))
        assert report["api"] == interpreters.pool()[0]


def test_a_process_pool_uses_this_interpreters_default_unless_told():
    import multiprocessing

    report = {}
    models.process_pool("sum_squares", 10_000, 2, 10_000, 2, None, report=report)
    assert report["start_method"] == multiprocessing.get_start_method()
    report = {}
    models.process_pool("sum_squares", 10_000, 2, 10_000, 2, "spawn", "pool", report=report)
    assert report["start_method"] == "spawn" and report["api"] == "multiprocessing.Pool"
    assert isinstance(report["notes"], list)


@pytest.mark.skipif("fork" not in __import__("multiprocessing").get_all_start_methods(), reason="no fork here")
def test_a_warning_about_forking_with_threads_is_noted_once():
    import threading

    release = threading.Event()
    bystander = threading.Thread(target=release.wait, daemon=True)
    bystander.start()
    report = {}
    try:
        models.process_pool("sum_squares", 10_000, 4, 10_000, 2, "fork", report=report)
    finally:
        release.set()
        bystander.join()
    # 3.12+ warns when a process with threads forks; each distinct warning is noted once.
    assert len(report["notes"]) == (1 if VERSION >= (3, 12) else 0)
    assert all("fork" in note for note in report["notes"])


# --------------------------------------------------------------------------
# The GIL probe
# --------------------------------------------------------------------------

def test_the_probe_reports_a_share_or_why_there_is_none():
    with gil_probe.Probe() as probe:
        models.threads("sum_squares", 200_000, 2, 10_000, 2)
    result = probe.result()
    assert set(result) == {"gil_contention", "gil_contention_reason", "gil_probe"}
    assert result["gil_probe"]["interval_s"] == gil_probe.DEFAULT_INTERVAL_S
    if gil_probe.no_gil_reason() is not None:
        assert result["gil_contention"] is None and "free-threaded" in result["gil_contention_reason"]
    elif result["gil_probe"]["samples"]:
        assert 0.0 <= result["gil_contention"] <= 1.0
        assert result["gil_contention_reason"] is None
    else:
        assert result["gil_contention"] is None and result["gil_contention_reason"]


# --------------------------------------------------------------------------
# Tachyon (3.15+) and the figures put beside it
# --------------------------------------------------------------------------

def test_tachyon_is_offered_only_from_3_15():
    assert (tachyon_reason() is None) == (VERSION >= (3, 15))
    if VERSION < (3, 15):
        assert tachyon.compare({"of": "threads"}) == {"tachyon": {"available": False, "reason": tachyon_reason()}}


def test_timeline_shares_split_each_workers_span_into_running_and_waiting():
    chunks = [(1, 0, 100, 60), (1, 200, 300, 100), (2, 0, 400, 100)]
    shares = tachyon.timeline_shares(chunks)
    assert shares[1] == {"running_share": 160 / 300, "gil_wait_share": 40 / 300, "span_s": 300 / 1e9}
    assert shares[2]["running_share"] == 0.25 and shares[2]["gil_wait_share"] == 0.75


def test_gecko_markers_become_held_and_waiting_times_per_thread():
    profile = {"shared": {"stringArray": ["Has GIL", "No GIL", "Waiting for GIL", "On CPU"]},
               "threads": [{"tid": 42, "markers": {"length": 5, "name": [0, 1, 2, 0, 3],
                                                   "startTime": [0, 10, 10, 30, 0],
                                                   "endTime": [10, 30, 25, 40, 40]}}]}
    assert tachyon.gil_shares(profile) == {42: {"held_ms": 20.0, "waiting_ms": 15.0, "sampled_ms": 40.0}}


def test_workers_are_matched_with_tachyon_threads_and_their_difference_reported():
    result = {"chunks": [(5, 0, 100, 50), (9, 10, 110, 100)], "worker_threads": {"5": 501, "9": 901}, "wall_s": 1.0}
    threads = {501: {"held_ms": 50.0, "waiting_ms": 40.0, "sampled_ms": 100.0}}
    found = tachyon.match(threads, result, "threads", ["python3", "-m", "profiling.sampling"])
    first, second = found["workers"]
    assert (first["worker"], first["thread_id"], second["thread_id"]) == (0, 501, 901)
    assert first["tachyon_gil_wait_share"] == 0.4 and first["gil_lab_gil_wait_share"] == 0.5
    assert found["max_abs_wait_difference"] == pytest.approx(0.1)
    assert "tachyon_gil_wait_share" not in second


@pytest.mark.skipif(tachyon_reason() is not None, reason=str(tachyon_reason()))
def test_tachyon_samples_a_threads_run_here():
    found = tachyon.compare({"of": "threads", "kernel": "sum_squares", "size": 3_000_000, "tasks": 2,
                             "chunk": 100_000, "workers": 2})
    assert found["tachyon"]["available"], found
    assert len(found["workers"]) == 2
    for row in found["workers"]:
        assert 0.0 <= row["tachyon_gil_held_share"] <= 1.0
        assert 0.0 <= row["tachyon_gil_wait_share"] <= 1.0
    assert found["max_abs_wait_difference"] is not None


# --------------------------------------------------------------------------
# The catalog says which interpreters run each lesson
# --------------------------------------------------------------------------

def test_lessons_about_3_14_run_fully_there_and_as_a_fallback_before():
    entries = {e["name"]: e for e in catalog.catalog()}
    sub = entries["subinterpreters"]
    assert sub["best_python"] == "3.14"
    assert catalog.runs_on(sub, (3, 14)) == "fully"
    assert catalog.runs_on(sub, (3, 13)) == "fallback"
    assert catalog.runs_on(sub, (3, 7)) == "no"
    plain = entries["gil-proof"]
    assert plain["best_python"] is None and catalog.runs_on(plain, (3, 11)) == "fully"


# --------------------------------------------------------------------------
# The interpreter pool with this interpreter's sys.path, and queues handed to it
# --------------------------------------------------------------------------

needs_pool = pytest.mark.skipif(interpreters.pool_reason() is not None, reason=str(interpreters.pool_reason()))


@needs_pool
def test_pool_workers_import_gil_lab():
    from gil_lab.runtime import machine

    with interpreters.pool_executor(1) as pool:
        assert pool.submit(machine.usable_cpus).result(60) == machine.usable_cpus()


def test_pool_queues_need_3_14():
    assert (interpreters.pool_queue_reason() is None) == (VERSION >= (3, 14) and interpreters.pool()[1] is not None)


@pytest.mark.skipif(interpreters.pool_queue_reason() is not None, reason=str(interpreters.pool_queue_reason()))
def test_a_queue_streams_from_pool_workers():
    from gil_lab.lessons_support import forge

    queue = interpreters.Queue()
    try:
        with interpreters.pool_executor(2, initializer=forge.open_forge, initargs=(queue.handle(),)) as pool:
            names = list(pool.map(forge.forge_and_announce, forge.WEAPONS, [1000] * 4))
            # Read while the workers live: items of an interpreter that is gone come back "unbound".
            got = [queue.get(timeout=60) for _ in forge.WEAPONS]
    finally:
        queue.close()
    assert names == list(forge.WEAPONS)
    assert sorted(g[0] for g in got) == sorted(forge.WEAPONS)
    assert {g[1] for g in got} == {os.getpid()}
    assert all(g[2] == str(sum(i * i for i in range(1000))) for g in got)
