"""The work itself: the kernels a task runs (:mod:`~gil_lab.kernels.blocks` for
the C code that releases the GIL) and how one task is run and timed chunk by
chunk (:mod:`~gil_lab.kernels.tasks`).

Pool workers, subinterpreters and dask workers import these modules by name,
so they stay small. Imports: the standard library and :mod:`gil_lab.runtime`
only (numpy where a kernel needs it).
"""
