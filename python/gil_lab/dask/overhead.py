"""dask's per-task overhead on a warm cluster: empty tasks one by one and
mapped, then a sweep over task size against a plain loop (``gil-lab sweep dask``).
"""

import statistics
import time

from gil_lab.dask.cluster import _Cluster
from gil_lab.dask.strategies import CONNECT_TIMEOUT_S, DaskRunFailed, _send_by_value, _task, empty_task
from gil_lab.kernels.tasks import sum_squares
from gil_lab.runtime.dask_env import DaskUnavailable, reason


def overhead(strategy="py-dask", workers=2, address=None, quick=True, connect_timeout_s=CONNECT_TIMEOUT_S):
    """Per-task cost of dask on a warm cluster, measured three ways; a JSON-ready dict.

    * ``round_trip_s``: one empty task submitted and its result awaited, one after another;
    * ``mapped_s_per_task``: many empty tasks in one ``Client.map``, wall time divided by their number;
    * ``sweep``: tasks of ``sum(i * i for i in range(k))`` for growing ``k``, on dask against a
      plain loop; ``overhead_s_per_task`` is the difference per task at the smallest ``k``.
    """
    why = reason(strategy, address)
    if why is not None:
        raise DaskUnavailable(why)
    rounds = 3 if quick else 5
    empties = 200 if quick else 1000
    tasks = 40 if quick else 100
    sizes = [10, 1_000, 10_000, 100_000] if quick else [10, 100, 1_000, 10_000, 100_000, 300_000]
    import cloudpickle

    by_value = _send_by_value(address)
    cluster = None
    try:
        cluster = _Cluster(strategy, workers, address, connect_timeout_s)
        client = cluster.client
        threads = sum(client.nthreads().values())
        empty, work = _task(empty_task, address), _task(sum_squares, address)
        client.gather(client.map(empty, range(threads * 2), pure=False))  # warm every worker
        trips = []
        for i in range(20 if quick else 100):
            t = time.perf_counter()
            client.submit(empty, i, pure=False).result()
            trips.append(time.perf_counter() - t)
        mapped = []
        for _ in range(rounds):
            t = time.perf_counter()
            client.gather(client.map(empty, range(empties), pure=False))
            mapped.append((time.perf_counter() - t) / empties)
        rows = []
        for k in sizes:
            loop, on_dask = [], []
            for _ in range(rounds):
                t = time.perf_counter()
                expected = [sum_squares(0, k) for _ in range(tasks)]
                loop.append(time.perf_counter() - t)
                t = time.perf_counter()
                got = client.gather(client.map(work, [0] * tasks, [k] * tasks, pure=False))
                on_dask.append(time.perf_counter() - t)
                if got != expected:
                    raise DaskRunFailed("dask returned other values than the loop for k=%d" % k)
            rows.append({"iterations": k, "tasks": tasks, "loop_s": statistics.median(loop),
                         "dask_s": statistics.median(on_dask),
                         "dask_vs_loop": statistics.median(on_dask) / statistics.median(loop)})
        smallest = rows[0]
        answer = {
            "strategy": strategy,
            "cluster": "existing" if cluster.existing else "local",
            "address": client.scheduler.address,
            "threads": threads,
            "cluster_start_s": cluster.start_s,
            "round_trip_s": statistics.median(trips),
            "round_trips": len(trips),
            "mapped_s_per_task": statistics.median(mapped),
            "mapped_tasks": empties,
            "rounds": rounds,
            "sweep": rows,
            "overhead_s_per_task": (smallest["dask_s"] - smallest["loop_s"]) / tasks,
            "pays_from_iterations": next((r["iterations"] for r in rows if r["dask_vs_loop"] < 1), None),
        }
    finally:
        if cluster is not None:
            cluster.close()
        for module in by_value:
            cloudpickle.unregister_pickle_by_value(module)
    return answer


def overhead_json(strategy="py-dask", workers=2, address=None, quick=True):
    import json

    return json.dumps(overhead(strategy, workers, address, quick), allow_nan=False)
