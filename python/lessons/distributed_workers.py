"""Distributed Workers: the same heavy(n) on Pool.map and on dask's Client.map.

The module lists distributed workers (Celery style) among the systems built on
processes. When one machine is not enough, the same CPU-bound function moves to
a distributed engine such as dask.distributed: a scheduler hands tasks to
worker processes, on this machine or on others. This lesson runs the section 2
exercise, four heavy(n) tasks, through multiprocessing.Pool.map and through
Client.map on a LocalCluster with one single-threaded worker process per core,
and times each engine's start-up and its cost per task. It also shows a trap:
dask treats a function as pure, so Client.map(heavy, [N] * 4) with the default
pure=True computes heavy(N) once and hands the same result back four times.
dask comes from the private environment that scripts/install-dask.sh makes.

Document: multiprocessing-module §Section 5 — Real-World Systems
Demonstrates: dask's Client.map runs heavy(n) in worker processes like Pool.map; each engine's start-up and cost per task, timed.
Requires: 3.10
Start methods: yes
"""

import logging
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _lab


def heavy(n):
    return sum(math.sqrt(i) for i in range(n))


def nothing(i):
    return i


def import_dask():
    """dask.distributed's Client and LocalCluster, from the private environment if need be."""
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    # This lesson reads no GIL figure, so dask's system monitor does not start
    # gilknocker's sampling thread (in this process and, through the inherited
    # environment, in every worker). That thread is Rust: when it asks for the
    # GIL after the interpreter has finalized, CPython ends it with pthread_exit,
    # whose forced unwinding Rust's thread wrapper stops, and the process dies
    # printing "FATAL: exception not rethrown".
    os.environ.setdefault("DASK_DISTRIBUTED__ADMIN__SYSTEM_MONITOR__GIL__ENABLED", "False")
    from gil_lab.runtime.dask_env import import_dask as find_dask

    why = find_dask()
    if why is not None:
        sys.exit(f"error: this lesson needs dask.distributed: {why}")
    from distributed import Client, LocalCluster

    return Client, LocalCluster


def main():
    args = _lab.parse_args(__doc__, start_methods=True)
    ctx = _lab.context(args.start_method)
    Client, LocalCluster = import_dask()
    _lab.intro(__doc__, ctx)

    N = 200_000 if args.quick else 1_000_000  # the section 2 exercise's "10_000_00"
    cores = _lab.cpu_count()
    empties = 100 if args.quick else 500
    print(f"4 x heavy({N:_}) on {cores} worker processes; per-task cost from {empties} empty tasks\n")

    with _lab.stopwatch() as pool_start:
        pool = ctx.Pool(cores)
        pool.map(nothing, range(cores))  # every worker up
    try:
        with _lab.stopwatch() as pool_map:
            pool_results = pool.map(heavy, [N] * 4)
        with _lab.stopwatch() as pool_empty:
            pool.map(nothing, range(empties), chunksize=1)
    finally:
        pool.close()
        pool.join()
    print(f"multiprocessing.Pool({cores}), start method {ctx.get_start_method()}:")
    print(f"  start {_lab.ms(pool_start.seconds)}, Pool.map {_lab.ms(pool_map.seconds)}, "
          f"empty task {pool_empty.seconds / empties * 1e6:.0f} us each")

    with _lab.stopwatch() as dask_start:
        cluster = LocalCluster(n_workers=cores, threads_per_worker=1, processes=True, host="127.0.0.1",
                               dashboard_address=":0", silence_logs=logging.CRITICAL)
        client = Client(cluster)
        client.wait_for_workers(cores)
    try:
        with _lab.stopwatch() as dask_map:
            dask_results = client.gather(client.map(heavy, [N] * 4, pure=False))
        with _lab.stopwatch() as dask_empty:
            client.gather(client.map(nothing, range(empties), pure=False))
        pure = client.map(heavy, [N] * 4)  # the default: pure=True
        pure_results = client.gather(pure)
        pure_keys = len({f.key for f in pure})
    finally:
        client.close()
        cluster.close()
    print(f"dask LocalCluster({cores} worker processes x 1 thread), workers started by "
          f"{dask_config_method()}:")
    print(f"  start {_lab.ms(dask_start.seconds)}, Client.map {_lab.ms(dask_map.seconds)}, "
          f"empty task {dask_empty.seconds / empties * 1e6:.0f} us each")
    print(f"  Client.map(heavy, [N] * 4) with pure=True: {pure_keys} distinct task(s) for 4 calls, "
          f"{len(pure_results)} results")

    same = pool_results == dask_results == pure_results
    print(f"\nPool.map and Client.map returned the same four sums: {same}")
    if not same:
        raise SystemExit("error: the engines disagree")
    _lab.conclusion(
        f"4 x heavy({N:_}) took {_lab.ms(pool_map.seconds)} on Pool.map and {_lab.ms(dask_map.seconds)} on "
        f"Client.map, after {_lab.ms(pool_start.seconds)} and {_lab.ms(dask_start.seconds)} of start-up; "
        f"an empty task cost {pool_empty.seconds / empties * 1e6:.0f} us through the Pool and "
        f"{dask_empty.seconds / empties * 1e6:.0f} us through dask's scheduler. dask pays for a scheduler "
        f"that could hand the same tasks to other machines; with pure=True, {pure_keys} task stood for 4 calls."
    )


def dask_config_method():
    import dask

    return dask.config.get("distributed.worker.multiprocessing-method")


if __name__ == "__main__":
    main()
