"""A worker process ends as soon as the process that started it is gone.

gil-lab's host kills its children on every way out it controls, and the kernel
kills the interpreters it launches when it dies (``PR_SET_PDEATHSIG``). But a
pool worker forked by the host, or by a forkserver, is a grandchild the kernel
does not track; if the host is killed (SIGKILL, the OOM killer) such a worker
busy in a loop would run on at 100 % CPU. Loops that run chunks call
``check()`` between them: when the worker's parent has changed, it exits.
"""

import os

#: The host process: it is no worker, and its own parent is none of our business.
HOST_PID = int(os.environ.get("GIL_LAB_HOST_PID", "0") or 0)

_seen = None  # (pid, parent pid) when this process first checked


def check():
    """Exits this worker process if its parent has died since its first check."""
    global _seen
    pid = os.getpid()
    if pid == HOST_PID:
        return
    if _seen is None or _seen[0] != pid:
        _seen = (pid, os.getppid())
    elif os.getppid() != _seen[1]:
        os._exit(1)
