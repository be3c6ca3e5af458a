"""The harness as a service for an interpreter the host does not embed (``--python``).

The host starts ``serve()`` in that interpreter and sends one JSON request per
line; each answer is one JSON line. A request names a model of :mod:`gil_lab.harness.models` and
its workload; the model is timed here, in the interpreter that ran it: wall and
CPU time exclude this process's start-up, as for the embedded rows.
"""

import contextlib
import json
import resource
import sys
import time
import traceback

from gil_lab.dask import strategies as dask_strategies
from gil_lab.harness import gil_probe, models, tachyon, user_function
from gil_lab.kernels.tasks import kernel_reason
from gil_lab.runtime import dask_env
from gil_lab.runtime.facts import interpreter_facts, tachyon_reason
from gil_lab.runtime.processes import start_context

MODELS = {
    "sequential": lambda r, report: models.sequential(r["kernel"], r["size"], r["tasks"], r["chunk"]),
    "threads": lambda r, report: models.threads(r["kernel"], r["size"], r["tasks"], r["chunk"], r["workers"]),
    "process_pool": lambda r, report: models.process_pool(
        r["kernel"], r["size"], r["tasks"], r["chunk"], r["workers"], r.get("start_method"),
        r.get("api", "executor"), report=report,
    ),
    "interpreter_pool": lambda r, report: models.interpreter_pool(
        r["kernel"], r["size"], r["tasks"], r["chunk"], r["workers"], report=report
    ),
    "subinterpreters": lambda r, report: models.subinterpreters(
        r["kernel"], r["size"], r["tasks"], r["chunk"], r["workers"], report=report
    ),
    "dask": lambda r, report: dask_strategies.run(
        r.get("strategy", "py-dask"), r["kernel"], r["size"], r["tasks"], r["chunk"], r["workers"], r.get("address")
    ),
}

def _model(request, report):
    """The request's model over gil-lab's kernel, or over the user's function (``user``: its spec)."""
    if request.get("user"):
        return user_function.run(request["model"], request["user"], request["workers"],
                                 request.get("start_method"), report=report)
    return MODELS[request["model"]](request, report)


REASONS = {
    "interpreter_pool": models.interpreter_pool_reason,
    "subinterpreters": models.subinterpreters_reason,
    "dask": dask_env.reason,
    "tachyon": tachyon_reason,
    "kernel": kernel_reason,
}


def _cpu():
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def answer(request):
    """Runs one request and returns the answer as a dict.

    A model's answer carries, beside its checksum, chunks and times:
    ``gil_contention`` (the GIL probe of :mod:`gil_lab.harness.gil_probe`, or None with
    ``gil_contention_reason``) and ``gil_probe``; ``api`` for the models that
    choose an API; ``start_method`` and ``notes`` for the process pool. A
    request's ``probe_interval_s`` sets the probe's interval (null: no probe).
    """
    if request.get("model") == "facts":
        return {"ok": True, "facts": interpreter_facts()}
    if request.get("model") == "reason":
        why = REASONS.get(request["of"])
        return {"ok": True, "reason": why(*request.get("args", [])) if why else None}
    if request.get("model") == "user_check":
        return {"ok": True, "check": user_function.check(request["user"])}
    if request.get("model") == "tachyon":
        return dict(tachyon.compare(request), ok=True)
    interval = request.get("probe_interval_s", gil_probe.DEFAULT_INTERVAL_S)
    not_probed = "not probed (probe_interval_s is null)" if not interval else None
    if (interval and request["model"] == "process_pool"
            and start_context(request.get("start_method")).get_start_method() == "fork"):
        # The probe's thread would make every fork copy a multi-threaded process, the hazard
        # 3.12+ warns about; the workers are other processes, each with a GIL of its own.
        not_probed = ("not probed: a probe thread would make fork copy a multi-threaded process; "
                      "the work runs in other processes, each with its own GIL")
    probe = gil_probe.Probe(interval) if not not_probed else None
    report = {}
    own0, children0 = _cpu()
    start_ns = time.monotonic_ns()
    start = time.perf_counter()
    with probe or contextlib.nullcontext():
        result = _model(request, report)
    value, chunks, worker_cpu = result
    wall = time.perf_counter() - start
    own1, children1 = _cpu()
    reply = {
        "ok": True,
        "kind": "int" if isinstance(value, int) else "float",
        "value": repr(value),
        "chunks": chunks,
        "wall_s": wall,
        "cpu_s": (own1 - own0) + max(children1 - children0, worker_cpu),
        "start_ns": start_ns,
    }
    reply.update(probe.result() if probe else {"gil_contention": None, "gil_contention_reason": not_probed})
    reply.update(report)
    if getattr(result, "details", None) is not None:
        reply["details"] = result.details  # dask: cluster, workers, hosts, start-up, GIL contention
    return reply


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
