"""Claim 16: "CPU-bound work needs processes". True of pure-Python code under the
GIL; not of C code that releases the GIL (hashlib, zlib, numpy), where threads run
side by side and processes only add the cost of pickling the data they are sent."""

import hashlib
import pickle

from gil_lab.claims import measure
from gil_lab.claims.measure import Verdict
from gil_lab.claims.gil import paired_rounds
from gil_lab.kernels import blocks
from gil_lab.kernels.tasks import sum_squares
from gil_lab.runtime import machine, processes

# Two tasks on two free cores approach 2×; under one GIL they stay near 1×.
SCALES = 1.3


def pure_python(n):
    """The documents' CPU-bound work: ``sum(i * i for i in range(n))``."""
    return sum_squares(0, n)


def hash_buffer(buffer, rounds):
    """Day 14 §1's "hash calculation": sha256 over a buffer the caller hands over."""
    digest = b""
    for _ in range(rounds):
        digest = hashlib.sha256(buffer).digest()
    return digest


def _pickle_seconds(obj, rounds=3):
    """Best of ``rounds``: pickling and unpickling ``obj``, what a process pool pays per task to send it."""
    return min(processes.timed(lambda: pickle.loads(pickle.dumps(obj))) for _ in range(rounds))


def cpu_bound_needs_processes(quick, interpreters):
    n = 2_000_000 if quick else 5_000_000
    mb = 16
    buffer = blocks.block() * mb
    hash_rounds = 8 if quick else 20
    rounds = 5 if quick else 7
    experiment = ("2 tasks in a row, in 2 threads and in 2 processes, %d rounds each: pure Python "
                  "sum(i * i for i in range(%s)), and hashlib.sha256 %d times over a %d MiB buffer the "
                  "caller hands over (a thread shares it; a process is sent it pickled)"
                  % (rounds, format(n, "_"), hash_rounds, mb))
    if machine.usable_cpus() < 2:
        return measure.cannot_test(experiment, "this machine gives gil-lab 1 CPU: nothing can run side by side")
    with processes.process_control() as control, machine.machine_load() as load:
        pure_python(n)  # warm-up
        py_seq, py_thr, py_proc = paired_rounds(pure_python, (n,), rounds, control=control)
        hash_buffer(buffer, 1)  # warm-up
        h_seq, h_thr, h_proc = paired_rounds(hash_buffer, (buffer, hash_rounds), rounds, control=control)
    pickle_s = _pickle_seconds(buffer)
    speed = lambda seq, other: [s / o for s, o in zip(seq, other)]  # noqa: E731
    py_t, py_p = speed(py_seq, py_thr), speed(py_seq, py_proc)
    h_t, h_p = speed(h_seq, h_thr), speed(h_seq, h_proc)
    share = 2 * pickle_s / (sum(h_proc) / len(h_proc))
    figures = [
        measure.figure("pure Python: 2 threads' speedup", py_t, "×"),
        measure.figure("pure Python: 2 processes' speedup", py_p, "×"),
        measure.figure("hashlib: 2 threads' speedup", h_t, "×"),
        measure.figure("hashlib: 2 processes' speedup", h_p, "×"),
        measure.figure("pickling + unpickling the %d MiB buffer, per task" % mb, pickle_s * 1e3, "ms"),
        measure.figure("share of the processes' wall time spent pickling", share * 100, "%", key=False),
        measure.load_figure(load),
    ]
    median = lambda xs: sorted(xs)[len(xs) // 2]  # noqa: E731
    if median(py_p) < SCALES:
        return measure.cannot_test(
            experiment, "2 processes ran pure Python only %.2f× faster: the machine had no free core" % median(py_p),
            figures)
    detail = ("pure Python: threads %s×, processes %s×; hashlib: threads %s×, processes %s× after pickling "
              "%d MiB per task (%.1f ms each way and back)" % (
                  measure.span(min(py_t), max(py_t)), measure.span(min(py_p), max(py_p)),
                  measure.span(min(h_t), max(h_t)), measure.span(min(h_p), max(h_p)), mb, pickle_s * 1e3))
    if median(py_t) >= SCALES:
        return measure.outcome(experiment, figures, Verdict.DOES_NOT_HOLD,
                               "this interpreter runs threads without a GIL: even pure Python needs no "
                               "processes here; " + detail)
    if median(h_t) >= SCALES:
        return measure.outcome(experiment, figures, Verdict.DEPENDS,
                               "on whether the work releases the GIL: " + detail + ". Pure-Python math needs "
                               "processes; hashing (like zlib and numpy) runs side by side in threads, and "
                               "processes only add the pickling")
    return measure.outcome(experiment, figures, Verdict.HOLDS,
                           "neither kind of work ran faster in threads: " + detail)
