"""Measurements beyond ``compare``: the convoy effect (:mod:`~gil_lab.experiments.convoy`),
``gil-lab live`` (:mod:`~gil_lab.experiments.live`), the sweeps
(:mod:`~gil_lab.experiments.sweeps`), memory per kind of worker
(:mod:`~gil_lab.experiments.memory`), the free-core rule
(:mod:`~gil_lab.experiments.headroom`) and Amdahl's law fitted to speedups
(:mod:`~gil_lab.experiments.amdahl`).

Imports: :mod:`gil_lab.kernels` and :mod:`gil_lab.runtime` (and one another).
"""
