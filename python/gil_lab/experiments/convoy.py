"""The convoy effect (David Beazley): an I/O thread stuck behind CPU-bound threads.

An I/O thread in this process sends a few bytes over a ``socket.socketpair()``
and waits for the echo, while K workers run ``sum(i * i for i in range(n))``.
On a GIL build every time the I/O thread blocks it hands the GIL to a CPU
worker, and when its data arrives it must wait for that worker to drop the GIL
again: at least one switch interval (``sys.setswitchinterval``), and a whole
number of them when another CPU worker grabs the GIL first. So sub-millisecond
round trips turn into multiples of the switch interval. With the CPU work in
processes, or on a free-threaded build, nothing holds the I/O thread back but
the OS scheduler.

The echo responder runs in a process of its own, for every row. As a thread of
this process (Beazley's original setup) it would need the GIL too, so each
round trip would pay for two GIL hand-overs and one could not tell whose wait
a latency measures. In its own process the only GIL wait left in a round trip
is the I/O thread's own.

The responder pauses RESPONSE_DELAY_S before it answers, as a peer across a
fast network would. An instant local echo (about 10 us) often arrives before
a CPU worker, woken on another core, has even taken the GIL: the I/O thread
then gets the GIL straight back and no convoy forms. Whether that happens
depended on where the OS placed the two processes (on a quiet 2-core machine:
responder on the I/O thread's core, no convoy at all; on the other core, the
full convoy), so without the pause the figures flipped from run to run.

``at_interval_multiples`` looks at each round trip's wait: its latency minus
the unloaded round trip (the median, measured once with no CPU workers). It
is the fraction of round trips whose wait lies within 25 % of the switch
interval of a multiple (1, 2, 3, ...) of it. Such bands cover half of the time
line above 0.75 interval, so waits spread evenly over several intervals would
score about 0.5; clustering scores well above that, and round trips that did
not wait (less than 0.75 interval) score 0.
"""
import argparse
import contextlib
import json
import math
import multiprocessing
import platform
import socket
import sys
import threading
import time
from collections import namedtuple

from gil_lab.runtime.gil import build_is_free_threaded, gil_is_off_now

SWITCH_INTERVALS_MS = (0.5, 5.0, 50.0)
DEFAULT_SWITCH_INTERVAL_MS = 5.0
CPU_WORKER_COUNTS = (1, 2)

PAYLOAD = b"ping"
QUIT = b"quit"
RESPONSE_DELAY_S = 0.0002  # the responder's pause before each answer
WARMUP_ROUND_TRIPS = 3  # before each row, not counted
UNLOADED_ROUND_TRIPS = 51  # for the baseline that waits are measured from
UNLOADED_WARMUP_S = 0.1  # the first round trips after the responder starts run slow
MULTIPLE_TOLERANCE = 0.25  # of the switch interval, either side of a multiple
BURN_CHUNK = 50_000  # about 2 ms of pure-Python work between two looks at the stop flag

RECV_TIMEOUT_S = 10.0
START_TIMEOUT_S = 60.0  # spawn and forkserver start a fresh interpreter
JOIN_TIMEOUT_S = 3.0
RESPONDER_POLL_S = 0.25  # how often an idle responder checks that its parent lives

Budget = namedtuple("Budget", "round_trips seconds")
QUICK = Budget(round_trips=50, seconds=3.5)
FULL = Budget(round_trips=400, seconds=45.0)

Config = namedtuple("Config", "cpu_workers k switch_interval_ms")


def measure(quick: bool, start_method: str | None = None) -> str:
    """The whole experiment as JSON text: ``{"interpreter", "setup", "rows"}``."""
    return json.dumps(run_experiment(QUICK if quick else FULL, start_method))


def run_experiment(budget, start_method=None, configs=None):
    """Every row of ``configs`` (default: all of them), each stopped by ``budget``.

    One responder serves all rows; the switch interval is restored afterwards.
    """
    context = multiprocessing.get_context(start_method)
    configs = experiment_configs() if configs is None else configs
    previous_interval = sys.getswitchinterval()
    try:
        with echo_responder(context) as sock:
            unloaded_ms = unloaded_round_trip_ms(sock)
            rows = [measure_row(sock, config, budget, context, unloaded_ms) for config in configs]
    finally:
        sys.setswitchinterval(previous_interval)
    return {
        "interpreter": interpreter_label(),
        "setup": setup_sentence(context.get_start_method(), unloaded_ms),
        "rows": rows,
    }


def experiment_configs():
    """K = 0, 1, 2 threads at each switch interval, then K = 1, 2 processes at the default."""
    configs = []
    for interval in SWITCH_INTERVALS_MS:
        configs.append(Config("none", 0, interval))
        configs.extend(Config("threads", k, interval) for k in CPU_WORKER_COUNTS)
    configs.extend(Config("processes", k, DEFAULT_SWITCH_INTERVAL_MS) for k in CPU_WORKER_COUNTS)
    return configs


def measure_row(sock, config, budget, context, unloaded_ms):
    """Times round trips while ``config.k`` workers burn CPU; returns one JSON row."""
    sys.setswitchinterval(config.switch_interval_ms / 1000.0)
    with cpu_workers(config, context):
        latencies_ns = time_round_trips(sock, budget)
    return {
        "cpu_workers": config.cpu_workers,
        "k": config.k,
        "switch_interval_ms": float(config.switch_interval_ms),
        **summarise(latencies_ns, config.switch_interval_ms, config.k, unloaded_ms),
    }


# --- the interpreter -------------------------------------------------------


def interpreter_label():
    """E.g. ``CPython 3.11.7 (GIL)`` or ``CPython 3.13.5t (free-threaded, GIL disabled)``."""
    version = "%d.%d.%d" % sys.version_info[:3]
    if not build_is_free_threaded():
        gil = "GIL disabled" if gil_is_off_now() else "GIL"
    else:
        version += "t"
        gil = "free-threaded, GIL " + ("disabled" if gil_is_off_now() else "enabled")
    return f"{platform.python_implementation()} {version} ({gil})"


def setup_sentence(start_method, unloaded_ms):
    return (
        f"An I/O thread in this process sends {len(PAYLOAD)} bytes over a socketpair to an echo "
        f"responder in its own process that answers after a {RESPONSE_DELAY_S * 1000:g} ms pause, "
        "like a network peer (so only the I/O thread's own wake-up can wait for this process's "
        f"GIL; unloaded round trip {unloaded_ms:.3f} ms), and times each round trip with "
        "perf_counter_ns while K workers run sum(i*i for i in range(n)) as threads here or as "
        f"processes (start method {start_method}); at_interval_multiples is the share of round "
        "trips whose wait beyond the unloaded round trip lies within "
        f"{MULTIPLE_TOLERANCE:.0%} of the switch interval of a multiple >= 1 of it "
        "(about 0.5 for evenly spread waits)."
    )


# --- the echo responder ----------------------------------------------------


@contextlib.contextmanager
def echo_responder(context):
    """Starts the responder process; yields this side of the socket pair; always reaps it."""
    host_sock, responder_sock = socket.socketpair()
    process = context.Process(
        target=echo_until_told_to_quit,
        args=(responder_sock,),
        name="gil-lab-echo",
        daemon=True,
    )
    try:
        with host_sock:
            with responder_sock:
                process.start()
            host_sock.settimeout(START_TIMEOUT_S)
            round_trip_ns(host_sock)  # the responder is up
            host_sock.settimeout(RECV_TIMEOUT_S)
            try:
                yield host_sock
            finally:
                with contextlib.suppress(OSError):
                    host_sock.sendall(QUIT)
    finally:
        reap_processes([process])


def echo_until_told_to_quit(sock):
    """The responder: echoes each message until QUIT, end of stream or its parent's death."""
    with sock:
        sock.settimeout(RESPONDER_POLL_S)
        while True:
            try:
                data = sock.recv(64)
            except socket.timeout:
                if not parent_is_alive():
                    return
                continue
            if not data or data == QUIT:
                return
            time.sleep(RESPONSE_DELAY_S)
            sock.sendall(data)


def parent_is_alive():
    """The process that started this one (under forkserver that is not ``os.getppid()``)."""
    parent = multiprocessing.parent_process()
    return parent is None or parent.is_alive()


# --- the I/O thread ---------------------------------------------------------


def round_trip_ns(sock):
    """Sends the payload and waits for all of its echo; the elapsed perf_counter_ns."""
    start = time.perf_counter_ns()
    sock.sendall(PAYLOAD)
    received = 0
    while received < len(PAYLOAD):
        try:
            data = sock.recv(len(PAYLOAD) - received)
        except socket.timeout as exc:
            raise RuntimeError(f"no echo within {sock.gettimeout()} s") from exc
        if not data:
            raise RuntimeError("the echo responder closed its socket")
        received += len(data)
    return time.perf_counter_ns() - start


def unloaded_round_trip_ms(sock):
    """The median round trip with no CPU workers: what a wait is measured from."""
    deadline = time.perf_counter() + UNLOADED_WARMUP_S
    while time.perf_counter() < deadline:
        round_trip_ns(sock)
    latencies_ns = sorted(round_trip_ns(sock) for _ in range(UNLOADED_ROUND_TRIPS))
    return latencies_ns[len(latencies_ns) // 2] / 1e6


def time_round_trips(sock, budget):
    """Round trips until ``budget.round_trips`` are done or ``budget.seconds`` have passed (at least one)."""
    for _ in range(WARMUP_ROUND_TRIPS):
        round_trip_ns(sock)
    deadline = time.perf_counter() + budget.seconds
    latencies_ns = [round_trip_ns(sock)]
    while len(latencies_ns) < budget.round_trips and time.perf_counter() < deadline:
        latencies_ns.append(round_trip_ns(sock))
    return latencies_ns


# --- the CPU workers ------------------------------------------------------------


def burn_until_stopped(stop, started):
    """A CPU worker: pure-Python loops in short chunks, so a set ``stop`` ends it within ms.

    A worker process also ends when its parent dies without setting ``stop``.
    """
    started.release()
    while not stop.is_set() and parent_is_alive():
        sum(i * i for i in range(BURN_CHUNK))


def cpu_workers(config, context):
    """A context manager that keeps ``config.k`` CPU workers busy while it is open."""
    if config.cpu_workers == "threads":
        return cpu_threads(config.k)
    if config.cpu_workers == "processes":
        return cpu_processes(config.k, context)
    return contextlib.nullcontext()


@contextlib.contextmanager
def cpu_threads(k):
    stop, started = threading.Event(), threading.Semaphore(0)
    threads = []
    try:
        for n in range(k):
            thread = threading.Thread(
                target=burn_until_stopped, args=(stop, started), name=f"gil-lab-cpu-{n}", daemon=True
            )
            thread.start()
            threads.append(thread)
        wait_until_started(started, threads)
        yield
    finally:
        stop.set()
        for thread in threads:
            thread.join(JOIN_TIMEOUT_S)


@contextlib.contextmanager
def cpu_processes(k, context):
    stop, started = SharedStopFlag(context), context.Semaphore(0)
    processes = []
    try:
        for n in range(k):
            process = context.Process(
                target=burn_until_stopped, args=(stop, started), name=f"gil-lab-cpu-{n}", daemon=True
            )
            process.start()
            processes.append(process)
        wait_until_started(started, processes)
        yield
    finally:
        stop.set()
        reap_processes(processes)


class SharedStopFlag:
    """``threading.Event``'s ``set``/``is_set`` for processes, on one shared byte.

    No lock: a ``multiprocessing.Event`` takes one in ``is_set``, and a worker
    killed while holding it would leave ``set`` waiting forever.
    """

    def __init__(self, context):
        self._flag = context.RawValue("b", 0)

    def set(self):
        self._flag.value = 1

    def is_set(self):
        return bool(self._flag.value)


def wait_until_started(started, workers):
    """Measuring before every worker runs would understate the effect; a dead worker fails fast."""
    deadline = time.monotonic() + START_TIMEOUT_S
    ready = 0
    while ready < len(workers):
        if started.acquire(timeout=0.05):
            ready += 1
        elif not all(worker.is_alive() for worker in workers):
            raise RuntimeError("a CPU worker ended before it started")
        elif time.monotonic() > deadline:
            raise RuntimeError(f"a CPU worker did not start within {START_TIMEOUT_S} s")


def reap_processes(processes):
    """Joins each process, escalating to terminate and kill; none is left running."""
    for process in processes:
        if process.pid is not None:
            process.join(JOIN_TIMEOUT_S)
    for process in processes:
        if process.pid is None:
            continue
        if process.is_alive():
            process.terminate()
            process.join(JOIN_TIMEOUT_S)
        if process.is_alive():
            process.kill()
            process.join(JOIN_TIMEOUT_S)
        if not process.is_alive():
            process.close()


# --- the figures ------------------------------------------------------------------


def summarise(latencies_ns, interval_ms, k, unloaded_ms):
    latencies_ms = sorted(ns / 1e6 for ns in latencies_ns)
    waits_ms = [latency - unloaded_ms for latency in latencies_ms]
    p50 = percentile(latencies_ms, 50)
    return {
        "round_trips": len(latencies_ms),
        "p50_ms": round(p50, 4),
        "p99_ms": round(percentile(latencies_ms, 99), 4),
        "max_ms": round(latencies_ms[-1], 4),
        "min_ms": round(latencies_ms[0], 4),
        "at_interval_multiples": None
        if k == 0
        else round(fraction_at_interval_multiples(waits_ms, interval_ms), 3),
        "p50_over_interval": round(p50 / interval_ms, 3),
    }


def percentile(sorted_values, q):
    """Nearest rank: always one of the measured values."""
    rank = math.ceil(q / 100 * len(sorted_values))
    return sorted_values[min(max(rank, 1), len(sorted_values)) - 1]


def at_interval_multiple(wait_ms, interval_ms):
    """Within MULTIPLE_TOLERANCE intervals of 1, 2, 3, ... intervals."""
    multiple = round(wait_ms / interval_ms)
    return multiple >= 1 and abs(wait_ms - multiple * interval_ms) <= MULTIPLE_TOLERANCE * interval_ms


def fraction_at_interval_multiples(waits_ms, interval_ms):
    hits = sum(at_interval_multiple(wait, interval_ms) for wait in waits_ms)
    return hits / len(waits_ms)


# --- command line ------------------------------------------------------------------


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m gil_lab.experiments.convoy", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="about 50 round trips per row")
    parser.add_argument(
        "--start-method", choices=multiprocessing.get_all_start_methods(), default=None
    )
    args = parser.parse_args(argv)
    sys.stdout.write(measure(args.quick, args.start_method) + "\n")
    return 0


if __name__ == "__main__":
    # Through the package, so multiprocessing pickles gil_lab.experiments.convoy.*, not __main__.*.
    from gil_lab.experiments.convoy import main as convoy_main

    sys.exit(convoy_main())
