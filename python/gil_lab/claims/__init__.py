"""The top layer: the documents' claims that ``gil-lab verify`` checks, one small
module per group of claims, listed as typed entries in :mod:`gil_lab.claims.registry`.

Every claim function takes ``(quick, interpreters)`` and returns a dict with
``experiment``, ``figures``, ``verdict`` and ``explanation`` (and optionally
``interpreter``); :mod:`gil_lab.claims.verify` adds the claim's identity and the
evidence line. Functions handed to threads, processes or subinterpreters live
at module level here, so every start method (fork, spawn, forkserver) finds
them by import.

Imports: every layer below (:mod:`gil_lab.experiments`, :mod:`gil_lab.harness`,
:mod:`gil_lab.kernels`, :mod:`gil_lab.lessons_support`, :mod:`gil_lab.runtime`).
"""
