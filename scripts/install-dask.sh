#!/usr/bin/env bash
# Makes a private virtual environment with dask and distributed for each
# interpreter gil-lab runs: the embedded one (python3 on PATH, which the build
# links against) and every interpreter under the pythons cache
# (${GIL_LAB_PYTHONS:-$HOME/.cache/gil-lab/pythons}/<version>/bin/python3).
#
# Each environment lives in $HOME/.cache/gil-lab/dask/<version>/ (<version> is
# major.minor, with a "t" for a free-threaded build), with the `dask scheduler`
# and `dask worker` commands in its bin/. gilknocker (which dask's system
# monitor reads for its GIL contention figure) is added when it installs from a
# wheel. pip only ever runs inside the new environment: nothing is written to an
# interpreter's own site-packages or to the user's site.
#
# An environment that already holds the wanted versions is left as it is, so a
# second run takes about a second. An interpreter that cannot make a virtual
# environment with pip (no venv module, neither ensurepip nor a pip of its own)
# or cannot install dask is skipped with the reason; the script then still
# exits 0 if another one succeeded.
#
#   scripts/install-dask.sh                       # every interpreter found
#   scripts/install-dask.sh PYTHON...             # just these interpreters
#   GIL_LAB_DASK_VERSION=2026.8.0 scripts/install-dask.sh
set -euo pipefail

CACHE=$HOME/.cache/gil-lab
PYTHONS=${GIL_LAB_PYTHONS:-$CACHE/pythons}
DASK_HOME=${GIL_LAB_DASK_HOME:-$CACHE/dask}
WANT=${GIL_LAB_DASK_VERSION:-2026.8.0}

usage() {
  cat <<EOF
usage: $(basename "$0") [--help] [PYTHON...]

Makes $DASK_HOME/<version>, a virtual environment with dask and
distributed $WANT (the newest that installs when that one does not) and
gilknocker when it installs, for python3 on PATH and every interpreter in
$PYTHONS/<version>/bin/python3; or only for the PYTHONs named.

Environment: GIL_LAB_PYTHONS       interpreters to find (default \$HOME/.cache/gil-lab/pythons)
             GIL_LAB_DASK_HOME     where the environments go (default \$HOME/.cache/gil-lab/dask)
             GIL_LAB_DASK_VERSION  dask and distributed version (default 2026.8.0)
EOF
}

case "${1:-}" in -h | --help) usage; exit 0 ;; esac

# pip must never reach a global or user site-packages, whatever the caller's settings.
unset PIP_TARGET PIP_PREFIX PIP_ROOT PYTHONHOME PYTHONPATH
export PIP_USER=0 PIP_REQUIRE_VIRTUALENV=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONNOUSERSITE=1

started=$SECONDS
now() { date +%s.%N; }
# step LABEL: prints what starts; done_step OUTCOME: prints it with the step's time.
step() { step_label=$1; step_t0=$(now); echo "== $step_label"; }
done_step() { echo "   $1 ($(awk -v a="$step_t0" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'))"; }

interpreters() {
  if (($#)); then
    printf '%s\n' "$@"
    return
  fi
  command -v python3 >/dev/null && python3 -c 'import sys; print(sys.executable)'
  local p
  for p in "$PYTHONS"/*/bin/python3; do
    [ -x "$p" ] && echo "$p"
  done
  return 0
}

# label PYTHON: 3.11, or 3.13t for a free-threaded build.
label() {
  "$1" -I -c 'import sys, sysconfig; print("%d.%d%s" % (sys.version_info[:2] + ("t" if sysconfig.get_config_var("Py_GIL_DISABLED") else "",)))'
}

# installed ENV: "dask distributed gilknocker" versions in ENV, "-" for a missing one.
installed() {
  "$1/bin/python" -I -c '
from importlib import metadata
def v(name):
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "-"
print(v("dask"), v("distributed"), v("gilknocker"))' 2>/dev/null
}

mkdir -p "$DASK_HOME"
exec 9>"$DASK_HOME/.lock"
if ! flock -w 1800 9; then
  echo "error: another install-dask.sh holds $DASK_HOME/.lock" >&2
  exit 1
fi

made=0 failed=0 seen=" "
# ensure_numpy ENV LOG VERSION: numpy beside dask (compare numpy, examples/your-code);
# a missing wheel is said and skipped, as for gilknocker.
ensure_numpy() {
  "$1/bin/python" -I -c 'import numpy' 2>/dev/null && return 0
  step "$3: numpy (compare numpy)"
  if "$1/bin/python" -I -m pip install --only-binary=:all: numpy >>"$2" 2>&1; then
    done_step "installed numpy $("$1/bin/python" -I -c 'import numpy; print(numpy.__version__)')"
  else
    done_step "not installed (no wheel for $3; compare numpy says so): $(grep -m 1 -E '^ERROR' "$2" || true)"
  fi
}

while IFS= read -r python; do
  [ -n "$python" ] || continue
  if ! version=$(label "$python" 2>/dev/null); then
    echo "== $python: skipped (it does not run)"
    failed=$((failed + 1))
    continue
  fi
  case "$seen" in *" $version "*) continue ;; esac
  seen="$seen$version "
  env=$DASK_HOME/$version
  log=$DASK_HOME/$version.log

  if [ -x "$env/bin/dask" ] && [ -f "$env/.gil-lab-dask" ] && read -r d dist knock < <(installed "$env") && [ "$d" != - ] && [ "$dist" != - ]; then
    wanted=$(cat "$env/.gil-lab-dask")
    if [ "$wanted" = "$WANT" ]; then
      echo "== $version: cached in $env (dask $d, distributed $dist, gilknocker $knock)"
      ensure_numpy "$env" "$log" "$version"
      made=$((made + 1))
      continue
    fi
  fi

  step "$version: virtual environment in $env (from $python)"
  rm -rf "$env"
  how="made"
  if ! "$python" -I -m venv "$env" >"$log" 2>&1; then
    # Debian's ensurepip takes its pip wheel from /usr/share/python-wheels: for
    # an interpreter unpacked into a private root that is the host's older pip,
    # which cannot install itself there. The interpreter's own pip then puts a
    # current pip into an environment made without one.
    rm -rf "$env"
    if "$python" -I -m venv --without-pip "$env" >>"$log" 2>&1 &&
      "$python" -I -m pip --python "$env/bin/python" install --disable-pip-version-check \
        --root-user-action=ignore pip >>"$log" 2>&1; then
      how="made (pip from $python's own pip: its ensurepip could not install one)"
    else
      rm -rf "$env"
      done_step "skipped: $python cannot make a virtual environment with pip: $(tail -n 1 "$log")"
      failed=$((failed + 1))
      continue
    fi
  fi
  done_step "$how"

  step "$version: dask and distributed $WANT"
  pinned=yes
  if ! "$env/bin/python" -I -m pip install --prefer-binary "dask==$WANT" "distributed==$WANT" >>"$log" 2>&1; then
    pinned=no
    why=$(grep -m 1 -E '^ERROR' "$log" || tail -n 1 "$log")
    if ! "$env/bin/python" -I -m pip install --prefer-binary dask distributed >>"$log" 2>&1; then
      done_step "skipped: dask does not install for $version: $(grep -E '^ERROR' "$log" | tail -n 1) (log: $log)"
      rm -rf "$env"
      failed=$((failed + 1))
      continue
    fi
  fi
  read -r d dist knock < <(installed "$env")
  if [ "$pinned" = yes ]; then
    done_step "installed dask $d, distributed $dist"
  else
    done_step "installed dask $d, distributed $dist: the newest that installs for $version ($WANT did not: $why)"
  fi

  step "$version: gilknocker (dask's GIL contention monitor)"
  if "$env/bin/python" -I -m pip install --only-binary=:all: gilknocker >>"$log" 2>&1; then
    read -r d dist knock < <(installed "$env")
    done_step "installed gilknocker $knock"
  else
    done_step "not installed (no wheel for $version; dask reports no GIL contention there): $(grep -m 1 -E '^ERROR' "$log" || true)"
  fi

  ensure_numpy "$env" "$log" "$version"
  echo "$WANT" >"$env/.gil-lab-dask"
  made=$((made + 1))
done < <(interpreters "$@")

echo "== $made environment(s) with dask in $DASK_HOME, $failed interpreter(s) skipped, in $((SECONDS - started)) s"
if ((made == 0)); then
  echo "error: no interpreter could get dask" >&2
  exit 1
fi
