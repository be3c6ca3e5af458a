"""Amdahl's law fitted to measured speedups.

With a serial fraction ``s`` of the work that cannot be spread, ``n`` workers
give ``S(n) = 1 / (s + (1 - s) / n)``. The fit finds the ``s`` that minimises
the squared differences between measured and predicted speedups (one bounded
parameter, so a golden-section search is exact enough and needs no library),
and its standard error from the residuals.
"""

import json
import math

PREDICTED_AT = (1, 2, 4, 8, 16, 32, 64)
_GOLDEN = (math.sqrt(5) - 1) / 2
_TOLERANCE = 1e-12


def speedup(s, n):
    """Amdahl's speedup of ``n`` workers for serial fraction ``s``."""
    return 1.0 / (s + (1.0 - s) / n)


def _residual_sum(s, workers, speedups):
    return sum((measured - speedup(s, n)) ** 2 for n, measured in zip(workers, speedups))


def _slope(s, n):
    """dS/ds at ``n`` workers: how strongly one point pins ``s`` down."""
    return -(1.0 - 1.0 / n) / (s + (1.0 - s) / n) ** 2


def fit_serial_fraction(workers, speedups):
    """``(s, standard_error)`` by least squares with ``0 <= s <= 1``.

    The error is None when the points cannot give one: fewer than two points,
    or none with more than one worker.
    """
    if len(workers) != len(speedups) or not workers:
        raise ValueError("need as many speedups as worker counts, at least one")
    if any(n < 1 for n in workers) or any(not math.isfinite(v) or v <= 0 for v in speedups):
        raise ValueError("worker counts must be >= 1 and speedups positive")
    low, high = 0.0, 1.0
    a, b = high - _GOLDEN * (high - low), low + _GOLDEN * (high - low)
    fa, fb = _residual_sum(a, workers, speedups), _residual_sum(b, workers, speedups)
    while high - low > _TOLERANCE:
        if fa <= fb:
            high, b, fb = b, a, fa
            a = high - _GOLDEN * (high - low)
            fa = _residual_sum(a, workers, speedups)
        else:
            low, a, fa = a, b, fb
            b = low + _GOLDEN * (high - low)
            fb = _residual_sum(b, workers, speedups)
    s = (low + high) / 2
    return s, _standard_error(s, workers, speedups)


def _standard_error(s, workers, speedups):
    information = sum(_slope(s, n) ** 2 for n in workers)
    degrees_of_freedom = len(workers) - 1
    if degrees_of_freedom < 1 or information == 0:
        return None
    variance = _residual_sum(s, workers, speedups) / degrees_of_freedom
    return math.sqrt(variance / information)


def fit(workers, speedups):
    """JSON: the serial fraction, its standard error, and what it predicts for other worker counts."""
    workers = [int(n) for n in workers]
    speedups = [float(v) for v in speedups]
    s, error = fit_serial_fraction(workers, speedups)
    counts = sorted(set(PREDICTED_AT) | set(workers))
    return json.dumps({
        "serial_fraction": s,
        "serial_fraction_error": error,
        "predicted": {str(n): speedup(s, n) for n in counts},
        "efficiency_at": {str(n): speedup(s, n) / n for n in counts},
        "points": len(workers),
    })
