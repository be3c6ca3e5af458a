"""Runs a script as ``__main__`` the way ``python3 script.py args`` does."""

import os
import runpy
import sys
import traceback


def run_main(path, args):
    """Runs ``path`` with ``sys.argv = [path, *args]``; returns 0, or 1 after an exception.

    ``SystemExit`` propagates so the host can exit with its code. The traceback
    starts at the script, without this runner's and runpy's frames.
    """
    sys.argv = [path, *args]
    sys.path.insert(0, os.path.dirname(path))
    try:
        runpy.run_path(path, run_name="__main__")
    except SystemExit:
        raise
    except BaseException as exc:  # noqa: BLE001 - reported like the interpreter does
        tb = exc.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename != path:
            tb = tb.tb_next
        traceback.print_exception(type(exc), exc, tb or exc.__traceback__)
        return 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
    return 0
