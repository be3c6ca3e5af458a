"""The Python side of ``gil-lab verify``: the documents' claims, each checked by
an experiment measured in the same run.

``claims()`` lists them; ``check(id, quick, interpreters_json)`` runs one and
returns its verdict with the figures it rests on. Both return JSON text and
print nothing. ``python -m gil_lab.claims.verify --check ID [--quick]`` prints the
same object: that is how a claim runs in another interpreter.
"""

import json
import math
import sys

from gil_lab.claims import measure
from gil_lab.claims.measure import Verdict
from gil_lab.claims.registry import CLAIMS, find
from gil_lab.runtime import pythons
from gil_lab.runtime.facts import interpreter_label

FIGURE_KEYS = ("name", "value", "unit", "spread", "interpreter")


def claims():
    """JSON list of every claim: id, number, the document's words, source."""
    return json.dumps([claim.identity() for claim in CLAIMS])


def check(claim_id, quick, interpreters_json):
    """JSON object: one claim's experiment, figures, evidence and verdict.

    A failed experiment is reported as "cannot test here" with the error, so
    the caller always gets a complete object.
    """
    claim = find(claim_id)
    try:
        interpreters = pythons.parse_interpreters(interpreters_json)
        result = claim.run(bool(quick), interpreters)
    except Exception as exc:  # noqa: BLE001 - every failure becomes a well-formed verdict
        result = measure.cannot_test(
            "the experiment for claim %d" % claim.number,
            "the experiment failed: %s: %s" % (type(exc).__name__, exc))
    return json.dumps(complete(claim, result), allow_nan=False)


def complete(claim, result):
    """The full check object from a claim function's result."""
    measured = [fig for fig in result.get("figures", []) if _finite(fig)]
    figures = [{key: fig.get(key) for key in FIGURE_KEYS} for fig in measured]
    verdict = result["verdict"] if result.get("verdict") in measure.VERDICTS else Verdict.CANNOT_TEST_HERE
    completed = claim.identity()
    completed.update({
        "experiment": result.get("experiment") or "nothing was run",
        "interpreter": result.get("interpreter") or interpreter_label(),
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

    parser = argparse.ArgumentParser(prog="python -m gil_lab.claims.verify",
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
        find(args.check)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    print(check(args.check, args.quick, args.interpreters))
    return 0


if __name__ == "__main__":
    sys.exit(main())
