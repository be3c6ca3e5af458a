"""Entry point for a task run inside a subinterpreter that the host created.

Objects cannot cross interpreters, so parameters come in and results go out as JSON
text; integers travel as strings because they outgrow 64 bits.
"""

import json

from gil_lab.kernels.tasks import run_task


def run_task_json(params):
    p = json.loads(params)
    if "function" in p:  # a user's function (gil_lab.harness.user_function), not a kernel
        # Imported only for a user's function: every subinterpreter of a kernel run
        # imports this module, and its creation is part of the measured time.
        from gil_lab.harness.user_function import sub_task

        return sub_task(params)
    value, chunks, cpu = run_task(p["kernel"], p["size"], p["chunk"], p["worker"])
    kind = "int" if isinstance(value, int) else "float"
    return json.dumps({"kind": kind, "value": repr(value), "chunks": chunks, "cpu_s": cpu})
