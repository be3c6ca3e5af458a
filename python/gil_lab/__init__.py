"""Python side of gil-lab, by layer; each layer imports only the layers below it.

=================  ==========================================================
``claims``         the documents' claims for ``gil-lab verify``: a registry of
                   typed entries and the experiments that check them
``experiments``    ``convoy``, ``live``, the sweeps, memory, headroom, Amdahl
``harness``        the Python models of ``compare``, a user's function under
                   them, the GIL probe, the service for other interpreters
``dask``           the dask strategies, their clusters and per-task overhead
``kernels``        the work a task does and how a task is timed in chunks
``lessons_support`` what lessons use (unguarded scripts, the forge) and the
                   catalog and runner the host reads and runs lessons with
``runtime``        facts of the machine and interpreter: the GIL check,
                   subinterpreter APIs, other Pythons, child processes
=================  ==========================================================

``lessons_support`` stands on ``runtime`` alone, beside the others.
Everything here runs unchanged in the embedded interpreter, in plain ``python3``,
in process-pool workers and in subinterpreters, so it imports nothing but the
standard library at module level (dask and numpy are imported where they are
used, from a private environment).
"""
