"""The harness as a service for an interpreter the host does not embed (``--python``).

The host starts ``serve()`` in that interpreter and sends one JSON request per
line; each answer is one JSON line. A request names a model of ``harness`` and
its workload; the model is timed here, in the interpreter that ran it: wall and
CPU time exclude this process's start-up, as for the embedded rows.
"""

import json
import resource
import sys
import time
import traceback

from gil_lab import harness

MODELS = {
    "sequential": lambda r: harness.sequential(r["kernel"], r["size"], r["tasks"], r["chunk"]),
    "threads": lambda r: harness.threads(r["kernel"], r["size"], r["tasks"], r["chunk"], r["workers"]),
    "process_pool": lambda r: harness.process_pool(
        r["kernel"], r["size"], r["tasks"], r["chunk"], r["workers"], r["start_method"], r["api"]
    ),
    "interpreter_pool": lambda r: harness.interpreter_pool(
        r["kernel"], r["size"], r["tasks"], r["chunk"], r["workers"]
    ),
    "subinterpreters": lambda r: harness.subinterpreters(
        r["kernel"], r["size"], r["tasks"], r["chunk"], r["workers"]
    ),
    "dask": lambda r: harness.dask(
        r.get("strategy", "py-dask"), r["kernel"], r["size"], r["tasks"], r["chunk"], r["workers"], r.get("address")
    ),
}

REASONS = {
    "interpreter_pool": harness.interpreter_pool_reason,
    "subinterpreters": harness.subinterpreters_reason,
    "dask": harness.dask_reason,
}


def _cpu():
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def answer(request):
    """Runs one request and returns the answer as a dict."""
    if request.get("model") == "facts":
        from gil_lab.facts import interpreter_facts

        return {"ok": True, "facts": interpreter_facts()}
    if request.get("model") == "reason":
        why = REASONS.get(request["of"])
        return {"ok": True, "reason": why(*request.get("args", [])) if why else None}
    own0, children0 = _cpu()
    start_ns = time.monotonic_ns()
    start = time.perf_counter()
    result = MODELS[request["model"]](request)
    value, chunks, worker_cpu = result
    wall = time.perf_counter() - start
    own1, children1 = _cpu()
    answer = {
        "ok": True,
        "kind": "int" if isinstance(value, int) else "float",
        "value": repr(value),
        "chunks": chunks,
        "wall_s": wall,
        "cpu_s": (own1 - own0) + max(children1 - children0, worker_cpu),
        "start_ns": start_ns,
    }
    if getattr(result, "details", None) is not None:
        answer["details"] = result.details  # dask: cluster, workers, hosts, start-up, GIL contention
    return answer


def serve(stdin=sys.stdin, stdout=sys.stdout):
    for line in stdin:
        if not line.strip():
            continue
        try:
            reply = answer(json.loads(line))
        except BaseException as exc:  # noqa: BLE001 - every failure goes back to the host
            reply = {"ok": False, "error": traceback.format_exc()}
            if getattr(exc, "exit_code", None) is not None:  # e.g. an unreachable --dask address: 2
                reply["exit_code"] = exc.exit_code
                reply["message"] = str(exc)
        stdout.write(json.dumps(reply) + "\n")
        stdout.flush()


if __name__ == "__main__":
    serve()
