"""CPython's own GIL instrument beside gil-lab's: Tachyon, 3.15's sampling profiler.

:func:`compare` runs a harness model under ``python -m profiling.sampling run -a
--gecko`` (Tachyon) in this same interpreter, and reads from its profile, for
every worker thread, the share of the thread's sampled life it *held* the GIL
and the share it was *waiting* for it. Beside them it puts gil-lab's own
per-worker wait from the same run's chunk timeline: a chunk's wall time less
its thread CPU time is time the worker was ready but not running (waiting for
the GIL, or for a core). ``--mode gil`` is not used: it keeps only the samples
that hold the GIL, and Tachyon refuses it beside ``--gecko``, whose every
sample records whether the thread held or had requested the GIL.

Tachyon reads the target's memory with the layout of its own version, so it
must be the same minor version as the interpreter it samples: here it always
is, since both are this interpreter.
"""

import json
import os
import subprocess
import sys
import tempfile

from gil_lab.runtime.facts import TACHYON_MODULE, tachyon_reason
from gil_lab.runtime.pythons import PYTHON_DIR, child_environment

TIMEOUT_S = 600
#: Tachyon's default rate; named so the report can say it.
SAMPLING_RATE_HZ = 1000


def command(profile_path, request_path, result_path):
    """The Tachyon command line that runs one model and writes its profile."""
    return [sys.executable, "-m", TACHYON_MODULE, "run", "-a", "--gecko", "-r", str(SAMPLING_RATE_HZ),
            "-o", profile_path, "-m", "gil_lab.harness.profiled", request_path, result_path]


def compare(request):
    """Runs ``request`` (a harness model, ``threads`` by default) under Tachyon.

    Returns ``{"tachyon": {...}, "gil_lab": {...}, "max_abs_wait_difference": x}``,
    or ``{"tachyon": {"available": False, "reason": ...}}`` where it cannot run.
    """
    why = tachyon_reason()
    if why is not None:
        return {"tachyon": {"available": False, "reason": why}}
    request = dict(request, model=request.get("of", "threads"))
    with tempfile.TemporaryDirectory(prefix="gil-lab-tachyon-") as folder:
        paths = [os.path.join(folder, name) for name in ("profile.json", "request.json", "result.json")]
        with open(paths[1], "w", encoding="utf-8") as f:
            json.dump(request, f)
        argv = command(*paths)
        done = subprocess.run(argv, env=child_environment(), cwd=PYTHON_DIR, capture_output=True,
                              text=True, timeout=TIMEOUT_S)
        if done.returncode != 0 or not os.path.exists(paths[0]) or not os.path.exists(paths[2]):
            tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
            return {"tachyon": {"available": False,
                                "reason": "Tachyon exited with code %d: %s" % (done.returncode, tail[0])}}
        with open(paths[0], encoding="utf-8") as f:
            threads = gil_shares(json.load(f))
        with open(paths[2], encoding="utf-8") as f:
            result = json.load(f)
    return match(threads, result, request["model"], argv)


def gil_shares(profile):
    """``{thread_id: {"held_ms", "waiting_ms", "sampled_ms"}}`` from a Tachyon gecko profile.

    Every sample marks its thread as having or not having the GIL ("Has GIL" /
    "No GIL" markers, which together cover the thread's sampled life) and
    whether it had asked for it ("Waiting for GIL").
    """
    strings = profile.get("shared", {}).get("stringArray")
    found = {}
    for thread in profile.get("threads", []):
        names = thread.get("stringArray") or strings or []
        markers = thread.get("markers", {})
        totals = {"Has GIL": 0.0, "No GIL": 0.0, "Waiting for GIL": 0.0}
        for i in range(markers.get("length", 0)):
            start, end = markers["startTime"][i], markers["endTime"][i]
            name = names[markers["name"][i]]
            if start is not None and end is not None and name in totals:
                totals[name] += end - start
        tid = thread.get("tid")
        found[int(tid) if str(tid).isdigit() else tid] = {
            "held_ms": totals["Has GIL"],
            "waiting_ms": totals["Waiting for GIL"],
            "sampled_ms": totals["Has GIL"] + totals["No GIL"],
        }
    return found


def timeline_shares(chunks):
    """gil-lab's per-worker figures from a chunk timeline ``(worker, start_ns, end_ns, cpu_ns)``:
    over the span from a worker's first chunk to its last, the share it ran (thread CPU)
    and the share it waited (wall less CPU inside its chunks)."""
    by_worker = {}
    for worker, start, end, cpu in chunks:
        w = by_worker.setdefault(worker, {"first": start, "last": end, "wall": 0, "cpu": 0})
        w["first"], w["last"] = min(w["first"], start), max(w["last"], end)
        w["wall"] += end - start
        w["cpu"] += cpu
    shares = {}
    for worker, w in by_worker.items():
        span = max(1, w["last"] - w["first"])
        shares[worker] = {
            "running_share": min(1.0, w["cpu"] / span),
            "gil_wait_share": min(1.0, max(0, w["wall"] - w["cpu"]) / span),
            "span_s": span / 1e9,
        }
    return shares


def match(threads, result, model, argv):
    """Puts each worker's Tachyon shares beside gil-lab's, workers numbered by first chunk."""
    ours = timeline_shares([tuple(c) for c in result["chunks"]])
    native = {int(k): v for k, v in result["worker_threads"].items()}
    order = sorted(ours, key=lambda w: min(c[1] for c in result["chunks"] if c[0] == w))
    rows, differences = [], []
    for index, worker in enumerate(order):
        row = {"worker": index, "thread_id": native.get(worker)}
        row.update({"gil_lab_" + k: v for k, v in ours[worker].items()})
        seen = threads.get(native.get(worker))
        if seen and seen["sampled_ms"] > 0:
            row["tachyon_gil_held_share"] = seen["held_ms"] / seen["sampled_ms"]
            row["tachyon_gil_wait_share"] = seen["waiting_ms"] / seen["sampled_ms"]
            row["tachyon_sampled_s"] = seen["sampled_ms"] / 1000
            row["wait_difference"] = row["tachyon_gil_wait_share"] - row["gil_lab_gil_wait_share"]
            differences.append(abs(row["wait_difference"]))
        rows.append(row)
    return {
        "tachyon": {
            "available": True,
            "python": "%d.%d.%d" % sys.version_info[:3],
            "model": model,
            "command": " ".join(os.path.basename(a) if i == 0 else a for i, a in enumerate(argv)),
            "sampling_rate_hz": SAMPLING_RATE_HZ,
            "wall_s": result["wall_s"],
        },
        "workers": rows,
        "max_abs_wait_difference": max(differences) if differences else None,
    }


def gil_shares_file(path):
    """:func:`gil_shares` of the gecko profile at ``path``, as JSON text keyed by thread id."""
    with open(path, encoding="utf-8") as f:
        shares = gil_shares(json.load(f))
    return json.dumps({str(tid): value for tid, value in shares.items()})
