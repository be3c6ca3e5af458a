"""Tests for gil_lab.claims.verify and the claim experiments behind it.

Every claim is checked once in quick mode, with the other interpreters this
machine has (3.13 and 3.13t from scripts/install-pythons.sh) when they exist.
Measured values are never compared with thresholds here: the machine is
noisy. The tests hold the shape of every answer, and the verdict rules are
exercised on fixed figures.

Run:  python3 -m pytest python/tests -q
"""

import dataclasses
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

PYTHON_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PYTHON_DIR))

from gil_lab.claims import registry, verify  # noqa: E402
from gil_lab.lessons_support import unguarded  # noqa: E402
from gil_lab.runtime.gil import build_is_free_threaded  # noqa: E402
from gil_lab.runtime.machine import usable_cpus  # noqa: E402
from gil_lab.claims import forkbomb, gil, interpreters, measure, ram  # noqa: E402

PYTHONS = Path(os.environ.get("GIL_LAB_PYTHONS", Path.home() / ".cache" / "gil-lab" / "pythons"))
CHECK_KEYS = {"id", "number", "claim", "source", "experiment", "interpreter", "figures", "evidence",
              "verdict", "explanation"}
FIGURE_KEYS = {"name", "value", "unit", "spread", "interpreter"}
DOCUMENTS = ("true-parallelism-day14.txt", "multiprocessing-module.md")
CLAIM_IDS = [c["id"] for c in json.loads(verify.claims())]


def installed_interpreters():
    """The host's description of the other interpreters, built from what is installed."""
    found = []
    for spec in ("3.13", "3.13t"):
        path = PYTHONS / spec / "bin" / "python3"
        if not path.is_file():
            continue
        version = subprocess.run([str(path), "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
                                 capture_output=True, text=True, timeout=60).stdout.strip()
        found.append({"spec": spec, "path": str(path), "version": version, "free_threaded": spec.endswith("t")})
    return found


@pytest.fixture(scope="module")
def interpreters_json():
    return json.dumps(installed_interpreters())


# --------------------------------------------------------------------------
# The list of claims
# --------------------------------------------------------------------------

def test_claims_are_sixteen_in_order():
    listed = json.loads(verify.claims())
    assert [c["number"] for c in listed] == list(range(1, 17))
    assert len({c["id"] for c in listed}) == 16
    for claim in listed:
        assert set(claim) == {"id", "number", "claim", "source"}
        assert claim["id"] == claim["id"].lower() and " " not in claim["id"]
        assert claim["claim"].strip()
        assert claim["source"].startswith(DOCUMENTS)


def test_unknown_claim_is_an_error():
    with pytest.raises(ValueError, match="unknown claim"):
        verify.check("no-such-claim", True, "[]")


# --------------------------------------------------------------------------
# Every claim, measured
# --------------------------------------------------------------------------

def assert_well_formed(result, claim_id):
    assert set(result) == CHECK_KEYS
    identity = next(c for c in json.loads(verify.claims()) if c["id"] == claim_id)
    assert {k: result[k] for k in identity} == identity
    assert result["verdict"] in ("holds", "does not hold", "depends", "cannot test here")
    for key in ("experiment", "interpreter", "evidence", "explanation"):
        assert isinstance(result[key], str) and result[key].strip(), key
    for fig in result["figures"]:
        assert set(fig) == FIGURE_KEYS
        assert isinstance(fig["name"], str) and fig["name"]
        assert isinstance(fig["unit"], str) and fig["unit"]
        assert isinstance(fig["value"], float) and math.isfinite(fig["value"])
        assert isinstance(fig["interpreter"], str) and fig["interpreter"]
        if fig["spread"] is not None:
            low, high = fig["spread"]
            assert low <= fig["value"] <= high or math.isclose(low, high)


@pytest.mark.parametrize("claim_id", CLAIM_IDS)
def test_check_returns_a_complete_verdict(claim_id, interpreters_json):
    result = json.loads(verify.check(claim_id, True, interpreters_json))
    assert_well_formed(result, claim_id)
    if result["verdict"] != "cannot test here":
        assert result["figures"], "a verdict needs figures"
    assert "the experiment failed" not in result["explanation"], result["explanation"]


def test_a_failing_experiment_is_reported_not_raised(monkeypatch):
    def broken(quick, interpreters):
        raise OSError("no such thing")

    # The registry holds the claim's function itself: swap the entry, not the module's name.
    swapped = tuple(dataclasses.replace(c, run=broken) if c.id == "shared-counter-needs-lock" else c
                    for c in registry.CLAIMS)
    monkeypatch.setattr(registry, "CLAIMS", swapped)
    result = json.loads(verify.check("shared-counter-needs-lock", True, "[]"))
    assert_well_formed(result, "shared-counter-needs-lock")
    assert result["verdict"] == "cannot test here"
    assert "OSError: no such thing" in result["explanation"]


def test_the_registry_numbers_each_claim_once_and_runs_a_claims_function():
    ids = [c.id for c in registry.CLAIMS]
    assert len(set(ids)) == len(ids)
    assert [c.number for c in registry.CLAIMS] == list(range(1, len(ids) + 1))
    for claim in registry.CLAIMS:
        assert callable(claim.run) and claim.run.__module__.startswith("gil_lab.claims."), claim.id
        assert any(doc in claim.source for doc in DOCUMENTS), claim.id


def test_missing_interpreter_says_how_to_get_one():
    if build_is_free_threaded():
        pytest.skip("this interpreter is itself free-threaded")
    result = json.loads(verify.check("free-threaded-build", True, "[]"))
    assert result["verdict"] == "cannot test here"
    assert "gil-lab verify --python 3.13t" in result["explanation"]


def test_command_line_prints_the_check():
    env = dict(os.environ, PYTHONPATH=str(PYTHON_DIR))
    done = subprocess.run([sys.executable, "-m", "gil_lab.claims.verify", "--check", "shared-counter-needs-lock", "--quick"],
                          capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    assert_well_formed(json.loads(done.stdout), "shared-counter-needs-lock")
    listed = subprocess.run([sys.executable, "-m", "gil_lab.claims.verify", "--list"],
                            capture_output=True, text=True, timeout=120, env=env)
    assert [c["id"] for c in json.loads(listed.stdout)] == CLAIM_IDS


@pytest.mark.parametrize("method, claim_id", [("spawn", "processes-run-on-separate-cores"),
                                              ("forkserver", "small-tasks-slower-in-processes")])
def test_runs_under_other_start_methods_without_a_main_file(method, claim_id):
    """Like the embedded host: ``__main__`` has no file, and the default start method may differ."""
    code = ("import multiprocessing, sys; multiprocessing.set_start_method(%r); sys.path.insert(0, %r); "
            "from gil_lab.claims import verify; print(verify.check(%r, True, '[]'))" % (method, str(PYTHON_DIR), claim_id))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert_well_formed(result, claim_id)
    assert result["figures"], result["explanation"]
    assert method in result["experiment"] or claim_id != "small-tasks-slower-in-processes"


# --------------------------------------------------------------------------
# Evidence and verdict rules on fixed figures
# --------------------------------------------------------------------------

def test_evidence_names_units_and_spreads():
    figures = [measure.figure("sequential", [0.5, 0.7, 0.6], "s"),
               measure.flag("same PID", True),
               measure.figure("detail", 3.0, "ms", key=False)]
    line = verify.evidence(figures)
    assert line == "sequential 0.6 s (0.5–0.7); same PID: yes"


def test_evidence_without_figures_still_says_something():
    assert verify.evidence([], "no 3.13t here").startswith("nothing measured")


def test_side_of_a_spread():
    assert measure.side(1.1, 1.2, 1.05) == "above"
    assert measure.side(0.9, 1.0, 1.05) == "below"
    assert measure.side(1.0, 1.1, 1.05) == "straddles"


def free_threaded_figures(speedups, gil_on=False, other_cores=0.0, capacity=(1.9, 2.0)):
    label = "CPython 3.13.5t (free-threaded)"
    return [measure.flag(gil.BUILD_FLAG_NAME, True, label),
            measure.flag(gil.GIL_FLAG_NAME, gil_on, label),
            measure.figure(gil.SPEEDUP_NAME, speedups, "×", label),
            measure.figure(measure.CAPACITY_NAME, list(capacity), "×", label),
            measure.figure(gil.LOAD_NAME, other_cores, "cores", label)]


@pytest.mark.skipif(usable_cpus() < 2, reason="the rule needs two CPUs")
def test_free_threaded_rule():
    assert gil.judge_free_threaded(free_threaded_figures([1.8, 1.9]))[0] == "holds"
    assert gil.judge_free_threaded(free_threaded_figures([1.0, 1.1]))[0] == "does not hold"
    assert gil.judge_free_threaded(free_threaded_figures([1.4, 1.7]))[0] == "depends"
    assert gil.judge_free_threaded(free_threaded_figures([1.0, 1.1], other_cores=1.0))[0] == "depends"
    assert gil.judge_free_threaded(free_threaded_figures([1.0, 1.1], capacity=(1.1, 1.9)))[0] == "depends"
    assert gil.judge_free_threaded(free_threaded_figures([1.8, 1.9], gil_on=True))[0] == "does not hold"
    assert gil.judge_free_threaded([])[0] == "cannot test here"


class IdleMachine:
    busy = False


@pytest.mark.skipif(usable_cpus() < 2, reason="the rule needs two CPUs")
def test_subinterpreters_rule():
    found = {"interp": [4000, 4200], "process": [9000, 9100], "interp_data": [20000], "process_data": [25000],
             "labels": ("an InterpreterPoolExecutor worker", "a forkserver child")}
    parallel, capacity = [1.8, 1.9], [1.9, 2.0]
    judge = interpreters.judge_subinterpreters
    assert judge(False, parallel, capacity, [0.9], [0.9], found, IdleMachine())[0] == "does not hold"
    assert judge(True, parallel, capacity, [0.85, 0.9], [0.82], found, IdleMachine())[0] == "holds"
    assert judge(True, parallel, capacity, [0.5, 0.6], [0.2], found, IdleMachine())[0] == "does not hold"
    assert judge(True, parallel, capacity, [0.85, 0.9], [0.2], found, IdleMachine())[0] == "depends"
    assert judge(True, [1.0, 1.1], capacity, [0.85], [0.85], found, IdleMachine())[0] == "does not hold"
    assert judge(True, [1.0, 1.1], [1.0, 1.2], [0.85], [0.85], found, IdleMachine())[0] == "depends"


def test_model_copies_rule():
    shared, cloned, partly = [0.0, 0.01], [0.95, 1.0], [0.5, 0.9]
    assert ram.judge_copies("x", [], {"a": cloned, "b": cloned})["verdict"] == "holds"
    assert ram.judge_copies("x", [], {"a": shared, "b": shared})["verdict"] == "does not hold"
    assert ram.judge_copies("x", [], {"a": shared, "b": cloned})["verdict"] == "depends"
    assert ram.judge_copies("x", [], {"a": partly})["verdict"] == "depends"


def bomb_run(deepest, most_alive=3, stopped_by=None, errors=1):
    return {"top_level_runs": deepest + 1, "deepest": deepest, "bootstrap_errors": errors,
            "most_alive": most_alive, "stopped_by": stopped_by, "capped": deepest >= forkbomb.MAX_DEPTH,
            "seconds": 0.5}


def test_fork_bomb_rule():
    calm = {"spawn": bomb_run(1), "pool": bomb_run(1, 4, "timeout", 20)}
    assert forkbomb.judge_bomb(calm, "fork", 1.0)[0] == "does not hold"
    exploding = {"spawn": bomb_run(2, 9, "process cap"), "pool": bomb_run(1, 4, "timeout", 20)}
    assert forkbomb.judge_bomb(exploding, "fork", 1.0)[0] == "holds"


def module_figures(label, found_top_level):
    return [measure.flag(interpreters.module_figure_name("interpreters"), found_top_level, label),
            measure.flag(interpreters.module_figure_name("concurrent.interpreters"), not found_top_level, label)]


def test_module_name_rule():
    old = [("CPython 3.13.5 (GIL)", (3, 13))]
    assert interpreters.judge_module_name(module_figures(old[0][0], False), old)[0] == "does not hold"
    assert interpreters.judge_module_name(module_figures(old[0][0], True), old)[0] == "depends"
    new = [("CPython 3.14.0 (GIL)", (3, 14))]
    assert interpreters.judge_module_name(module_figures(new[0][0], False), new)[0] == "does not hold"
    assert interpreters.judge_module_name(module_figures(new[0][0], True), new)[0] == "holds"


# --------------------------------------------------------------------------
# 15. The guard matters on Linux from 3.14
# --------------------------------------------------------------------------

def python_entry(spec):
    path = PYTHONS / spec / "bin" / "python3"
    if not path.is_file():
        pytest.skip("no %s at %s (scripts/install-pythons.sh --only %s)" % (spec, path, spec))
    return {"spec": spec, "path": str(path), "version": spec, "free_threaded": spec.endswith("t")}


def test_exception_lines_join_the_bootstrapping_sentence():
    stderr = ("Traceback (most recent call last):\n  File \"x.py\", line 1\nRuntimeError: \n"
              "        An attempt has been made to start a new process before the\n"
              "        current process has finished its bootstrapping phase.\n\n        This probably means\n"
              "ConnectionResetError: [Errno 104] Connection reset by peer\n")
    assert unguarded.exception_lines(stderr) == [
        "RuntimeError: An attempt has been made to start a new process before the current process has "
        "finished its bootstrapping phase.",
        "ConnectionResetError: [Errno 104] Connection reset by peer"]


def guard_row(method, default, ok):
    run = {"stopped_by": None, "returncode": 0 if ok else 1, "seconds": 0.5, "left_alive": 0,
           "exceptions": [] if ok else ["ConnectionResetError: [Errno 104] Connection reset by peer"]}
    return {"example": "Pool.map", "where": "multiprocessing-module §2", "method": method, "default": default,
            "run": run}


def test_guard_rule():
    old = ("CPython 3.11.7 (GIL)", (3, 11), [guard_row("fork", True, True), guard_row("forkserver", False, False)])
    new = ("CPython 3.14.10 (GIL)", (3, 14), [guard_row("forkserver", True, False)])
    assert forkbomb.judge_guard([old, new])[0] == "holds"
    assert forkbomb.judge_guard([old])[0] == "depends"
    fine = ("CPython 3.14.10 (GIL)", (3, 14), [guard_row("forkserver", True, True)])
    assert forkbomb.judge_guard([old, fine])[0] == "does not hold"


@pytest.mark.skipif(unguarded.reason() is not None, reason=str(unguarded.reason()))
def test_guard_claim_on_a_real_3_14():
    """The unguarded examples under 3.14's own default (forkserver) end with an error, bounded in time."""
    entry = python_entry("3.14")
    result = json.loads(verify.check("guard-matters-on-linux-3.14", True, json.dumps([entry])))
    assert_well_formed(result, "guard-matters-on-linux-3.14")
    assert "3.14" in result["interpreter"]
    ran = [f for f in result["figures"] if f["name"].endswith("(default): ran to the end, exit code 0")
           and "3.14" in f["interpreter"]]
    assert len(ran) == 2 and all(f["value"] == 0.0 for f in ran), result["figures"]
    assert result["verdict"] == "holds", result["explanation"]
    assert "forkserver" in result["explanation"]
    assert "Error" in result["explanation"]


@pytest.mark.skipif(unguarded.reason() is not None, reason=str(unguarded.reason()))
def test_guard_claim_without_other_interpreters_depends_on_the_start_method():
    if sys.version_info >= (3, 14):
        pytest.skip("this interpreter is itself a 3.14: it decides the claim alone")
    result = json.loads(verify.check("guard-matters-on-linux-3.14", True, "[]"))
    assert_well_formed(result, "guard-matters-on-linux-3.14")
    assert result["verdict"] in ("depends", "does not hold")
    assert "3.14" in result["explanation"]


def test_claim_5_compares_the_3_14_interpreter_pool_with_forkserver():
    entry = python_entry("3.14")
    result = json.loads(verify.check("subinterpreters-share-process", True, json.dumps([entry])))
    assert_well_formed(result, "subinterpreters-share-process")
    assert "3.14" in result["interpreter"]
    assert result["verdict"] != "cannot test here", result["explanation"]
    names = {f["name"] for f in result["figures"]}
    assert {"PSS per InterpreterPoolExecutor worker", "PSS per forkserver child", "PSS per spawn child"} <= names
    assert any(n.startswith("start-up of an InterpreterPoolExecutor worker") for n in names)
    assert any(n.startswith("start-up of a forkserver child") for n in names)
    assert "uses more memory than necessary" in result["explanation"]
    assert "has not been optimized yet" in result["explanation"]


def test_claim_11_gives_a_verdict_on_3_14():
    entry = python_entry("3.14")
    result = json.loads(verify.check("interpreters-module-name", True, json.dumps([entry])))
    assert result["verdict"] in ("holds", "does not hold"), result["explanation"]
    assert "3.14" in result["explanation"]


def test_claim_12_names_an_installed_free_threaded_build_that_the_run_left_out(tmp_path, monkeypatch):
    monkeypatch.setenv("GIL_LAB_PYTHONS", str(tmp_path))
    assert "no free-threaded build was found" in gil._no_free_threaded_build([])
    fake = tmp_path / "3.13t" / "bin" / "python3"
    fake.parent.mkdir(parents=True)
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    why = gil._no_free_threaded_build([])
    assert "3.13t is installed" in why and "gil-lab verify --python 3.13t" in why, why
