"""The ``py-dask`` and ``py-dask-threads`` strategies: clusters
(:mod:`~gil_lab.dask.cluster`), runs of the kernels on them
(:mod:`~gil_lab.dask.strategies`) and dask's per-task overhead
(:mod:`~gil_lab.dask.overhead`). Where dask is installed is
:mod:`gil_lab.runtime.dask_env`.

Imports: :mod:`gil_lab.kernels` and :mod:`gil_lab.runtime`; ``distributed``
and ``cloudpickle`` only inside the functions that use them, since they come
from a private environment that may be missing.
"""
