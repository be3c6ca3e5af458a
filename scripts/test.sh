#!/usr/bin/env bash
# The whole test suite:
#   1. Rust unit and integration tests of the host embedding the default python3
#      (release build: the native rows are measured as shipped), among them the
#      browser tests (tests/browser.rs: headless Chromium, installed first by
#      scripts/install-browser.sh), and pytest over the lessons under plain python3;
#   2. CPython 3.13 and 3.13t from scripts/install-pythons.sh (cached), then the
#      host built against each (its own target dir) and its integration tests.
# The first run builds both interpreters: about 20 minutes on 2 cores; later runs
# about 8. `scripts/test.sh --embedded-only` stops after step 1 (about 3 minutes).
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m pytest --version >/dev/null 2>&1 || python3 -m pip install --quiet --disable-pip-version-check pytest
scripts/install-browser.sh
NODE_PATH=$(scripts/install-browser.sh --node-path) cargo test --release --all-targets
python3 -m pytest -q python/tests

[ "${1:-}" = "--embedded-only" ] && exit 0

scripts/install-pythons.sh
pythons=${GIL_LAB_PYTHONS:-$HOME/.cache/gil-lab/pythons}
for v in 3.13 3.13t; do
  echo "== the host embedding CPython $v"
  PYO3_PYTHON="$pythons/$v/bin/python3" cargo test --release --target-dir "target/py$v" --tests
done
