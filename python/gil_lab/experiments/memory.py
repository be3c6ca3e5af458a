"""What a worker costs in memory, read from Linux's ``/proc/PID/smaps_rollup``.

RSS counts every page a process maps, shared or not; PSS divides each shared
page among the processes that map it, so the PSS of all processes adds up to
the machine's real use. Private pages belong to one process only.

A "preload" stands for a model or dataset loaded before the workers start:
either many Python objects (a list of floats) or one flat buffer. Reading a
Python object writes its reference count, so a fork child that merely reads
the objects copies the pages they live on; reading a buffer writes nothing.
"""

import os
import threading
import time

from gil_lab.runtime import interpreters
from gil_lab.runtime.interpreters import Subinterpreter
from gil_lab.runtime.processes import PROCESS_TIMEOUT_S, reap
from gil_lab.runtime.pythons import PYTHON_DIR

MB = 1024 * 1024
PAGE = 4096
FLOAT_SLOT_BYTES = 32  # a float object (24 bytes) plus its slot in the list (8 bytes)
PRELOAD_KINDS = ("objects", "buffer")

# The preload a fork child inherits: set in the parent just before it forks.
_inherited = None


# --------------------------------------------------------------------------
# Reading /proc
# --------------------------------------------------------------------------

def parse_smaps_rollup(text):
    """Every ``Name:  N kB`` line of a smaps_rollup text as ``{"Name": N}``; the header is skipped."""
    values = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0].endswith(":") and parts[2] == "kB":
            values[parts[0][:-1]] = int(parts[1])
    return values


def read_rollup(pid="self"):
    with open("/proc/%s/smaps_rollup" % pid, encoding="ascii") as f:
        return parse_smaps_rollup(f.read())


def summarize(kb):
    """The four figures the sweeps report, in kB."""
    return {
        "pss_kb": kb.get("Pss", 0),
        "rss_kb": kb.get("Rss", 0),
        "shared_kb": kb.get("Shared_Clean", 0) + kb.get("Shared_Dirty", 0),
        "private_kb": kb.get("Private_Clean", 0) + kb.get("Private_Dirty", 0),
    }


def snapshot(pid="self"):
    return summarize(read_rollup(pid))


def growth(after, before):
    return {name: after[name] - before[name] for name in after}


def rollup_reason():
    """None when smaps_rollup can be read here, else why not (it needs Linux 4.14+)."""
    try:
        read_rollup()
    except OSError as exc:
        return "cannot read /proc/self/smaps_rollup (Linux 4.14+ only): %s" % exc
    return None


def status_kb(field, pid="self"):
    """A ``kB`` field of ``/proc/PID/status`` (``VmSize``, ``VmRSS``), or None."""
    try:
        with open("/proc/%s/status" % pid, encoding="ascii") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


# --------------------------------------------------------------------------
# The preload
# --------------------------------------------------------------------------

def build_preload(mb, kind="objects"):
    """``mb`` megabytes of model: a list of floats, or a buffer whose every page is written."""
    if kind == "buffer":
        return bytearray(b"\x07") * (mb * MB)
    return [float(i) for i in range(mb * MB // FLOAT_SLOT_BYTES)]


def touch(preload):
    """Reads every part of the preload once; returns how many items were read."""
    if preload is None:
        return 0
    if isinstance(preload, (bytes, bytearray)):
        preload.count(8)  # reads every byte, writes none
        return len(preload)
    count = 0
    for _ in preload:  # each item's reference count goes up and down: a write
        count += 1
    return count


# --------------------------------------------------------------------------
# Workers: a thread, a subinterpreter, a child process
# --------------------------------------------------------------------------

def measure_thread(preload):
    """Growth of this process's memory with one extra idle thread, then after it read ``preload``."""
    before = snapshot()
    ready, go, touched, release = (threading.Event() for _ in range(4))
    worker = threading.Thread(target=_thread_worker, args=(preload, ready, go, touched, release), daemon=True)
    worker.start()
    try:
        if not ready.wait(PROCESS_TIMEOUT_S):
            raise TimeoutError("the measured thread did not start")
        loaded = growth(snapshot(), before)
        go.set()
        if not touched.wait(PROCESS_TIMEOUT_S):
            raise TimeoutError("the measured thread did not finish reading")
        after = growth(snapshot(), before)
    finally:
        go.set()
        release.set()
        worker.join(PROCESS_TIMEOUT_S)
    return {"loaded": loaded, "touched": after}


def _thread_worker(preload, ready, go, touched, release):
    ready.set()
    go.wait(PROCESS_TIMEOUT_S)
    touch(preload)
    touched.set()
    release.wait(PROCESS_TIMEOUT_S)


_SUBINTERPRETER_LOAD = """
import sys
if python_dir not in sys.path:
    sys.path.insert(0, python_dir)
from gil_lab.experiments import memory
data = memory.build_preload(mb, kind) if mb else None
"""

_SUBINTERPRETER_TOUCH = "memory.touch(data)\n"


def measure_subinterpreter(mb, kind="objects"):
    """Growth of this process's memory with one subinterpreter that builds its own preload.

    Objects cannot cross interpreters, so a subinterpreter that needs the data
    must load its own copy.
    """
    before = snapshot()
    with Subinterpreter() as sub:
        sub.exec(_SUBINTERPRETER_LOAD, python_dir=PYTHON_DIR, mb=int(mb), kind=kind)
        loaded = growth(snapshot(), before)
        sub.exec(_SUBINTERPRETER_TOUCH)
        after = growth(snapshot(), before)
    return {"loaded": loaded, "touched": after}


# The preload of an interpreter-pool worker: each worker's interpreter has its own copy of this module.
_pool_data = None


def pool_load(mb, kind):
    """In an interpreter-pool worker: build this worker's own preload."""
    global _pool_data
    _pool_data = build_preload(mb, kind) if mb else None
    return 0


def pool_touch():
    """In an interpreter-pool worker: read its preload once."""
    return touch(_pool_data)


def measure_interpreter_pool_worker(mb, kind="objects"):
    """Growth of this process's memory with a one-worker InterpreterPoolExecutor (3.14's, or
    3.13's backport) whose worker built its own preload, then after it read the preload.

    Also ``start_s``: from creating the pool to the first task's result (the worker's
    thread and interpreter start, and its first import of gil_lab).
    """
    before = snapshot()
    start = time.perf_counter()
    with interpreters.pool_executor(1) as pool:
        pool.submit(pool_load, 0, kind).result(PROCESS_TIMEOUT_S)
        started = time.perf_counter() - start
        if mb:
            pool.submit(pool_load, int(mb), kind).result(PROCESS_TIMEOUT_S)
        loaded = growth(snapshot(), before)
        pool.submit(pool_touch).result(PROCESS_TIMEOUT_S)
        after = growth(snapshot(), before)
    return {"loaded": loaded, "touched": after, "start_s": started}


def interpreter_start_seconds():
    """Seconds to create one subinterpreter, run ``pass`` in it and close it."""
    start = time.perf_counter()
    with Subinterpreter() as sub:
        sub.exec("pass")
    return time.perf_counter() - start


def measure_child(context, mb, kind="objects", inherited=None):
    """A child's own memory: on entry, with the preload, after reading all of it.

    A fork child gets ``inherited`` (the parent's preload) by copy-on-write;
    spawn and forkserver children start from a fresh interpreter and build
    their own. Returns ``{"empty", "loaded", "touched"}`` snapshots and
    ``start_s``, from ``start()`` to the child's first line of code.
    """
    global _inherited
    reader, writer = context.Pipe(duplex=False)
    process = context.Process(target=child_main, args=(mb, kind, writer), daemon=True)
    _inherited = inherited
    try:
        started = time.time()
        process.start()
        writer.close()
        if not reader.poll(PROCESS_TIMEOUT_S):
            raise TimeoutError("the %s child sent no memory figures" % context.get_start_method())
        report = reader.recv()
        if "entered" in report:
            report["start_s"] = max(0.0, report["entered"] - started)
    finally:
        _inherited = None
        reader.close()
        reap(process)
    if "error" in report:
        raise RuntimeError("the %s child failed: %s" % (context.get_start_method(), report["error"]))
    return report


def child_main(mb, kind, writer):
    """In the child: report memory on entry, with the preload, and after reading it."""
    try:
        entered = time.time()  # the wall clock: comparable across processes
        empty = snapshot()
        data = _inherited if _inherited is not None else (build_preload(mb, kind) if mb else None)
        loaded = snapshot()
        touch(data)
        report = {"empty": empty, "loaded": loaded, "touched": snapshot(), "pid": os.getpid(), "entered": entered}
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which raises it
        report = {"error": "%s: %s" % (type(exc).__name__, exc)}
    writer.send(report)
    writer.close()
