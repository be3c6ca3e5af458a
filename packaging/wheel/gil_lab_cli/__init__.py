"""The `gil-lab` command of the wheel: starts the Rust binary on this Python.

gil-lab embeds CPython, so its binary is linked against a libpython. Installed
with pip, pipx or uv into an interpreter, it must embed *that* interpreter, not
the one it was built against: this entry point reads the running interpreter's
sysconfig (LIBDIR, INSTSONAME), puts its shared libpython on the loader's path,
names the interpreter in GIL_LAB_PYTHON_EXECUTABLE (so sys.executable, process
pools and installed packages are the user's) and execs the real binary,
`gil-lab-core`. The wheel's `gil-lab` (a small launcher that links no
libpython) runs this module with the python3 beside it.
"""

import os
import sys
import sysconfig

def core():
    """The real binary: named by the `gil-lab` launcher, else in this interpreter's scripts folder."""
    named = os.environ.pop("GIL_LAB_CORE", None)
    if named and os.path.isfile(named):
        return named
    return os.path.join(sysconfig.get_path("scripts"), "gil-lab-core")


def libpython():
    """``(folder, file name)`` of this interpreter's shared libpython, or an error line."""
    if not sysconfig.get_config_var("Py_ENABLE_SHARED"):
        return None, (
            f"error: {sys.executable} has no shared libpython (built without --enable-shared), "
            "and gil-lab embeds CPython through one; hint: install gil-lab into a Python built "
            "with --enable-shared (Debian/Ubuntu's python3, python.org, uv-managed, or pyenv with "
            "PYTHON_CONFIGURE_OPTS=--enable-shared)"
        )
    name = sysconfig.get_config_var("INSTSONAME") or sysconfig.get_config_var("LDLIBRARY")
    for folder in filter(None, (sysconfig.get_config_var("LIBDIR"),
                               os.path.join(sys.base_prefix, "lib"))):
        if name and os.path.exists(os.path.join(folder, name)):
            return folder, name
    return None, (
        f"error: {sys.executable}'s libpython ({name}) is not in {sysconfig.get_config_var('LIBDIR')}; "
        "hint: reinstall that Python with its shared library, or install gil-lab into another one"
    )


def main():
    if sys.implementation.name != "cpython":
        sys.stderr.write("error: gil-lab embeds CPython; this is "
                         f"{sys.implementation.name}\n  hint: install it into a CPython 3.11+\n")
        return 2
    folder, problem = libpython()
    if folder is None:
        head, _, hint = problem.partition("; hint: ")
        sys.stderr.write(f"{head}\n  hint: {hint}\n")
        return 2
    env = dict(os.environ)
    env["LD_LIBRARY_PATH"] = os.pathsep.join(filter(None, (folder, env.get("LD_LIBRARY_PATH"))))
    env["GIL_LAB_PYTHON_EXECUTABLE"] = sys.executable
    binary = core()
    env.pop("GIL_LAB_CORE", None)
    try:
        os.execve(binary, ["gil-lab", *sys.argv[1:]], env)
    except OSError as e:
        sys.stderr.write(f"error: cannot start {binary}: {e.strerror}\n"
                         "  hint: reinstall the gil-lab wheel into this Python\n")
        return 2


if __name__ == "__main__":
    sys.exit(main())
