"""Tests for gil_lab.experiments.amdahl, gil_lab.experiments.memory and gil_lab.experiments.sweeps.

The fit and the smaps_rollup parser are checked exactly on fixed inputs; the
sweeps only for their shape and for orderings no noise can flip.

Run:  python3 -m pytest python/tests -q
"""

import json
import random
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gil_lab.experiments import amdahl, memory, sweeps  # noqa: E402
from gil_lab.runtime import interpreters  # noqa: E402
from gil_lab.runtime.interpreters import module_name as api_name  # noqa: E402

# /proc/self/smaps_rollup of `cat` on Linux 6.x, captured as it was.
SMAPS_ROLLUP = """\
5629f29a0000-7ffeccd2f000 ---p 00000000 00:00 0                          [rollup]
Rss:                1676 kB
Pss:                 365 kB
Pss_Dirty:           116 kB
Pss_Anon:            116 kB
Pss_File:            249 kB
Pss_Shmem:             0 kB
Shared_Clean:       1520 kB
Shared_Dirty:          0 kB
Private_Clean:        40 kB
Private_Dirty:       116 kB
Referenced:         1676 kB
Anonymous:           116 kB
KSM:                   0 kB
LazyFree:              0 kB
AnonHugePages:         0 kB
ShmemPmdMapped:        0 kB
FilePmdMapped:         0 kB
Shared_Hugetlb:        0 kB
Private_Hugetlb:       0 kB
Swap:                  0 kB
SwapPss:               0 kB
Locked:                0 kB
"""

ROUTES = {"pickle through process pool", "path (file)", "path (mmap)", "thread (shared)", "subinterpreter"}
WORKERS = {"thread", "subinterpreter", "fork child", "spawn child", "forkserver child", "interpreter-pool worker"}
MEMORY_FIELDS = {"pss_kb", "rss_kb", "shared_kb", "private_kb"}


# --------------------------------------------------------------------------
# Amdahl's law
# --------------------------------------------------------------------------

def amdahl_curve(s, counts):
    return [1 / (s + (1 - s) / n) for n in counts]


def test_fit_recovers_an_exact_serial_fraction():
    counts = [1, 2, 4, 8, 16]
    result = json.loads(amdahl.fit(counts, amdahl_curve(0.1, counts)))
    assert result["serial_fraction"] == pytest.approx(0.1, abs=1e-6)
    assert result["serial_fraction_error"] == pytest.approx(0.0, abs=1e-6)
    assert result["predicted"]["8"] == pytest.approx(1 / (0.1 + 0.9 / 8), rel=1e-6)
    assert result["efficiency_at"]["8"] == pytest.approx(result["predicted"]["8"] / 8)


def test_fit_recovers_a_noisy_serial_fraction():
    noise = random.Random(20260514)
    counts = [1, 2, 3, 4, 6, 8] * 4
    speedups = [v * (1 + noise.uniform(-0.02, 0.02)) for v in amdahl_curve(0.1, counts)]
    result = json.loads(amdahl.fit(counts, speedups))
    assert result["serial_fraction"] == pytest.approx(0.1, abs=0.02)
    assert 0 < result["serial_fraction_error"] < 0.02


def test_fit_stays_within_zero_and_one():
    assert amdahl.fit_serial_fraction([2, 2], [2.2, 2.1])[0] == pytest.approx(0.0, abs=1e-6)
    assert amdahl.fit_serial_fraction([2, 4], [0.5, 0.4])[0] == pytest.approx(1.0, abs=1e-6)


def test_fit_without_enough_points_has_no_error():
    assert amdahl.fit_serial_fraction([2], [1.8])[1] is None
    assert json.loads(amdahl.fit([1, 1], [1.0, 1.0]))["serial_fraction_error"] is None


def test_fit_rejects_bad_input():
    with pytest.raises(ValueError):
        amdahl.fit([1, 2], [1.0])
    with pytest.raises(ValueError):
        amdahl.fit([0, 2], [1.0, 1.5])


# --------------------------------------------------------------------------
# smaps_rollup
# --------------------------------------------------------------------------

def test_parse_smaps_rollup_is_exact():
    parsed = memory.parse_smaps_rollup(SMAPS_ROLLUP)
    assert len(parsed) == 22
    assert parsed["Rss"] == 1676
    assert parsed["Pss"] == 365
    assert parsed["Shared_Clean"] == 1520
    assert parsed["Private_Clean"] == 40
    assert parsed["Private_Dirty"] == 116
    assert parsed["Locked"] == 0
    assert memory.summarize(parsed) == {"pss_kb": 365, "rss_kb": 1676, "shared_kb": 1520, "private_kb": 156}


def test_parse_smaps_rollup_ignores_other_lines():
    assert memory.parse_smaps_rollup("garbage\nRss: 12 kB\nVmFlags: rd wr\n") == {"Rss": 12}


# --------------------------------------------------------------------------
# Sweeps
# --------------------------------------------------------------------------

def test_ipc_sweep_shape():
    result = json.loads(sweeps.ipc(True))
    assert result["interpreter"]
    sizes = sweeps.payload_sizes(True)
    routes = {row["route"] for row in result["rows"]}
    assert routes <= ROUTES and {"pickle through process pool", "thread (shared)"} <= routes
    assert len(result["rows"]) == len(sizes) * len(routes)
    assert sorted({row["payload_bytes"] for row in result["rows"]}) == sizes
    for row in result["rows"]:
        seconds = row["round_trip_ms"]
        assert 0 < seconds["min"] <= seconds["median"] <= seconds["max"]
        assert row["ms_per_mb"] > 0 and row["runs"] >= 1
    crossover = result["crossover"]
    assert crossover["measured_by"]
    assert [r["iterations"] for r in crossover["rows"]] == sweeps.crossover_sizes(True)
    assert crossover["iterations"] is None or crossover["iterations"] > 0


def test_memory_sweep_shape():
    result = json.loads(sweeps.memory(True, 8))
    assert result["notes"] and all(isinstance(n, str) for n in result["notes"])
    if not result["rows"]:
        pytest.skip(result["notes"][0])
    workers = {row["worker"] for row in result["rows"]}
    assert workers <= WORKERS and {"thread", "spawn child"} <= workers
    assert ("subinterpreter" in workers) == (api_name() is not None)
    for row in result["rows"]:
        assert row["preload_mb"] in (0, 8)
        assert set(row) == MEMORY_FIELDS | {"worker", "preload_mb", "after_touch"}
        assert set(row["after_touch"]) == MEMORY_FIELDS
        assert all(isinstance(row[k], int) for k in MEMORY_FIELDS)
    spawn = {row["preload_mb"]: row for row in result["rows"] if row["worker"] == "spawn child"}
    # A spawn child builds its own 8 MB preload: at least 4 MB more private memory, whatever the noise.
    assert spawn[8]["private_kb"] - spawn[0]["private_kb"] > 4 * 1024
    assert ("interpreter-pool worker" in workers) == (interpreters.pool_reason() is None)
    assert set(result["start_ms"]) <= workers
    compared = result.get("interpreter_pool_vs_forkserver")
    if "interpreter-pool worker" in workers and "forkserver child" in workers:
        assert [c["preload_mb"] for c in compared] == [0, 8]
        for c in compared:
            assert c["interpreter_pool_pss_kb"] > 0 and c["forkserver_pss_kb"] > 0
    else:
        assert compared is None


def test_memory_sweep_runs_as_a_module():
    """How the host runs it in another interpreter: `python -m gil_lab.experiments.sweeps memory --quick`."""
    import subprocess

    done = subprocess.run([sys.executable, "-m", "gil_lab.experiments.sweeps", "memory", "--quick", "--preload-mb", "4"],
                          capture_output=True, text=True, timeout=300, cwd=str(Path(__file__).resolve().parents[1]))
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["interpreter"] and isinstance(result["rows"], list)
