#!/usr/bin/env bash
# The whole test suite: Rust unit and integration tests (release build, so the
# native rows are measured as shipped), then the lessons under plain python3.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m pytest --version >/dev/null 2>&1 || python3 -m pip install --quiet --disable-pip-version-check pytest
cargo test --release --all-targets
python3 -m pytest -q python/tests
