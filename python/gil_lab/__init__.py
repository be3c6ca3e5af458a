"""Python side of gil-lab: interpreter facts, the lesson catalog and the measuring harness.

Everything here runs unchanged in the embedded interpreter, in plain ``python3``,
in process-pool workers and in subinterpreters, so it imports nothing but the
standard library.
"""
