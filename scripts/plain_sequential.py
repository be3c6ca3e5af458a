"""Times the harness's sequential model in plain python3, for the embedding-overhead figure.

usage: python3 scripts/plain_sequential.py KERNEL SIZE TASKS CHUNK RUNS
Prints one wall time in seconds per run.
"""

import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))

from gil_lab.harness.models import sequential  # noqa: E402

kernel, size, tasks, chunk, runs = sys.argv[1], *map(int, sys.argv[2:6])
sequential(kernel, size, tasks, chunk)  # warm-up, as gil-lab does
for _ in range(runs):
    start = time.perf_counter()
    sequential(kernel, size, tasks, chunk)
    print(time.perf_counter() - start)
