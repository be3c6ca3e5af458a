"""Subinterpreters from Python: the one module that knows how each CPython offers them.

=========  ==========================================================================
3.14+      ``concurrent.interpreters`` (PEP 734) and
           ``concurrent.futures.InterpreterPoolExecutor``, in the standard library
3.13       ``_interpreters`` and ``_interpchannels`` (private, low-level); the PyPI
           backport ``interpreters-pep-734`` (``interpreters_backport``) adds the
           3.14 API and its ``InterpreterPoolExecutor``
3.12       ``_xxsubinterpreters`` (private)
=========  ==========================================================================

From 3.12 (PEP 684) an isolated subinterpreter runs under its own GIL; before,
every interpreter of a process takes turns on one. On a free-threaded build
with the GIL off there is no GIL to share: interpreters and threads alike run
in parallel.

Values that cross interpreters (``shared`` names, :meth:`Subinterpreter.call`
arguments and results, queue items) must be ``str``, ``bytes``, ``int``,
``float``, ``bool``, ``None`` or tuples of them: objects are not shared.

Everything here imports nothing but the standard library (and
:mod:`gil_lab.runtime.gil`, which imports nothing else), so the lessons can use
it too.
"""

import importlib
import os
import sys
import threading

from gil_lab.runtime.gil import gil_is_off_now

# The subinterpreter modules, best first, and how a report names them.
STDLIB = "concurrent.interpreters"
LOW_LEVEL = "_interpreters"
LEGACY = "_xxsubinterpreters"
MODULES = (STDLIB, LOW_LEVEL, LEGACY)
LABELS = {
    STDLIB: "concurrent.interpreters (stdlib)",
    LOW_LEVEL: "_interpreters (3.13's low-level module)",
    LEGACY: "_xxsubinterpreters (private, 3.12 and older)",
}

# The interpreter pools: 3.14's, and the 3.13 backport's.
POOL_STDLIB = ("concurrent.futures", "InterpreterPoolExecutor",
               "concurrent.futures.InterpreterPoolExecutor (stdlib)")
POOL_BACKPORT = ("interpreters_backport.concurrent.futures", "InterpreterPoolExecutor",
                 "InterpreterPoolExecutor of the interpreters-pep-734 backport")


def _importable(name):
    try:
        importlib.import_module(name)
    except ImportError:
        return False
    return True


# --------------------------------------------------------------------------
# What this interpreter has
# --------------------------------------------------------------------------

def module_name():
    """The best subinterpreter module this Python has (see :data:`MODULES`), or None."""
    for name in MODULES:
        if _importable(name):
            return name
    return None


def label(name=None):
    """How a report names a module: ``concurrent.interpreters (stdlib)``; None for none."""
    name = module_name() if name is None else name
    return LABELS.get(name, name)


def has_stdlib_api():
    """``concurrent.interpreters`` (3.14+) is there."""
    return module_name() == STDLIB


def has_own_gil():
    """Since 3.12 (PEP 684) an isolated subinterpreter runs under its own GIL."""
    return sys.version_info >= (3, 12) and module_name() is not None


def parallel():
    """Subinterpreters of this process can compute at the same time (own GILs, or no GIL)."""
    return has_own_gil() or (gil_is_off_now() and module_name() is not None)


def reason():
    """None when :class:`Subinterpreter` can run calls here (3.13+), else why not."""
    if module_name() in (STDLIB, LOW_LEVEL):
        return None
    return ("needs concurrent.interpreters (Python 3.14+) or 3.13's _interpreters; this is %d.%d%s"
            % (sys.version_info[:2] + (" (it has only %s)" % module_name() if module_name() else "",)))


def pool():
    """``(label, InterpreterPoolExecutor)``: 3.14's, or the 3.13 backport's; ``(None, None)`` without."""
    for module, attribute, name in (POOL_STDLIB, POOL_BACKPORT):
        try:
            return name, getattr(importlib.import_module(module), attribute)
        except (ImportError, AttributeError):
            continue
    return None, None


def pool_reason():
    """None when this interpreter has an interpreter pool, else why not."""
    if pool()[1] is not None:
        return None
    return ("needs concurrent.futures.InterpreterPoolExecutor (Python 3.14), or on 3.13 "
            "the interpreters-pep-734 backport; this is %d.%d without it" % sys.version_info[:2])


# Runs first in every interpreter of a pool: a new interpreter starts from the
# configured sys.path, not this one's, so it would not find gil_lab.
_POOL_PATHS = """
import sys
for _path in reversed(paths):
    if _path not in sys.path:
        sys.path.insert(0, _path)
if initializer:
    import importlib
    _module, _, _name = initializer.rpartition(".")
    getattr(importlib.import_module(_module), _name)(*initargs)
"""


def pool_executor(workers, initializer=None, initargs=()):
    """An InterpreterPoolExecutor (:func:`pool`) whose interpreters import from this one's
    ``sys.path`` (so gil_lab and the lessons' modules are found) and then run
    ``initializer(*initargs)``: a top-level function of an importable module, whose
    arguments must cross interpreters (see the module's docstring; a :class:`Queue`'s
    ``handle()`` does on 3.14). RuntimeError without a pool (:func:`pool_reason`)."""
    executor = pool()[1]
    if executor is None:
        raise RuntimeError(pool_reason())
    target = None
    if initializer is not None:
        target = "%s.%s" % (initializer.__module__, initializer.__qualname__)
    return executor(max_workers=workers, initializer=exec,
                    initargs=(_POOL_PATHS, {"paths": [p for p in sys.path if p], "initializer": target,
                                            "initargs": tuple(initargs)}))


def pool_queue_reason():
    """None when a :class:`Queue` can be handed to the tasks of a :func:`pool_executor`
    (3.14's stdlib queues), else why not."""
    if has_stdlib_api() and pool()[0] == POOL_STDLIB[2]:
        return None
    return ("handing an interpreters queue to pool tasks needs Python 3.14's concurrent.interpreters "
            "and InterpreterPoolExecutor; this is %d.%d" % sys.version_info[:2])


def facts():
    """What this interpreter offers, for ``gil-lab pythons`` and the reports."""
    return {
        "subinterpreter_api": label() if module_name() else None,
        "concurrent_interpreters": has_stdlib_api(),
        "interpreter_pool_api": pool()[0],
        "own_gil_subinterpreters": has_own_gil(),
    }


# --------------------------------------------------------------------------
# One subinterpreter
# --------------------------------------------------------------------------

class Subinterpreter:
    """An isolated interpreter in this process, over whichever API this Python has::

        with Subinterpreter() as sub:
            sub.exec("print(x)", x=1)
            text = sub.call(module_function, "argument")

    ``api`` is the module used (one of :data:`MODULES`).
    """

    def __init__(self):
        self.api = module_name()
        if self.api is None:
            raise RuntimeError("this Python has no subinterpreter API")
        self._module = importlib.import_module(self.api)
        self._channel = None
        self._paths = set()
        if self.api == STDLIB:
            self._handle = self._module.create()
        elif self.api == LOW_LEVEL:
            self._handle = self._module.create("isolated")
        else:
            self._handle = self._module.create()

    def exec(self, code, **shared):
        """Runs ``code`` in the subinterpreter's ``__main__`` with ``shared`` as globals."""
        if self.api == STDLIB:
            if shared:
                self._handle.prepare_main(**shared)
            self._handle.exec(code)
        elif self.api == LOW_LEVEL:
            failure = self._module.exec(self._handle, code, shared=dict(shared))
            if failure is not None:
                raise RuntimeError("subinterpreter failed: %s" % (getattr(failure, "formatted", None) or failure))
        else:
            self._module.run_string(self._handle, code, shared or None)

    def call(self, function, *args):
        """``function(*args)`` run in the subinterpreter, which imports it from its module.

        ``function`` must be defined at the top level of an importable module
        (not ``__main__``); arguments and result must cross interpreters.
        """
        if self.api not in (STDLIB, LOW_LEVEL):
            raise RuntimeError(reason())
        self._find_module_of(function)
        if self.api == STDLIB:
            return self._handle.call(function, *args)
        import _interpchannels

        if self._channel is None:
            self._channel = _interpchannels.create(1)
        self.exec(_CALL_THROUGH_CHANNEL, module=function.__module__, function=function.__qualname__,
                  args=tuple(args), cid=int(self._channel))
        return _interpchannels.recv(self._channel)[0]

    def _find_module_of(self, function):
        """Puts the folder of ``function``'s package on the subinterpreter's ``sys.path``
        (a new interpreter starts from the configured path, not from this one's)."""
        top = sys.modules.get(function.__module__.partition(".")[0])
        where = getattr(top, "__file__", None)
        if not where or where in self._paths:
            return
        self._paths.add(where)
        folder = os.path.dirname(where)
        if os.path.basename(where) == "__init__.py":
            folder = os.path.dirname(folder)
        self.exec("import sys\nif folder not in sys.path:\n    sys.path.insert(0, folder)\n", folder=folder)

    def share_queues(self, **queues):
        """Makes each :class:`Queue` available in the subinterpreter under its name."""
        if self.api == STDLIB:
            self._handle.prepare_main(**{name: q._queue for name, q in queues.items()})
            return
        for name, q in queues.items():
            self.exec(_CHANNEL_QUEUE_CLASS + "%s = _ChannelQueue(cid)\n" % name, cid=int(q._queue))

    def close(self):
        if self._handle is None:
            return
        if self._channel is not None:
            import _interpchannels

            _interpchannels.destroy(self._channel)
            self._channel = None
        self._paths = set()
        if self.api == STDLIB:
            self._handle.close()
        else:
            self._module.destroy(self._handle)
        self._handle = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


_CALL_THROUGH_CHANNEL = """
import importlib as _importlib, _interpchannels as _channels
_target = _importlib.import_module(module)
for _part in function.split("."):
    _target = getattr(_target, _part)
_channels.send(cid, _target(*args), blocking=False)
"""

_CHANNEL_QUEUE_CLASS = """
import _interpchannels
class _ChannelQueue:
    def __init__(self, cid):
        self.cid = cid
    def put(self, value):
        _interpchannels.send(self.cid, value, blocking=False)
    def get(self):
        return _interpchannels.recv(self.cid)[0]
"""


class Queue:
    """A queue every interpreter of the process can use: 3.14's ``concurrent.interpreters``
    queue, or a 3.13 channel. Hand it to a subinterpreter with :meth:`Subinterpreter.share_queues`;
    there it has the same ``put`` and ``get``."""

    def __init__(self):
        api = module_name()
        if api == STDLIB:
            self._queue = importlib.import_module(STDLIB).create_queue()
            self.api = STDLIB
        elif api == LOW_LEVEL:
            import _interpchannels

            self._queue = _interpchannels.create(1)
            self.api = "_interpchannels"
        else:
            raise RuntimeError(reason())

    def put(self, value):
        if self.api == STDLIB:
            self._queue.put(value)
        else:
            import _interpchannels

            _interpchannels.send(self._queue, value, blocking=False)

    def get(self, timeout=None):
        if self.api == STDLIB:
            return self._queue.get(timeout=timeout)
        import _interpchannels

        return _interpchannels.recv(self._queue)[0]

    def handle(self):
        """The queue itself, to pass to a pool task or initializer (3.14: see :func:`pool_queue_reason`).
        Read what workers put before the pool shuts down: an item whose interpreter is gone
        comes back as an unbound item, not as what was put."""
        if self.api != STDLIB:
            raise RuntimeError(pool_queue_reason())
        return self._queue

    def close(self):
        if self.api != STDLIB and self._queue is not None:
            import _interpchannels

            _interpchannels.destroy(self._queue)
        self._queue = None


def in_threads(count, body):
    """Runs ``body(i, sub)`` in ``count`` threads, each with its own :class:`Subinterpreter`.

    The first exception of any thread is raised here once all have ended.
    """
    errors = []

    def one(i):
        try:
            with Subinterpreter() as sub:
                body(i, sub)
        except BaseException as exc:  # noqa: BLE001 - raised by the calling thread
            errors.append(exc)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
