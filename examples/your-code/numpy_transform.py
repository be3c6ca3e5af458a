"""A numpy transform: standardize a matrix and take its Gram matrix.

numpy releases the GIL inside its loops and BLAS calls, so threads can run side
by side; a process pool pickles each argument and result. (numpy must be
importable: your environment's, or gil-lab's private one from
scripts/install-dask.sh.)

    gil-lab compare examples/your-code/numpy_transform.py:transform --tasks 4
"""

import os

# One BLAS thread per call: the comparison is of the concurrency models.
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import numpy as np  # noqa: E402


def transform(seed):
    """Standardize a 400×400 random matrix (per column) and sum its Gram matrix, 8 times."""
    rng = np.random.default_rng(seed)
    total = 0.0
    for _ in range(8):
        a = rng.standard_normal((400, 400))
        a = (a - a.mean(axis=0)) / a.std(axis=0)
        total += float((a.T @ a).trace())
    return round(total, 6)
