"""The Python side of ``gil-lab compare``: the concurrency models
(:mod:`~gil_lab.harness.models`), a user's own function under each of them
(:mod:`~gil_lab.harness.user_function`), a task inside a host-made
subinterpreter (:mod:`~gil_lab.harness.subinterp`), the GIL probe
(:mod:`~gil_lab.harness.gil_probe`), and the long-lived service that runs all
of these in an interpreter the host does not embed
(:mod:`~gil_lab.harness.remote`), with Tachyon beside it
(:mod:`~gil_lab.harness.tachyon`, :mod:`~gil_lab.harness.profiled`).

Imports: :mod:`gil_lab.dask`, :mod:`gil_lab.kernels`, :mod:`gil_lab.runtime`.
"""
