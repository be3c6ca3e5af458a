#!/usr/bin/env bash
# Builds the pip wheel of gil-lab for one CPython, installs it into a fresh
# virtual environment and runs it from a folder outside the clone.
#
#   scripts/wheel.sh                                        # python3 (target/)
#   scripts/wheel.sh ~/.cache/gil-lab/pythons/3.13/bin/python3   # 3.13 (target/py3.13)
#
# maturin comes from PyPI into a private venv (${GIL_LAB_MATURIN:-~/.cache/gil-lab/maturin});
# nothing is installed globally. The cargo target dir is the one scripts/test.sh
# uses for that interpreter (target/ for python3, target/pyX.Y otherwise), so the
# dependencies are not built again; maturin's build replaces that dir's
# release/gil-lab with the wheel's launcher, so the host binary is put back
# afterwards. The wheel lands in target/wheels; the venv and the folder it runs
# from are removed on exit.
#
# Time on 2 cores with the target dir already built: about 1 minute for the
# build, 10 s for the install and 30 s for `compare threading --quick`.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
PY=${1:-python3}
PY=$(command -v "$PY")
begun=$(date +%s)
say() { printf '[wheel %3ds] %s\n' "$(( $(date +%s) - begun ))" "$*" >&2; }

minor=$("$PY" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
if [ "$PY" = "$(command -v python3)" ]; then target=target; else target=target/py$minor; fi
abiflags=$("$PY" -c 'import sys; print(sys.abiflags)')
case $abiflags in *t*) target=${target}t;; esac

MATURIN_VENV=${GIL_LAB_MATURIN:-$HOME/.cache/gil-lab/maturin}
if [ ! -x "$MATURIN_VENV/bin/maturin" ]; then
  say "maturin: installing from PyPI into $MATURIN_VENV"
  python3 -m venv "$MATURIN_VENV"
  "$MATURIN_VENV/bin/pip" install -q 'maturin>=1.9,<2'
fi

work=$(mktemp -d)
host_binary="$ROOT/$target/release/gil-lab"
trap 'rm -rf "$work"' EXIT
if [ -x "$host_binary" ]; then cp -p "$host_binary" "$work/host-gil-lab"; fi

say "building the wheel for $PY (CPython $minor$abiflags) in $target"
PYO3_PYTHON=$PY "$MATURIN_VENV/bin/maturin" build --release --locked -q \
  --interpreter "$PY" --target-dir "$target" --out "$ROOT/target/wheels" >&2
# The launcher took the host binary's place: put the host binary back.
if [ -f "$work/host-gil-lab" ]; then cp -p "$work/host-gil-lab" "$host_binary"; fi

tag=$("$PY" -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}-cp{sys.version_info[0]}{sys.version_info[1]}{sys.abiflags}")')
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
wheel=$(ls -t "$ROOT"/target/wheels/gil_lab-"$version"-"$tag"-*.whl | head -1)
say "built $(basename "$wheel") ($(du -k "$wheel" | cut -f1) KiB)"

"$PY" -m venv "$work/venv"
"$work/venv/bin/pip" install -q "$wheel"
say "installed into a fresh venv"
mkdir "$work/elsewhere"
cd "$work/elsewhere"
"$work/venv/bin/gil-lab" info
"$work/venv/bin/gil-lab" compare threading --quick
say "done"
