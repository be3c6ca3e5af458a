"""Claim 8: pickling data for IPC "takes massive CPU overhead"."""

import os
import pickle
import time

from gil_lab.runtime import processes
from gil_lab.claims import measure
from gil_lab.claims.measure import Verdict

MB = 1024 * 1024

# "Massive" measured against moving the same bytes without pickling them: a
# copy into new memory. Ten times that is an order of magnitude of overhead.
MASSIVE_FACTOR = 10.0


def payloads(mb):
    """About ``mb`` pickled megabytes of three kinds of data a task might carry."""
    count = mb * MB // 9  # a pickled float takes 9 bytes
    return {
        "bytes": os.urandom(MB) * mb,
        "list of floats": [float(i) for i in range(count)],
        "list of dicts": [{"id": i, "name": "w%d" % i, "score": i * 0.5} for i in range(count // 3)],
    }


def pickle_cpu_seconds(data):
    """This thread's CPU seconds to pickle and unpickle ``data`` (as a pool's pipe does), and the pickle's size."""
    start = time.thread_time()
    blob = pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)
    pickle.loads(blob)
    return time.thread_time() - start, len(blob)


def copy_cpu_seconds(blob_size):
    """CPU seconds to copy as many bytes into new memory twice (there and back): moving
    the bytes without pickling, the least any transport costs."""
    source = bytearray(b"\x01") * blob_size
    bytes(source)  # warm-up: the allocator has the memory ready afterwards
    start = time.thread_time()
    there = bytes(source)
    back = bytearray(there)
    seconds = time.thread_time() - start
    del there, back
    return seconds


def pickling_cost(quick, interpreters):
    mb = 4 if quick else 32
    rounds = 3 if quick else 5
    rates, factors = {}, {}
    for kind, data in payloads(mb).items():
        rates[kind], factors[kind] = [], []
        pickle_cpu_seconds(data)  # warm-up: the allocator has the pickle's memory ready afterwards
        for _ in range(rounds):
            seconds, size = pickle_cpu_seconds(data)
            rates[kind].append(size / MB / max(seconds, 1e-6))
            factors[kind].append(seconds / max(copy_cpu_seconds(size), 1e-6))
    figures = []
    for kind in rates:
        figures.append(measure.figure("pickle+unpickle %s" % kind, rates[kind], "MB/s"))
        figures.append(measure.figure("%s: pickling / plain copy" % kind, factors[kind], "×"))
    floats_rate = processes.summary(rates["list of floats"])["median"]
    figures.append(measure.figure("CPU to pickle+unpickle 1 GB of floats", 1024 / floats_rate, "s", key=False))
    experiment = ("pickle.dumps + pickle.loads (highest protocol) of ~%d MB of bytes, of floats and of dicts "
                  "(thread CPU time) against copying as many bytes into new memory and back, %d rounds after "
                  "a warm-up" % (mb, rounds))
    sides = {kind: measure.side(min(f), max(f), MASSIVE_FACTOR) for kind, f in factors.items()}
    text = ", ".join("%s %s×" % (kind, measure.span(min(f), max(f), 1)) for kind, f in factors.items())
    if all(s == "above" for s in sides.values()):
        return measure.outcome(experiment, figures, Verdict.HOLDS,
                               "every kind of data cost over %.0f× a plain copy: %s" % (MASSIVE_FACTOR, text))
    if all(s == "below" for s in sides.values()):
        return measure.outcome(experiment, figures, Verdict.DOES_NOT_HOLD,
                               "no kind of data cost %.0f× a plain copy: %s" % (MASSIVE_FACTOR, text))
    costly = [kind for kind, s in sides.items() if s == "above"]
    cheap = [kind for kind, s in sides.items() if s == "below"]
    return measure.outcome(experiment, figures, Verdict.DEPENDS,
                           "on what is sent: %s cost over %.0f× a plain copy, %s did not (%s)"
                           % (", ".join(costly) or "nothing", MASSIVE_FACTOR, ", ".join(cheap) or "nothing", text))
