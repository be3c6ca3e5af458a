"""What the lessons (``python/lessons``) use, and how the host finds and runs them.

:mod:`~gil_lab.lessons_support.unguarded` runs scripts without the ``__main__``
guard under caps (the fork-bomb lesson and claims); :mod:`~gil_lab.lessons_support.forge`
is the Astra Forge's work for pool workers; :mod:`~gil_lab.lessons_support.catalog`
reads the lessons' docstrings; :mod:`~gil_lab.lessons_support.runner` runs a
lesson as ``__main__`` with the host owning the signals.

Imports: the standard library and :mod:`gil_lab.runtime` only.
"""
