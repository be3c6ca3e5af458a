"""Claims about memory: what a thread weighs, and whether 8 processes clone a
2 GB model 8 times."""

import multiprocessing
import threading

from gil_lab.claims import measure
from gil_lab.claims.measure import Verdict
from gil_lab.experiments import memory
from gil_lab.runtime import processes, pythons

# The document's "~8MB" per thread. "~" allows a factor of two either way;
# outside that band the figure describes something else.
CLAIMED_THREAD_MB = 8.0
THREAD_BAND_FACTOR = 2.0

# Thread stacks larger than the default by this much each round, so glibc
# cannot hand a later round the stacks a former one freed (it caches them).
STACK_STEP = 64 * 1024

# A child that copied at least 80 % of the model cloned it (the rest is pages
# such as a list's pointer array that reading never writes); one that copied
# less than 20 % shared it.
CLONED = 0.8
SHARED = 0.2

DOCUMENT_MODEL_GB = 2
DOCUMENT_PROCESSES = 8


# --------------------------------------------------------------------------
# 6. A thread costs ~8 MB
# --------------------------------------------------------------------------

def default_stack_bytes():
    """The stack a new thread gets by default on Linux: ``ulimit -s`` (8 MB when unlimited)."""
    try:
        import resource

        soft = resource.getrlimit(resource.RLIMIT_STACK)[0]
    except (ImportError, OSError, ValueError):
        return 8 * 1024 * 1024
    return 8 * 1024 * 1024 if soft == resource.RLIM_INFINITY or soft <= 0 else soft


def park_threads(count, stack_bytes=0):
    """Starts ``count`` idle threads; returns the growth of (VmSize, VmRSS) per thread in kB."""
    previous = threading.stack_size(stack_bytes)
    release = threading.Event()
    ready = threading.Barrier(count + 1)
    workers = [threading.Thread(target=_park, args=(ready, release), daemon=True) for _ in range(count)]
    virtual0, resident0 = memory.status_kb("VmSize"), memory.status_kb("VmRSS")
    try:
        for worker in workers:
            worker.start()
        ready.wait(processes.PROCESS_TIMEOUT_S)
        virtual1, resident1 = memory.status_kb("VmSize"), memory.status_kb("VmRSS")
    finally:
        release.set()
        ready.abort()
        for worker in workers:
            worker.join(processes.PROCESS_TIMEOUT_S)
        threading.stack_size(previous)
    return (virtual1 - virtual0) / count, (resident1 - resident0) / count


def _park(ready, release):
    try:
        ready.wait(processes.PROCESS_TIMEOUT_S)
    except threading.BrokenBarrierError:
        return
    release.wait(processes.PROCESS_TIMEOUT_S)


def thread_weight(quick, interpreters):
    if memory.status_kb("VmRSS") is None:
        return measure.cannot_test("idle threads parked, /proc/self/status read",
                                   "no /proc/self/status here: this check needs Linux")
    count = 20 if quick else 100
    rounds = 3
    base = default_stack_bytes()
    park_threads(count, 64 * 1024)  # warm-up: the first threads also create glibc's malloc arenas
    virtual_mb, resident_kb = [], []
    for r in range(rounds):
        virtual, resident = park_threads(count, 0 if r == 0 else base + r * STACK_STEP)
        virtual_mb.append(virtual / 1024)
        resident_kb.append(resident)
    figures = [
        measure.figure("virtual memory reserved per thread (VmSize)", virtual_mb, "MB"),
        measure.figure("resident memory per thread (VmRSS)", resident_kb, "kB"),
        measure.figure("default stack size (ulimit -s)", base / (1024 * 1024), "MB"),
    ]
    experiment = ("%d idle threads started and parked, growth of VmSize and VmRSS per thread, %d rounds "
                  "(default stack, then %d KiB larger each round so no freed stack is reused)"
                  % (count, rounds, STACK_STEP // 1024))
    resident_mb = [kb / 1024 for kb in resident_kb]
    low_band, high_band = CLAIMED_THREAD_MB / THREAD_BAND_FACTOR, CLAIMED_THREAD_MB * THREAD_BAND_FACTOR
    low, high = min(resident_mb), max(resident_mb)
    if low >= low_band and high <= high_band:
        return measure.outcome(experiment, figures, Verdict.HOLDS,
                               "each thread used %.1f-%.1f MB of real memory, about 8 MB" % (low, high))
    if high < low_band or low > high_band:
        return measure.outcome(experiment, figures, Verdict.DOES_NOT_HOLD,
                               "the 8 MB is address space reserved for the stack (%.1f MB of VmSize per "
                               "thread); the memory a thread really uses is %s kB"
                               % (min(virtual_mb), measure.span(min(resident_kb), max(resident_kb), 0)))
    return measure.outcome(experiment, figures, Verdict.DEPENDS,
                           "on what the threads do with their stacks: %.1f-%.1f MB resident per thread, "
                           "across the edge of the ~8 MB band" % (low, high))


# --------------------------------------------------------------------------
# 7. A 2 GB model x 8 processes uses 16 GB
# --------------------------------------------------------------------------

SCENARIOS = (
    ("fork", "buffer", "fork, model as one buffer"),
    ("fork", "objects", "fork, model as Python objects"),
    ("spawn", "buffer", "spawn, model loaded by the child"),
    ("forkserver", "buffer", "forkserver, model loaded by the child"),
)


def model_size_kb(mb, kind):
    """The model as built in this process, and how much private memory it took."""
    before = memory.snapshot()
    model = memory.build_preload(mb, kind)
    return model, max(1, memory.snapshot()["private_kb"] - before["private_kb"])


def copies_per_child(method, kind, mb, model, model_kb):
    """Fraction of the model a child copied into its own pages while reading all of it."""
    context = multiprocessing.get_context(method)
    report = memory.measure_child(context, mb, kind, inherited=model if method == "fork" else None)
    return (report["touched"]["private_kb"] - report["empty"]["private_kb"]) / model_kb, report["touched"]["pss_kb"]


def model_copies(quick, interpreters):
    # Measured on a 3.14 when one is installed: its processes start with forkserver.
    there = pythons.run_where_new_enough(interpreters, (3, 14), "processes-clone-model-ram", quick)
    if there is not None:
        return there
    reason = memory.rollup_reason()
    if reason is not None:
        return measure.cannot_test("children reading a preloaded model, smaps_rollup read", reason)
    methods = multiprocessing.get_all_start_methods()
    scenarios = [s for s in SCENARIOS if s[0] in methods]
    mb = 64 if quick else 200
    rounds = 2 if quick else 3
    models = {kind: model_size_kb(mb, kind) for kind in {s[1] for s in scenarios}}
    copies = {label: [] for _, _, label in scenarios}
    pss = {label: [] for _, _, label in scenarios}
    for _ in range(rounds):
        for method, kind, label in scenarios:
            model, model_kb = models[kind]
            fraction, child_pss = copies_per_child(method, kind, mb, model, model_kb)
            copies[label].append(fraction)
            pss[label].append(child_pss / 1024)
    del models
    figures = []
    for _, _, label in scenarios:
        figures.append(measure.figure("%s: copies per child" % label, copies[label], "copies"))
        scaled = [DOCUMENT_MODEL_GB * (1 + DOCUMENT_PROCESSES * max(0.0, c)) for c in copies[label]]
        figures.append(measure.figure("%s: 2 GB model, parent + 8 processes" % label, scaled, "GB"))
        figures.append(measure.figure("%s: child PSS" % label, pss[label], "MB", key=False))
    experiment = ("a %d MB model (one buffer, or a list of floats) in the parent; one child at a time reads "
                  "all of it (fork inherits it copy-on-write, spawn loads its own); the child's private "
                  "memory growth from smaps_rollup over the model's size, %d rounds, scaled to 2 GB x 8"
                  % (mb, rounds))
    return judge_copies(experiment, figures, copies)


def judge_copies(experiment, figures, copies):
    kinds = {}
    for label, values in copies.items():
        low, high = min(values), max(values)
        kinds[label] = "cloned" if low >= CLONED else ("shared" if high <= SHARED else "partly copied")
    text = "; ".join("%s %s it (%s copies)" % (label, kinds[label], measure.span(min(v), max(v)))
                     for label, v in copies.items())
    if all(k == "cloned" for k in kinds.values()):
        return measure.outcome(experiment, figures, Verdict.HOLDS, "every child cloned the model: " + text)
    if all(k == "shared" for k in kinds.values()):
        return measure.outcome(experiment, figures, Verdict.DOES_NOT_HOLD, "every child shared the model: " + text)
    return measure.outcome(experiment, figures, Verdict.DEPENDS,
                           "on the start method and on what the model is made of: " + text)
