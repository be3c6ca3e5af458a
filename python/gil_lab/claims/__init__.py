"""The experiments behind ``gil-lab verify``, one small module per group of claims.

Every claim function takes ``(quick, interpreters)`` and returns a dict with
``experiment``, ``figures``, ``verdict`` and ``explanation`` (and optionally
``interpreter``); :mod:`gil_lab.verify` adds the claim's identity and the
evidence line. Functions handed to threads, processes or subinterpreters live
at module level here, so every start method (fork, spawn, forkserver) finds
them by import.
"""
