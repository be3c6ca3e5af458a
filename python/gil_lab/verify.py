"""The Python side of ``gil-lab verify``: the documents' claims, each checked by
an experiment measured in the same run.

``claims()`` lists them; ``check(id, quick, interpreters_json)`` runs one and
returns its verdict with the figures it rests on. Both return JSON text and
print nothing. ``python -m gil_lab.verify --check ID [--quick]`` prints the
same object: that is how a claim runs in another interpreter.
"""

import importlib
import json
import math
import sys

from gil_lab import machine, pythons
from gil_lab.claims import measure

DAY14 = "true-parallelism-day14.txt"
MODULE = "multiprocessing-module.md"

# id, number, the document's words, where they are, and the function that checks them.
CLAIMS = (
    ("threads-slower-for-math", 1,
     "The threaded version is mathematically slower. (Sequential Time: 0.76s Threaded Time: 0.83s)",
     DAY14 + ", 5. The GIL: The Ancient Vow (And The Proof)", "gil", "threads_slower"),
    ("amdahl-eight-cores", 2,
     "spawn 8 Python processes, and expect their code to run exactly 8x faster. It only runs 5.5x faster.",
     DAY14 + ", 2. The 100% Parallelism Myth & Production Headroom", "scaling", "eight_cores"),
    ("io-threads-wait-together", 3,
     "Sequential time would be 5 seconds. Threaded time is ~1 second. (All scouts returned in 1.01s)",
     DAY14 + ", 3. Threading Deep Dive (I/O Bound)", "pools", "io_threads"),
    ("pool-avoids-process-boot", 4,
     "avoiding the massive overhead of booting up a new process 1,000 times",
     DAY14 + ", 4.2 The Process Pool (The Enterprise Standard)", "pools", "pool_avoids_boot"),
    ("subinterpreters-share-process", 5,
     "both executed within PID 8842. True parallelism, zero memory duplication. "
     "(... a 3.14 interpreters pool to cut the memory footprint by 80%)",
     DAY14 + ", 4.3 Subinterpreters (The 3.14 Standard); 9. The Forge: The Multi-Core Astra Forge",
     "interpreters", "subinterpreters"),
    ("thread-costs-8mb", 6,
     "Thread Pool | Shared (Lightweight, ~8MB)",
     DAY14 + ", 7. Internals: Serialization, IPC & Pool Selection", "ram", "thread_weight"),
    ("processes-clone-model-ram", 7,
     "load a 2GB Machine Learning model into RAM, and then spawn 8 processes ... It uses 16GB of RAM",
     DAY14 + ", 6. Dangers: RAM Outages & The Fork Bomb", "ram", "model_copies"),
    ("pickling-costs-cpu", 8,
     "Python must serialize (Pickle) the data ... This takes massive CPU overhead.",
     DAY14 + ", 7. Internals: Serialization, IPC & Pool Selection", "ipc", "pickling_cost"),
    ("small-tasks-slower-in-processes", 9,
     "Why does multiprocessing feel slower for small tasks?",
     DAY14 + ", 10. FAQ: Advanced Scaling", "pools", "small_tasks"),
    ("fork-bomb-without-guard", 10,
     "The OS recursively clones the file, spawning infinite armies until your PC blue-screens and dies.",
     DAY14 + ", 6. Dangers: RAM Outages & The Fork Bomb", "forkbomb", "fork_bomb"),
    ("interpreters-module-name", 11,
     "In Python 3.14 (PEP 734), the interpreters API is fully stable. (import interpreters)",
     DAY14 + ", 4.3 Subinterpreters (The 3.14 Standard)", "interpreters", "interpreters_module"),
    ("free-threaded-build", 12,
     "In Python 3.13 and 3.14 (PEP 703), the GIL is finally being removed via a specialized build configuration",
     DAY14 + ", 5. The GIL: The Ancient Vow (And The Proof)", "gil", "free_threaded_build"),
    ("processes-run-on-separate-cores", 13,
     "Processes run on separate cores simultaneously.",
     MODULE + ", Section 2 — True CPU Parallelism", "scaling", "separate_cores"),
    ("shared-counter-needs-lock", 14,
     "Why don't my threads share updated variables correctly? ... threading.Lock().",
     DAY14 + ", 10. FAQ: Advanced Scaling", "gil", "shared_counter"),
    ("guard-matters-on-linux-3.14", 15,
     "When you spawn a Process on Linux, the OS uses fork() ... Because Windows spawn() re-imports your script "
     "... You MUST guard process execution behind if __name__ == '__main__'. (The module's Pool.map and "
     "ProcessPoolExecutor examples print no guard.)",
     DAY14 + ", 6. Dangers: RAM Outages & The Fork Bomb; " + MODULE
     + ", Section 2 — True CPU Parallelism, Section 4 — Process Pools and Executors",
     "forkbomb", "guard_on_linux"),
    ("cpu-bound-needs-processes", 16,
     "CPU-bound → processes. (Day 14: Parallelism (Multiprocessing) ... Best for CPU Bound tasks "
     "(Image resizing, Hash calculation, Data Science).)",
     MODULE + ", last section; " + DAY14 + ", 1. Concurrency vs Parallelism",
     "released", "cpu_bound_needs_processes"),
)

FIGURE_KEYS = ("name", "value", "unit", "spread", "interpreter")


def _identity(entry):
    claim_id, number, text, source = entry[:4]
    return {"id": claim_id, "number": number, "claim": text, "source": source}


def _entry(claim_id):
    for entry in CLAIMS:
        if entry[0] == claim_id:
            return entry
    raise ValueError("unknown claim %r; known: %s" % (claim_id, ", ".join(e[0] for e in CLAIMS)))


def claims():
    """JSON list of every claim: id, number, the document's words, source."""
    return json.dumps([_identity(entry) for entry in CLAIMS])


def check(claim_id, quick, interpreters_json):
    """JSON object: one claim's experiment, figures, evidence and verdict.

    A failed experiment is reported as "cannot test here" with the error, so
    the caller always gets a complete object.
    """
    entry = _entry(claim_id)
    module = importlib.import_module("gil_lab.claims." + entry[4])
    try:
        interpreters = pythons.parse_interpreters(interpreters_json)
        result = getattr(module, entry[5])(bool(quick), interpreters)
    except Exception as exc:  # noqa: BLE001 - every failure becomes a well-formed verdict
        result = measure.cannot_test(
            "the experiment for claim %d" % entry[1],
            "the experiment failed: %s: %s" % (type(exc).__name__, exc))
    return json.dumps(complete(entry, result), allow_nan=False)


def complete(entry, result):
    """The full check object from a claim function's result."""
    measured = [fig for fig in result.get("figures", []) if _finite(fig)]
    figures = [{key: fig.get(key) for key in FIGURE_KEYS} for fig in measured]
    verdict = result["verdict"] if result.get("verdict") in measure.VERDICTS else "cannot test here"
    completed = _identity(entry)
    completed.update({
        "experiment": result.get("experiment") or "nothing was run",
        "interpreter": result.get("interpreter") or machine.interpreter_label(),
        "figures": figures,
        # A whole check from another interpreter brings its own evidence line.
        "evidence": result.get("evidence") or evidence(measured, result.get("explanation", "")),
        "verdict": verdict,
        "explanation": result.get("explanation") or "no explanation was given",
    })
    return completed


def _finite(fig):
    """A figure JSON can carry: a finite value and, if any, a finite spread."""
    numbers = [fig.get("value")] + list(fig.get("spread") or [])
    return all(isinstance(v, (int, float)) and math.isfinite(v) for v in numbers)


def evidence(figures, explanation=""):
    """One line of the key figures with their units and spreads."""
    key = [f for f in figures if f.get("key", True)] or list(figures)
    if not key:
        return "nothing measured: " + (explanation or "the experiment did not run")
    several = len({f.get("interpreter") for f in key}) > 1
    return "; ".join(_describe(f, several) for f in key)


def _describe(fig, name_interpreter):
    where = " [%s]" % _short(fig.get("interpreter", "")) if name_interpreter else ""
    if fig["unit"] == "bool":
        return "%s%s: %s" % (fig["name"], where, "yes" if fig["value"] else "no")
    text = "%s%s %s %s" % (fig["name"], where, _number(fig["value"]), fig["unit"])
    spread = fig.get("spread")
    if spread and _number(spread[0]) != _number(spread[1]):
        text += " (%s–%s)" % (_number(spread[0]), _number(spread[1]))
    return text


def _short(label):
    """``3.13.5t`` from ``CPython 3.13.5t (free-threaded)``."""
    parts = label.split()
    return parts[1] if len(parts) > 1 else label


def _number(value):
    value = float(value)
    if abs(value) < 1e-9:
        return "0"
    if value.is_integer() and abs(value) < 1e7:
        return str(int(value))
    magnitude = abs(value)
    if magnitude >= 100:
        return "%.0f" % value
    if magnitude >= 10:
        return "%.1f" % value
    if magnitude >= 1:
        return "%.2f" % value
    return "%.3g" % value


def main(argv=None):
    import argparse

    parser = argparse.ArgumentParser(prog="python -m gil_lab.verify",
                                     description="Checks one of the documents' claims and prints the result as JSON.")
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--check", metavar="ID", help="the claim to check")
    group.add_argument("--list", action="store_true", help="list the claims")
    parser.add_argument("--quick", action="store_true", help="smaller experiments")
    parser.add_argument("--interpreters", default="[]", help="JSON list of other interpreters to use")
    args = parser.parse_args(argv)
    if args.list:
        print(claims())
        return 0
    try:
        _entry(args.check)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    print(check(args.check, args.quick, args.interpreters))
    return 0


if __name__ == "__main__":
    sys.exit(main())
