"""Tests for the gil-lab Python lessons (python/lessons/*.py).

Every lesson must:
  * carry a module docstring with the four keys the gil-lab host parses;
  * run standalone with --quick, exit 0 and write nothing to stderr;
  * start with its "Demonstrates:" line and end with a "Conclusion:" line;
  * if it starts processes ("Start methods: yes"), pass under fork, spawn and
    forkserver via --start-method.

Run:  python3 -m pytest python/tests -q
"""

import ast
import multiprocessing
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import missing

LESSONS_DIR = Path(__file__).resolve().parents[1] / "lessons"
LESSONS = sorted(p for p in LESSONS_DIR.glob("*.py") if not p.name.startswith("_"))
KEYS = ("Document", "Demonstrates", "Requires", "Start methods")
DOCUMENTS = ("true-parallelism-day14", "multiprocessing-module")
START_METHODS = ("fork", "spawn", "forkserver")
TIMEOUT = 120
ENV = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")  # no __pycache__ next to the lessons


def lesson_name(path):
    return path.stem.replace("_", "-")


def metadata(path):
    """(title, body, {key: value}) from the lesson's module docstring."""
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
    assert doc, f"{path.name} has no module docstring"
    lines = doc.splitlines()
    keys = {}
    for line in lines:
        for key in KEYS:
            if line.startswith(key + ":"):
                assert key not in keys, f"{path.name}: key {key!r} appears twice"
                keys[key] = line[len(key) + 1:].strip()
    body = "\n".join(line for line in lines[1:] if not any(line.startswith(k + ":") for k in KEYS))
    return lines[0], body, keys


def requires(path):
    major, minor = metadata(path)[2]["Requires"].split(".")
    return int(major), int(minor)


def uses_processes(path):
    return metadata(path)[2].get("Start methods") == "yes"


def imports_dask(path):
    """The lesson imports ``distributed`` or ``dask`` itself (at any depth of its code)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
            [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
        if any(name.partition(".")[0] in ("dask", "distributed") for name in names):
            return True
    return False


def missing_dask(path):
    """Why a lesson built on dask cannot run in this interpreter, or None (also for the others).

    What such a lesson needs is ``distributed`` importable in the interpreter that
    runs it, which it gets from ``gil_lab.runtime.dask_env.import_dask`` (this
    interpreter's private environment if need be). The same function answers
    here, in a child of this interpreter, so the tests' own ``sys.path`` and
    modules stay untouched by dask.
    """
    if not imports_dask(path):
        return None
    code = ("import sys; sys.path.insert(0, sys.argv[1]); "
            "from gil_lab.runtime.dask_env import import_dask; print(import_dask() or '')")
    done = subprocess.run([sys.executable, "-c", code, str(LESSONS_DIR.parent)],
                          capture_output=True, text=True, timeout=TIMEOUT, env=ENV)
    if done.returncode != 0:
        return "could not ask for dask: " + (done.stderr.strip().splitlines() or ["no output"])[-1]
    return done.stdout.strip() or None


def run_lesson(path, *args):
    if sys.version_info[:2] < requires(path):
        pytest.skip(f"{lesson_name(path)} requires Python {'.'.join(map(str, requires(path)))}")
    why = missing_dask(path)
    if why:
        pytest.skip(why)
    return subprocess.run([sys.executable, str(path), "--quick", *args],
                          capture_output=True, text=True, timeout=TIMEOUT, env=ENV)


def check_output(result, path):
    where = f"{lesson_name(path)} (exit code {result.returncode})\n--- stdout:\n{result.stdout}\n--- stderr:\n{result.stderr}"
    assert result.returncode == 0, where
    assert result.stderr == "", f"stderr is not empty: {where}"
    for bad in ("Traceback", "leaked semaphore", "Warning:"):
        assert bad not in result.stdout, where
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert lines, where
    assert any(line.startswith("Demonstrates:") for line in lines[:3]), where
    assert lines[-1].startswith("Conclusion:"), where
    return result.stdout


def test_lessons_exist():
    assert len(LESSONS) >= 20, [p.name for p in LESSONS]
    assert (LESSONS_DIR / "_lab.py").exists()


@pytest.mark.parametrize("path", LESSONS, ids=lesson_name)
def test_docstring(path):
    title, body, keys = metadata(path)
    assert title.strip() and not any(title.startswith(k + ":") for k in KEYS), title
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
    assert doc.splitlines()[1] == "", "a blank line must follow the title line"
    assert body.count(". ") + body.count(".\n") >= 2, "the story needs two or more sentences"
    assert set(keys) == set(KEYS), f"keys found: {sorted(keys)}"
    # The keys are the last lines of the docstring, one per line, after a blank line.
    tail = doc.splitlines()[-len(KEYS):]
    assert [line.split(":", 1)[0] for line in tail] == list(KEYS), tail
    assert doc.splitlines()[-len(KEYS) - 1] == "", "a blank line must precede the keys"

    document = keys["Document"]
    assert re.fullmatch(r"(%s) §\S.*" % "|".join(DOCUMENTS), document), document
    assert keys["Demonstrates"], "Demonstrates must not be empty"
    assert re.fullmatch(r"3\.\d+", keys["Requires"]), keys["Requires"]
    assert keys["Start methods"] in ("yes", "no"), keys["Start methods"]


@pytest.mark.parametrize("path", LESSONS, ids=lesson_name)
def test_start_method_option_matches_docstring(path):
    source = path.read_text(encoding="utf-8")
    accepts = "start_methods=True" in source
    assert accepts == uses_processes(path), (
        "lessons that start processes must say 'Start methods: yes' and accept --start-method")
    assert 'if __name__ == "__main__":' in source


@pytest.mark.parametrize("path", LESSONS, ids=lesson_name)
def test_runs_quick(path):
    check_output(run_lesson(path), path)


START_CASES = [pytest.param(path, method, id=f"{lesson_name(path)}-{method}")
               for path in LESSONS if uses_processes(path) for method in START_METHODS]


@pytest.mark.parametrize("path,method", START_CASES)
def test_runs_under_start_method(path, method):
    if method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"{method} is not available on this platform")
    out = check_output(run_lesson(path, "--start-method", method), path)
    assert f"start method: {method}" in out


def test_process_pool_shows_distinct_pids():
    path = LESSONS_DIR / "process_pool.py"
    out = check_output(run_lesson(path), path)
    main_pid = int(re.search(r"Main process PID (\d+)", out).group(1))
    pids = [int(p) for p in re.findall(r"calculated by General PID: (\d+)", out)]
    assert len(pids) == 3, out
    assert len(set(pids)) >= 2, out
    assert main_pid not in pids, out


HOST_CASES = [("process_pool.py", "spawn"), ("shared_state.py", "forkserver"),
              ("astra_forge.py", "spawn"), ("subinterpreters.py", None)]


@pytest.mark.parametrize("filename,method", HOST_CASES,
                         ids=[f"{f[:-3].replace('_', '-')}-{m or 'default'}" for f, m in HOST_CASES])
def test_runs_like_the_host(filename, method):
    """The gil-lab host runs lessons with runpy.run_path(path, run_name="__main__")."""
    path = LESSONS_DIR / filename
    args = ["--quick"] + (["--start-method", method] if method else [])
    code = ("import runpy, sys\n"
            "path = sys.argv[1]\n"
            "sys.argv = [path] + sys.argv[2:]\n"
            "runpy.run_path(path, run_name='__main__')\n")
    result = subprocess.run([sys.executable, "-c", code, str(path), *args],
                            capture_output=True, text=True, timeout=TIMEOUT, cwd="/", env=ENV)
    check_output(result, path)


PYTHONS = Path(os.environ.get("GIL_LAB_PYTHONS", Path.home() / ".cache" / "gil-lab" / "pythons"))


def installed_python(spec):
    path = PYTHONS / spec / "bin" / "python3"
    if not path.is_file():
        missing(f"no Python {spec} at {path} (scripts/install-pythons.sh --only {spec})")
    return str(path)


def run_with(python, filename, *args):
    path = LESSONS_DIR / filename
    result = subprocess.run([python, str(path), "--quick", *args], capture_output=True, text=True,
                            timeout=TIMEOUT, env=ENV)
    return check_output(result, path)


@pytest.mark.parametrize("spec", ["3.14", "3.15"])
def test_forge_upgrade_rows_on_3_14_and_later(spec):
    out = run_with(installed_python(spec), "forge_interpreters.py")
    table = out[out.index("pool  "):]
    for name in ("ProcessPoolExecutor (fork)", "ProcessPoolExecutor (forkserver)", "InterpreterPoolExecutor"):
        row = next(line for line in table.splitlines() if line.startswith(name))
        assert re.search(r"\d+\.\d\ds\s+\d+\.\d MB", row), row
    assert "a concurrent.interpreters Queue" in table
    assert "multiprocessing.Queue" in table
    main_pid = re.search(r"Main process PID (\d+)", out).group(1)
    section = out[out.index("InterpreterPoolExecutor (stdlib)"):out.index("pool  ")]
    assert set(re.findall(r"from PID (\d+)", section)) == {main_pid}, section
    assert "% less (the document promises 80 %)" in out


def test_forge_upgrade_says_what_needs_3_14_before_it():
    if sys.version_info >= (3, 14):
        pytest.skip("this is itself 3.14+")
    out = run_with(sys.executable, "forge_interpreters.py")
    assert "ProcessPoolExecutor (fork)" in out
    assert "3.14" in out


@pytest.mark.parametrize("spec", [None, "3.14"])
def test_fork_bomb_guard_shows_the_unguarded_examples_per_interpreter(spec):
    python = sys.executable if spec is None else installed_python(spec)
    out = run_with(python, "fork_bomb_guard.py")
    grid = [line for line in out.splitlines()
            if re.match(r"\s+3\.\d+\.\d+\s+(fork|forkserver|spawn)", line)]
    assert grid, out
    default = multiprocessing.get_start_method() if spec is None else "forkserver"
    mine = [line for line in grid if f"{default} (its default)" in line]
    assert len(mine) >= 2, grid
    if default == "forkserver":
        assert all("exit code 0" not in line for line in mine), mine
    else:
        assert all(line.rstrip().endswith("exit code 0") for line in mine), mine
    assert "every session was killed" in out
