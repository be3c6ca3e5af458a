#!/usr/bin/env bash
# The whole test suite:
#   0. CPython 3.13, 3.13t, 3.14 and 3.15 from scripts/install-pythons.sh (cached),
#      which the --python tests (tests/modern.rs, tests/pythons.rs) use;
#   1. Rust unit and integration tests of the host embedding the default python3
#      (release build: the native rows are measured as shipped), among them the
#      browser tests (tests/browser.rs: headless Chromium, installed first by
#      scripts/install-browser.sh), and pytest over the lessons under plain python3;
#   2. the host built against 3.13t (its own target dir) and the integration
#      tests where a free-threaded embedded interpreter makes a difference
#      (listed below).
# Before the tests of an interpreter, scripts/install-dask.sh makes its private
# dask environment when it is missing (the dask tests need it).
# About 21 minutes on 2 cores once the interpreters are installed; the first run
# adds about 9 minutes of installs. `scripts/test.sh --embedded-only` stops after
# step 1 (about 13 minutes).
#
# `scripts/test.sh --fast`: the unit tests and tests/fast.rs (the command line
# end to end, with the mock strategies where rows are measured), under three
# minutes once built; it installs nothing.
#
# GIL_LAB_REQUIRE_ALL=1 (set by CI) turns a test that would skip for a missing
# interpreter, dask or browser into a failure: every install above has run.
set -euo pipefail
cd "$(dirname "$0")/.."
# Bytecode of the source tree's Python side goes under target/, not into python/.
export PYTHONPYCACHEPREFIX="$PWD/target/pycache"

if [ "${1:-}" = "--fast" ]; then
  cargo test --release --lib --test fast
  exit 0
fi

python3 -m pytest --version >/dev/null 2>&1 || python3 -m pip install --quiet --disable-pip-version-check pytest

# with_dask PYTHON: makes PYTHON's private dask environment (scripts/install-dask.sh)
# when it is missing; the dask tests skip without one.
with_dask() {
  local label
  label=$("$1" -I -c 'import sys, sysconfig; print("%d.%d%s" % (sys.version_info[:2] + ("t" if sysconfig.get_config_var("Py_GIL_DISABLED") else "",)))')
  [ -x "${GIL_LAB_DASK_HOME:-$HOME/.cache/gil-lab/dask}/$label/bin/dask" ] || scripts/install-dask.sh "$1" ||
    echo "warning: no dask for $1; its dask tests will be skipped" >&2
}

[ "${1:-}" = "--embedded-only" ] || scripts/install-pythons.sh
with_dask python3
scripts/install-browser.sh
NODE_PATH=$(scripts/install-browser.sh --node-path) cargo test --release --all-targets
python3 -m pytest -q -rs python/tests

[ "${1:-}" = "--embedded-only" ] && exit 0

# On the host embedding 3.13t: what a free-threaded embedded interpreter
# changes, i.e. lessons, rows, claims, live groups and the convoy run inside it,
# and the signal handling around it. Left to the first host: the start method
# matrix of every process lesson and the sweeps (their processes are started by
# the lessons' and sweeps' own Python, the same on every host), and the
# parser's properties. Own-GIL subinterpreters under a GIL (3.13) run in the
# --python 3.13 harness tests of the first host (tests/pythons.rs, modern.rs).
pythons=${GIL_LAB_PYTHONS:-$HOME/.cache/gil-lab/pythons}
echo "== the host embedding CPython 3.13t"
PYO3_PYTHON="$pythons/3.13t/bin/python3" cargo test --release --target-dir target/py3.13t \
  --test core --test compare --test convoy --test live --test pythons --test verify --test yourcode --test robust -- \
  --skip every_process_lesson_runs_under_each_start_method --skip sweep_
