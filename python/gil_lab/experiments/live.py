"""The Python side of ``gil-lab live``: workers that run a kernel in chunks until told to stop.

Host and workers share a small file of little-endian ``u64`` slots, mapped into
memory by both: slot 0 is the stop flag the host sets, slot ``1 + i`` is how many
chunks worker ``i`` has finished. Workers in threads, processes (any start
method), subinterpreters or another interpreter all open the same file by path,
so the host reads every worker's progress without taking the GIL.

Each worker also keeps its chunk timeline ``(worker, start_ns, end_ns, cpu_ns)``
for the first :data:`TIMELINE_S` seconds, for the picture drawn afterwards.
"""

import json
import mmap
import os
import struct
import sys
import threading
import time

from gil_lab.kernels.tasks import STEPS, io_wait, sqrt_sum, sum_squares
from gil_lab.runtime import interpreters, lifeline

SLOT = struct.Struct("<Q")

#: Seconds of chunk timeline a worker keeps; enough for a picture, small to ship.
TIMELINE_S = 1.5

KINDS = ("sequential", "threads", "processes", "subinterpreters")


class Slots:
    """The shared progress file, mapped."""

    def __init__(self, path):
        self._file = open(path, "r+b")
        self._map = mmap.mmap(self._file.fileno(), 0)

    def stopped(self):
        return SLOT.unpack_from(self._map, 0)[0] != 0

    def done(self, worker, chunks):
        SLOT.pack_into(self._map, SLOT.size * (1 + worker), chunks)

    def close(self):
        self._map.close()
        self._file.close()


def one_chunk(kernel, chunk):
    """One piece of work: ``chunk`` iterations, or a wait of ``chunk`` ms for ``io_wait``."""
    if kernel == "sum_squares":
        return sum_squares(0, chunk)
    if kernel == "sqrt_sum":
        return sqrt_sum(0, chunk)
    if kernel in STEPS:
        return STEPS[kernel](0, chunk)
    return io_wait(chunk)


def work(path, worker, kernel, chunk):
    """Runs chunks until the host sets the stop flag; returns the kept timeline."""
    slots = Slots(path)
    timeline = []
    try:
        begun = time.monotonic_ns()
        keep_until = begun + int(TIMELINE_S * 1e9)
        done = 0
        lifeline.check()
        while not slots.stopped():
            lifeline.check()
            start, cpu = time.monotonic_ns(), time.thread_time_ns()
            one_chunk(kernel, chunk)
            end = time.monotonic_ns()
            done += 1
            slots.done(worker, done)
            if start < keep_until:
                timeline.append((worker, start, end, time.thread_time_ns() - cpu))
    finally:
        slots.close()
    return timeline


def _work_args(args):
    return work(*args)


def unavailable(kind):
    """``None`` when this interpreter can run the group ``kind``, else why not."""
    if kind == "subinterpreters":
        return interpreters.reason()
    return None


def run_group(kind, path, workers, kernel, chunk, start_method=None):
    """Runs ``workers`` workers of one kind until the stop flag; returns JSON
    ``{"chunks": [...]}`` with every worker's timeline."""
    if kind == "sequential":
        chunks = work(path, 0, kernel, chunk)
    elif kind == "threads":
        chunks = _in_threads(path, workers, kernel, chunk)
    elif kind == "processes":
        chunks = _in_processes(path, workers, kernel, chunk, start_method)
    elif kind == "subinterpreters":
        chunks = _in_subinterpreters(path, workers, kernel, chunk)
    else:
        raise ValueError("unknown group %r; one of %s" % (kind, ", ".join(KINDS)))
    return json.dumps({"chunks": chunks})


def _in_threads(path, workers, kernel, chunk):
    results = [[] for _ in range(workers)]

    def one(i):
        results[i] = work(path, i, kernel, chunk)

    threads = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return [c for r in results for c in r]


def _in_processes(path, workers, kernel, chunk, start_method):
    import multiprocessing

    context = multiprocessing.get_context(start_method)
    with context.Pool(processes=workers) as pool:
        results = pool.map(_work_args, [(path, i, kernel, chunk) for i in range(workers)], chunksize=1)
    return [c for r in results for c in r]


def work_json(path, worker, kernel, chunk):
    """:func:`work` for a subinterpreter: its timeline comes back as JSON text."""
    return json.dumps(work(path, worker, kernel, chunk))


def _in_subinterpreters(path, workers, kernel, chunk):
    """One isolated subinterpreter (own GIL) per thread, as ``compare`` runs them."""
    results = [[] for _ in range(workers)]

    def one(i, sub):
        results[i] = [tuple(c) for c in json.loads(sub.call(work_json, path, i, kernel, chunk))]

    interpreters.in_threads(workers, one)
    return [c for r in results for c in r]


def main(argv=None):
    """``python -m gil_lab.experiments.live KIND PATH WORKERS KERNEL CHUNK [START_METHOD]``: one group
    in this interpreter, for hosts that drive another Python; prints the JSON answer."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) == 2 and args[0] == "--unavailable":
        print(json.dumps(unavailable(args[1])))
        return 0
    kind, path, workers, kernel, chunk = args[:5]
    start_method = args[5] if len(args) > 5 and args[5] != "default" else None
    print(run_group(kind, path, int(workers), kernel, int(chunk), start_method))
    return 0


if __name__ == "__main__":
    sys.exit(main())
