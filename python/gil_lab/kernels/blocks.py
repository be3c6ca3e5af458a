"""Kernels of C code that releases the GIL, block by block: ``hashlib``, ``zlib`` and numpy.

The documents' own examples of CPU-bound work ("massive cryptographic hashes",
image processing, data science) are mostly work like this: C code that releases
the GIL while it runs, so that Python threads *do* run side by side. Each kernel
works on 1 MiB blocks (a chunk is a block), and a task's value is the sum of its
blocks' values, which the native rows compute the same way
(``src/engine/kernels.rs``, module ``blocks``).
"""

import hashlib
import os
import zlib

from gil_lab.runtime import dask_env

WORDS = (b"the", b"global", b"interpreter", b"lock", b"thread", b"process", b"pool", b"python",
         b"worker", b"queue", b"pickle", b"memory", b"core", b"task", b"result", b"future")

BLOCK = 1 << 20

#: Longer than deflate's 32 KiB window: compressing the block is work, as text is.
PATTERN = 1 << 16

_block = None


def block():
    """1 MiB of words picked by a linear congruential generator (made once per process)."""
    global _block
    if _block is None:
        x, out = 12345, bytearray()
        while len(out) < PATTERN:
            x = (x * 1103515245 + 12345) & 0x7FFFFFFF
            out += WORDS[(x >> 16) & 15] + b" "
        _block = bytes(out[:PATTERN]) * (BLOCK // PATTERN)
    return _block


def sha256(lo, hi, acc=0):
    """``hashlib.sha256`` of a block per iteration: hashlib releases the GIL for data over 2 KiB."""
    data = block()
    for _ in range(lo, hi):
        acc += int.from_bytes(hashlib.sha256(data).digest()[:8], "big")
    return acc


def zlib_compress(lo, hi, acc=0):
    """``zlib.compress(block, 6)`` per iteration: zlib releases the GIL while it deflates."""
    data = block()
    for _ in range(lo, hi):
        acc += len(zlib.compress(data, 6))
    return acc


# BLAS would otherwise start a thread per core inside every worker: the comparison
# is of the concurrency models, so each product runs on one thread.
BLAS_THREADS = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

MATRIX = 256

_matrices = None


def numpy_reason():
    """None when numpy imports here (from this interpreter's private environment if need be), else why not."""
    try:
        _numpy()
    except ImportError as exc:
        return "numpy is not installed for Python %s (%s); run %s" % (
            dask_env.interpreter_label(), exc, dask_env.install_command())
    return None


def _numpy():
    for key, value in BLAS_THREADS.items():
        os.environ.setdefault(key, value)
    try:
        import numpy
    except ImportError:
        dask_env.add_private_site_packages()
        import numpy
    return numpy


def numpy_matmul(lo, hi, acc=0):
    """``A @ B`` of two 256×256 float64 matrices of small integers per iteration; the
    value is the product's sum, exact in float64 whatever order BLAS adds in."""
    global _matrices
    if _matrices is None:
        np = _numpy()
        a = (np.arange(MATRIX * MATRIX, dtype=np.float64) % 7).reshape(MATRIX, MATRIX)
        _matrices = (a, a.T.copy() % 5)
    a, b = _matrices
    for _ in range(lo, hi):
        acc += int((a @ b).sum())
    return acc
