"""Runs a script as ``__main__`` the way ``python3 script.py args`` does.

Inside gil-lab the host owns SIGINT, SIGTERM and SIGHUP: it must be able to end
every child process however the lesson treats those signals. So while a lesson
runs, ``signal.signal`` for them only records the lesson's wish; the host then
delivers the first such signal to the lesson's handler (or respects its
``SIG_IGN``) and ends the lesson at the second one, or after a grace period.
"""

import os
import runpy
import shutil
import signal
import sys
import traceback

#: The signals the host keeps; a lesson's handlers for them are kept here.
HOST_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
_lesson_handlers = {}


def lesson_handler(signum):
    """What the lesson asked for ``signum``: "default", "ignore" or "handler"."""
    handler = _lesson_handlers.get(signum, signal.SIG_DFL)
    if handler == signal.SIG_IGN:
        return "ignore"
    if handler in (signal.SIG_DFL, None):
        return "default"
    return "handler"


def deliver(signum):
    """Runs the lesson's handler for ``signum`` (in the main thread, as Python would)."""
    handler = _lesson_handlers.get(signum)
    if callable(handler):
        handler(signum, sys._getframe(1))


def _keep_host_signals():
    real_signal, real_getsignal = signal.signal, signal.getsignal

    def recorded_signal(signum, handler):
        if signum not in HOST_SIGNALS:
            return real_signal(signum, handler)
        if not (callable(handler) or handler in (signal.SIG_DFL, signal.SIG_IGN)):
            raise TypeError("signal handler must be signal.SIG_IGN, signal.SIG_DFL, or a callable object")
        previous = _lesson_handlers.get(signum, signal.SIG_DFL)
        _lesson_handlers[signum] = handler
        return previous

    def recorded_getsignal(signum):
        if signum in HOST_SIGNALS:
            return _lesson_handlers.get(signum, signal.SIG_DFL)
        return real_getsignal(signum)

    signal.signal, signal.getsignal = recorded_signal, recorded_getsignal


def _clean_up_before_exit():
    """``os._exit`` skips the host's clean-up: remove its private temp folder first (host process only)."""
    real_exit, host = os._exit, os.getpid()
    private = os.environ.get("TMPDIR", "")

    def exit_now(code):
        if os.getpid() == host and os.path.basename(private).startswith("gil-lab-"):
            shutil.rmtree(private, ignore_errors=True)
        real_exit(code)

    os._exit = exit_now


def run_main(path, args):
    """Runs ``path`` with ``sys.argv = [path, *args]``; returns 0, or 1 after an exception.

    ``SystemExit`` propagates so the host can exit with its code. The traceback
    shows the script's frames only, as ``python3 script.py`` does: none of this
    runner's or runpy's, and none at all for a script that does not compile.
    """
    sys.argv = [path, *args]
    sys.path.insert(0, os.path.dirname(path))
    _keep_host_signals()
    _clean_up_before_exit()
    try:
        runpy.run_path(path, run_name="__main__")
    except SystemExit:
        raise
    except BrokenPipeError:
        # The reader went away (`gil-lab run X | head -1`): not the script's
        # fault, nothing to report. Exit as a program killed by SIGPIPE would.
        _drop_closed_stdout()
        return 141
    except BaseException as exc:  # noqa: BLE001 - reported like the interpreter does
        tb = exc.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename != path:
            tb = tb.tb_next
        traceback.print_exception(type(exc), exc, tb)
        return 1
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except BrokenPipeError:
            _drop_closed_stdout()
    return 0


def _drop_closed_stdout():
    """Points stdout at /dev/null, so that no later flush meets the closed pipe again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
