"""The bottom layer: facts of the machine and of this interpreter, and the
primitives every layer above shares.

:mod:`~gil_lab.runtime.gil` is the one place that asks whether the GIL is off;
:mod:`~gil_lab.runtime.interpreters` the one that knows how each CPython
offers subinterpreters; :mod:`~gil_lab.runtime.facts` what the host reports
of an interpreter; :mod:`~gil_lab.runtime.machine` usable CPUs and other
processes' load; :mod:`~gil_lab.runtime.pythons` the other installed
interpreters; :mod:`~gil_lab.runtime.processes` and
:mod:`~gil_lab.runtime.lifeline` child processes that never outlive a run;
:mod:`~gil_lab.runtime.dask_env` where this interpreter's private dask and
numpy are.

Imports: the standard library and other ``gil_lab.runtime`` modules only.
"""
