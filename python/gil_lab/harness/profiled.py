"""The side Tachyon profiles: ``python -m gil_lab.harness.profiled REQUEST.json RESULT.json``.

:func:`gil_lab.harness.tachyon.compare` runs this module under Tachyon. It runs
one harness model (as :mod:`gil_lab.harness.remote` would) and writes its
chunks, the OS thread of each worker and its wall time, which ``compare`` then
matches with the profile's threads.
"""

import json
import sys
import time

from gil_lab.harness.remote import MODELS
from gil_lab.kernels.tasks import worker_threads


def main(argv=None):
    request_path, result_path = (sys.argv[1:] if argv is None else argv)[:2]
    with open(request_path, encoding="utf-8") as f:
        request = json.load(f)
    start = time.perf_counter()
    _, chunks, _ = MODELS[request["model"]](request, {})
    wall = time.perf_counter() - start
    with open(result_path, "w", encoding="utf-8") as f:
        json.dump({"chunks": chunks, "worker_threads": {str(k): v for k, v in worker_threads.items()},
                   "wall_s": wall}, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
