"""The Python concurrency models of ``gil-lab compare``: each runs ``tasks``
identical tasks of ``size`` iterations (:mod:`gil_lab.kernels.tasks`) and
returns ``(checksum, chunks, worker_cpu_s)``.

The dask strategies are :mod:`gil_lab.dask.strategies`; a user's own function
under each model is :mod:`gil_lab.harness.user_function`.
"""

from gil_lab.harness.subinterp import run_task_json
from gil_lab.kernels.tasks import combine, result_from_text, run_task, run_task_args, run_task_as_text
from gil_lab.runtime import interpreters
from gil_lab.runtime.processes import start_context


def sequential(kernel, size, tasks, chunk):
    return combine([run_task(kernel, size, chunk) for _ in range(tasks)])


def threads(kernel, size, tasks, chunk, workers):
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return combine(pool.map(run_task_args, [(kernel, size, chunk)] * tasks))


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
                results = list(pool.map(run_task_args, jobs))
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
    pending = pool.map_async(run_task_args, jobs, chunksize=1)
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


def interpreter_pool(kernel, size, tasks, chunk, workers, report=None):
    """``InterpreterPoolExecutor``: 3.14's own, or on 3.13 the backport's (``report["api"]`` says which).

    Subinterpreters find ``gil_lab`` through ``PYTHONPATH``, which the host sets.
    """
    name, executor = interpreters.pool()
    if executor is None:
        raise RuntimeError(interpreters.pool_reason())
    with executor(max_workers=workers) as pool:
        texts = list(pool.map(run_task_as_text, [(kernel, size, chunk)] * tasks))
    if report is not None:
        report["api"] = name
    return combine([result_from_text(t) for t in texts])


def subinterpreters_reason():
    """``None`` when this interpreter can run own-GIL subinterpreters from Python, else why not."""
    return interpreters.reason()


def subinterpreters(kernel, size, tasks, chunk, workers, report=None):
    """One isolated subinterpreter (own GIL) per thread, through ``concurrent.interpreters``
    (3.14+) or 3.13's ``_interpreters`` (``report["api"]`` says which); results come back as
    text. Creating the interpreters is part of the measured time."""
    import json

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
