"""One subinterpreter in this process, over whichever API this Python has.

3.14 has the public ``concurrent.interpreters``; 3.13 the private
``_interpreters``; 3.8-3.12 ``_xxsubinterpreters``. Only from 3.12 (PEP 684)
does an isolated subinterpreter get its own GIL; before that all interpreters
of a process take turns on one. Values passed in ``shared`` must be ints,
strings or bytes: objects cannot cross interpreters.
"""

import importlib
import sys

APIS = ("concurrent.interpreters", "_interpreters", "_xxsubinterpreters")


def api_name():
    """The best subinterpreter module this Python has, or None."""
    for name in APIS:
        try:
            importlib.import_module(name)
        except ImportError:
            continue
        return name
    return None


def has_own_gil():
    """Since 3.12 (PEP 684) an isolated subinterpreter runs under its own GIL."""
    return sys.version_info >= (3, 12) and api_name() is not None


class Subinterpreter:
    """``with Subinterpreter() as sub: sub.exec(code, name=value)``; destroyed on exit."""

    def __init__(self):
        self.api = api_name()
        if self.api is None:
            raise RuntimeError("this Python has no subinterpreter API")
        self._module = importlib.import_module(self.api)
        if self.api == "_interpreters":
            self._handle = self._module.create("isolated")
        else:
            self._handle = self._module.create()

    def exec(self, code, **shared):
        """Runs ``code`` in the subinterpreter's ``__main__`` with ``shared`` as globals."""
        if self.api == "concurrent.interpreters":
            if shared:
                self._handle.prepare_main(**shared)
            self._handle.exec(code)
        elif self.api == "_interpreters":
            failure = self._module.exec(self._handle, code, shared=dict(shared))
            if failure is not None:
                raise RuntimeError("subinterpreter failed: %s" % (getattr(failure, "formatted", None) or failure))
        else:
            self._module.run_string(self._handle, code, shared or None)

    def close(self):
        if self._handle is None:
            return
        if self.api == "concurrent.interpreters":
            self._handle.close()
        else:
            self._module.destroy(self._handle)
        self._handle = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False
