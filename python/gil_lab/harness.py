"""The Python side of ``gil-lab compare``: kernels and the Python concurrency models.

Each model runs ``tasks`` identical tasks of ``size`` iterations and returns
``(checksum, chunks, worker_cpu_s)``. A task is cut into chunks; for every chunk
the worker records ``(worker, start_ns, end_ns, cpu_ns)`` on the monotonic clock
(comparable across processes) and its own thread CPU clock, so the host can tell
running from waiting for the GIL.
"""

import math
import os
import threading
import time

from gil_lab import blocks, interpreters, lifeline

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


def _task(args):
    return run_task(*args)


def sequential(kernel, size, tasks, chunk):
    return combine([run_task(kernel, size, chunk) for _ in range(tasks)])


def threads(kernel, size, tasks, chunk, workers):
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return combine(pool.map(_task, [(kernel, size, chunk)] * tasks))


def process_pool(kernel, size, tasks, chunk, workers, start_method=None, api="executor", report=None):
    """``ProcessPoolExecutor`` (or ``multiprocessing.Pool`` for ``api="pool"``), pool start included.

    ``start_method`` None (or ``"default"``) uses this interpreter's own default
    (fork up to 3.13 on Linux, forkserver from 3.14). A ``report`` dict receives
    ``start_method``, the one used, and ``notes``: each distinct warning about
    forking that the run raised (3.12+ warns when a process with threads
    forks), once however many workers forked.
    """
    import warnings

    context = start_context(start_method)
    jobs = [(kernel, size, chunk)] * tasks
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DeprecationWarning)
        if api == "pool":
            pool = context.Pool(processes=workers)
            try:
                results = _pool_map_watching_workers(pool, jobs)
            except BrokenPool:
                _abandon(pool)
                raise
            pool.close()
            pool.join()
        else:
            from concurrent.futures import ProcessPoolExecutor

            with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
                results = list(pool.map(_task, jobs))
    if report is not None:
        report["start_method"] = context.get_start_method()
        report["api"] = "multiprocessing.Pool" if api == "pool" else "concurrent.futures.ProcessPoolExecutor"
        notes = []
        for w in caught:
            text = str(w.message)
            if "fork" in text and text not in notes:
                notes.append(text)
        report["notes"] = notes
    return combine(results, external_cpu=True)


def start_context(start_method=None):
    """The multiprocessing context for ``start_method``; None, "" or "default": this interpreter's default."""
    import multiprocessing

    return multiprocessing.get_context(None if start_method in (None, "", "default") else start_method)


class BrokenPool(RuntimeError):
    """A ``multiprocessing.Pool`` worker died mid-task: the pool would wait forever."""


def _pool_map_watching_workers(pool, jobs):
    """``pool.map`` that fails instead of hanging when a worker is killed.

    ``multiprocessing.Pool`` replaces a dead worker but never finishes the task
    it held, so a plain ``map`` would wait forever (``ProcessPoolExecutor``
    raises ``BrokenProcessPool`` instead). ``pool._pool`` is the pool's own list
    of worker processes.
    """
    workers = list(pool._pool)
    pending = pool.map_async(_task, jobs, chunksize=1)
    while not pending.ready():
        pending.wait(0.05)
        for process in workers:
            code = process.exitcode
            if code is not None and code < 0:
                raise BrokenPool("worker PID %d was killed by signal %d mid-run" % (process.pid, -code))
    return pending.get()


def _abandon(pool):
    """Ends a pool one of whose workers died.

    A worker killed while reading a task or writing a result dies holding the
    queue's lock, and ``Pool.terminate()`` would wait for that lock forever: the
    survivors are killed and the locks freed first.
    """
    for process in pool._pool:
        process.kill()
    for lock in (pool._inqueue._rlock, pool._outqueue._wlock):
        if lock is not None:
            lock.acquire(timeout=0.2)
            lock.release()
    pool.terminate()


def interpreter_pool_reason():
    """``None`` when this interpreter has an interpreter pool, else why not."""
    return interpreters.pool_reason()


def _task_as_text(args):
    """A task whose result crosses interpreters as text: its integers outgrow 64 bits."""
    import json

    value, chunks, cpu = run_task(*args)
    return json.dumps([repr(value), isinstance(value, int), chunks, cpu])


def _from_text(text):
    import json

    value, is_int, chunks, cpu = json.loads(text)
    return (int(value) if is_int else float(value)), [tuple(c) for c in chunks], cpu


def interpreter_pool(kernel, size, tasks, chunk, workers, report=None):
    """``InterpreterPoolExecutor``: 3.14's own, or on 3.13 the backport's (``report["api"]`` says which).

    Subinterpreters find ``gil_lab`` through ``PYTHONPATH``, which the host sets.
    """
    name, executor = interpreters.pool()
    if executor is None:
        raise RuntimeError(interpreters.pool_reason())
    with executor(max_workers=workers) as pool:
        texts = list(pool.map(_task_as_text, [(kernel, size, chunk)] * tasks))
    if report is not None:
        report["api"] = name
    return combine([_from_text(t) for t in texts])


def subinterpreters_reason():
    """``None`` when this interpreter can run own-GIL subinterpreters from Python, else why not."""
    return interpreters.reason()


def subinterpreters(kernel, size, tasks, chunk, workers, report=None):
    """One isolated subinterpreter (own GIL) per thread, through ``concurrent.interpreters``
    (3.14+) or 3.13's ``_interpreters`` (``report["api"]`` says which); results come back as
    text. Creating the interpreters is part of the measured time."""
    import json

    from gil_lab.subinterp import run_task_json

    shares = min(workers, tasks)
    answers = [None] * tasks

    def work(share, sub):
        for task in range(share, tasks, shares):
            params = json.dumps({"kernel": kernel, "size": size, "chunk": chunk, "worker": share})
            answers[task] = json.loads(sub.call(run_task_json, params))

    interpreters.in_threads(shares, work)
    if report is not None:
        report["api"] = interpreters.label()
    results = []
    for a in answers:
        value = int(a["value"]) if a["kind"] == "int" else float(a["value"])
        results.append((value, [tuple(c) for c in a["chunks"]], a["cpu_s"]))
    return combine(results)


# dask.distributed strategies: the work lives in gil_lab/dask_harness.py (where
# dask is: gil_lab/dask_env.py), imported only when one of them runs (dask comes
# from a private environment).
DASK_STRATEGIES = ("py-dask", "py-dask-threads")


def dask(strategy, kernel, size, tasks, chunk, workers, address=None):
    """``py-dask`` (one-thread worker processes, or the scheduler at ``address``) or
    ``py-dask-threads`` (one worker process with ``workers`` threads). The answer is
    ``(checksum, chunks, worker_cpu_s)`` with a ``details`` dict (``details_json()``)."""
    from gil_lab import dask_harness

    return dask_harness.run(strategy, kernel, size, tasks, chunk, workers, address)


def dask_reason(strategy="py-dask", address=None):
    """``None`` when ``strategy`` can run in this interpreter, else why not (with the install command)."""
    from gil_lab import dask_env

    return dask_env.reason(strategy, address)


def dask_availability_json():
    """For ``gil-lab pythons``: whether this interpreter has dask, its versions, or the install command."""
    import json

    from gil_lab import dask_env

    return json.dumps(dask_env.availability())
