"""The kernels and how one task runs them: the work every Python model of
``gil-lab compare`` (and ``live``, the sweeps, the claims) hands its workers.

A task is cut into chunks; for every chunk the worker records ``(worker,
start_ns, end_ns, cpu_ns)`` on the monotonic clock (comparable across
processes) and its own thread CPU clock, so the host can tell running from
waiting for the GIL. :func:`combine` adds the tasks' answers up as
``(checksum, chunks, worker_cpu_s)``, what every model returns.

Pool workers (processes, interpreter pools, subinterpreters) import this
module by name to run a task, so it imports only the standard library and the
runtime layer.
"""

import math
import os
import threading
import time

from gil_lab.kernels import blocks
from gil_lab.runtime import lifeline

KERNELS = ("sum_squares", "sqrt_sum", "io_wait", "sha256", "zlib", "numpy_matmul")


def sum_squares(lo, hi, acc=0):
    """The documents' GIL proof: ``sum(i * i for i in range(n))``, one chunk at a time."""
    return acc + sum(i * i for i in range(lo, hi))


def sqrt_sum(lo, hi, acc=0.0):
    """The multiprocessing module's ``heavy``: ``sum(math.sqrt(i) for i in range(n))``."""
    return sum((math.sqrt(i) for i in range(lo, hi)), acc)


def io_wait(ms, stop_check=None):
    """Half the wait in ``time.sleep``, half blocked in a real ``recv`` on a socket pair.

    With ``stop_check``, each half waits in slices of at most 50 ms with a check
    between them, so that a long wait ends when the run's --timeout passes.
    """
    import socket  # here, not at the top: subinterpreters of a pool start faster without it

    half = ms / 2000.0
    a, b = socket.socketpair()
    try:
        for wait in (time.sleep, lambda s: _recv_nothing(a, s)):
            _wait_in_slices(wait, half, stop_check)
    finally:
        a.close()
        b.close()
    return 1


def _recv_nothing(sock, seconds):
    """Blocks in ``recv`` on a socket that never receives, for ``seconds``."""
    import socket

    sock.settimeout(seconds)
    try:
        sock.recv(1)
    except socket.timeout:
        pass


# The longest a wait goes without a stop check.
_WAIT_SLICE_S = 0.05


def _wait_in_slices(wait, seconds, stop_check):
    if stop_check is None or seconds <= _WAIT_SLICE_S:
        wait(seconds)
        return
    end = time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        wait(min(left, _WAIT_SLICE_S))
        stop_check(time.monotonic_ns())


def chunk_bounds(size, chunk):
    return [(lo, min(lo + chunk, size)) for lo in range(0, size, chunk)]


def run_task(kernel, size, chunk, worker=None):
    """One task: returns ``(value, chunks, process_cpu_s)``."""
    if worker is None:
        worker = os.getpid() * 1_000_003 + threading.get_ident() % 1_000_003
    worker_threads[worker] = threading.get_native_id()
    ident = threading.get_ident()
    _running_tasks.add(ident)
    try:
        return _timed_task(kernel, size, chunk, worker)
    finally:
        _running_tasks.discard(ident)


# Set by the host: a file whose existence means "the run's --timeout has passed".
# Tasks look for it between chunks, in every interpreter and process, because an
# exception raised from outside cannot reach a subinterpreter's thread.
_STOP_FILE = os.environ.get("GIL_LAB_STOP_FILE")
_STOP_CHECK_NS = 50_000_000


class _StopCheck:
    """Looks for the stop file at most every 50 ms, so that measuring costs nothing."""

    def __init__(self):
        self.last = time.monotonic_ns()
        lifeline.check()

    def __call__(self, now):
        if now - self.last > _STOP_CHECK_NS:
            self.last = now
            lifeline.check()
            if _STOP_FILE and os.path.exists(_STOP_FILE):
                raise TimeoutError("the run's --timeout passed")


def _timed_task(kernel, size, chunk, worker):
    cpu0 = time.process_time()
    chunks = []
    stop_check = _StopCheck()
    if kernel == "io_wait":
        start, tcpu = time.monotonic_ns(), time.thread_time_ns()
        value = io_wait(size, stop_check)
        chunks.append((worker, start, time.monotonic_ns(), time.thread_time_ns() - tcpu))
    else:
        step = STEPS[kernel]
        value = 0.0 if kernel == "sqrt_sum" else 0
        for lo, hi in chunk_bounds(size, chunk):
            start, tcpu = time.monotonic_ns(), time.thread_time_ns()
            stop_check(start)
            value = step(lo, hi, value)
            chunks.append((worker, start, time.monotonic_ns(), time.thread_time_ns() - tcpu))
    return value, chunks, time.process_time() - cpu0


# Each chunked kernel: ``step(lo, hi, acc)`` continues a task's value over ``[lo, hi)``.
STEPS = {
    "sum_squares": sum_squares,
    "sqrt_sum": sqrt_sum,
    "sha256": blocks.sha256,
    "zlib": blocks.zlib_compress,
    "numpy_matmul": blocks.numpy_matmul,
}


def kernel_reason(kernel):
    """None when ``kernel`` can run in this interpreter, else why not (numpy may be missing)."""
    return blocks.numpy_reason() if kernel == "numpy_matmul" else None


def threads_running_tasks():
    """Idents of the threads of this interpreter that are inside :func:`run_task`.

    A timed-out run interrupts these first: an exception raised in an idle pool
    thread can swallow the wake-up that ``shutdown`` sends it, and the pool then
    waits forever for that thread. (``sys._current_frames`` is no way to find
    them: it walks the frames of every interpreter, own-GIL subinterpreters'
    included, from the wrong one.)
    """
    return list(_running_tasks)


_running_tasks = set()

# Worker id -> the OS thread id that ran it: how a profiler's threads are matched with workers.
worker_threads = {}


def combine(results, external_cpu=False):
    """Checksum in task order with plain addition, as the native kernels do it.

    The CPU seconds are only reported for workers in other processes (the host
    measures its own process itself); ``0.0`` otherwise.
    """
    total = 0
    chunks = []
    cpu = 0.0
    for value, task_chunks, task_cpu in results:
        total += value
        chunks.extend(task_chunks)
        cpu += task_cpu
    return total, chunks, cpu if external_cpu else 0.0


def run_task_args(args):
    return run_task(*args)


def run_task_as_text(args):
    """A task whose result crosses interpreters as text: its integers outgrow 64 bits."""
    import json

    value, chunks, cpu = run_task(*args)
    return json.dumps([repr(value), isinstance(value, int), chunks, cpu])


def result_from_text(text):
    import json

    value, is_int, chunks, cpu = json.loads(text)
    return (int(value) if is_int else float(value)), [tuple(c) for c in chunks], cpu
