"""Figures and verdicts of the claims.

Every figure carries its median and its min-max spread; verdicts compare the
whole spread with a threshold, so a noisy result that straddles it is reported
as such instead of being rounded into a yes or a no. The machine facts and the
process helpers the experiments use live in :mod:`gil_lab.runtime.machine` and
:mod:`gil_lab.runtime.processes`.
"""

import enum
import statistics

from gil_lab.runtime.facts import interpreter_label


class Verdict(str, enum.Enum):
    """What a claim gets: the host reads the same words into its own enum.

    A ``str`` enum, so that it is written to JSON as its word."""

    HOLDS = "holds"
    DOES_NOT_HOLD = "does not hold"
    DEPENDS = "depends"
    CANNOT_TEST_HERE = "cannot test here"


VERDICTS = tuple(Verdict)

CAPACITY_NAME = "speedup of 2 processes over sequential (the machine's free cores now)"


def figure(name, samples, unit, interpreter=None, key=True):
    """One reported figure: the median of ``samples`` (a number or a list) and its spread.

    ``key`` figures make up the evidence line; the others are detail.
    """
    if isinstance(samples, (list, tuple)):
        values = [float(v) for v in samples]
        value = statistics.median(values)
        spread = [min(values), max(values)] if len(values) > 1 else None
    else:
        value, spread = float(samples), None
    return {
        "name": name,
        "value": value,
        "unit": unit,
        "spread": spread,
        "interpreter": interpreter or interpreter_label(),
        "key": key,
    }


def ranged(name, value, low, high, unit, interpreter=None, key=True):
    """A figure whose spread is an interval computed elsewhere (a fit's error, a prediction's range)."""
    fig = figure(name, value, unit, interpreter, key)
    fig["spread"] = [float(low), float(high)]
    return fig


def flag(name, value, interpreter=None, key=True):
    """A yes/no observation as a figure (1.0 or 0.0, unit ``bool``)."""
    return figure(name, 1.0 if value else 0.0, "bool", interpreter, key)


def bounds(fig):
    """``(low, high)`` of a figure: its spread, or its value twice."""
    spread = fig.get("spread")
    return (spread[0], spread[1]) if spread else (fig["value"], fig["value"])


def side(low, high, threshold):
    """Where a measured range lies: ``above`` or ``below`` the threshold, or ``straddles`` it."""
    if low > threshold:
        return "above"
    if high < threshold:
        return "below"
    return "straddles"


def span(low, high, digits=2):
    """``1.20-1.47`` for explanations, or one number when both ends round alike."""
    a, b = "%.*f" % (digits, low), "%.*f" % (digits, high)
    return a if a == b else "%s-%s" % (a, b)


def outcome(experiment, figures, verdict, explanation, interpreter=None):
    """What a claim function returns; :mod:`gil_lab.claims.verify` completes it."""
    if not isinstance(verdict, Verdict):
        raise ValueError("verdict %r is not a Verdict (%s)" % (verdict, ", ".join(v.value for v in Verdict)))
    result = {"experiment": experiment, "figures": figures, "verdict": verdict, "explanation": explanation}
    if interpreter:
        result["interpreter"] = interpreter
    return result


def cannot_test(experiment, why, figures=()):
    return outcome(experiment, list(figures), Verdict.CANNOT_TEST_HERE, why)


def load_figure(load):
    """A :class:`gil_lab.runtime.machine.machine_load` reading as a figure (key when the machine was busy)."""
    return figure("CPU used by other processes meanwhile", load.other_cores or 0.0, "cores", key=load.busy)
