#!/usr/bin/env bash
# Installs the interpreters gil-lab compares:
#   3.13, 3.13t  CPython with the GIL and free-threaded (--disable-gil), built
#                from the upstream tarball inside Debian trixie's python3.13
#                source package;
#   3.14, 3.15   CPython from Debian sid's binary packages (sid serves no
#                sources for them), each unpacked into a private root by
#                scripts/install-sid-python.sh.
#
# Installs into ${GIL_LAB_PYTHONS:-$HOME/.cache/gil-lab/pythons}/<version>, each
# with bin/python3 and pip; 3.13 and 3.13t also get the interpreters-pep-734
# backport (3.14+ has concurrent.interpreters). Sources, packages, build logs,
# private apt configurations and a ccache are kept in
# $HOME/.cache/gil-lab/python-build. Nothing under /etc/apt is touched: sources
# and packages come from `apt-get source` / `apt-get download` run with private
# configurations, from the Debian mirror this machine already uses. Missing
# build tools are installed from the machine's own suite with apt-get (as root
# or with sudo).
#
# Time on 2 cores: about 8.5 minutes on the first run for 3.13 and 3.13t (about
# 4 per interpreter; about 45 seconds each when rebuilt with a warm ccache) and
# about 20 seconds each for 3.14 and 3.15; under a second when all are there.
#
#   scripts/install-pythons.sh                  # all four interpreters
#   scripts/install-pythons.sh --only 3.14      # just one of them
#   GIL_LAB_PYTHONS=/opt/pythons scripts/install-pythons.sh
set -euo pipefail
here=$(dirname "$0")
# shellcheck source=scripts/install-lib.sh
. "$here/install-lib.sh"

APT_DIR=$CACHE/apt
export CCACHE_DIR=$CACHE/ccache
SOURCE_BUILT=(3.13 3.13t)   # from trixie's python3.13 source package
SID_BINARIES=(3.14 3.15)    # from sid's binary packages

BUILD_DEPS=(build-essential ccache pkg-config xz-utils
  libssl-dev zlib1g-dev libbz2-dev libreadline-dev libsqlite3-dev libffi-dev
  liblzma-dev libzstd-dev uuid-dev libgdbm-dev libgdbm-compat-dev
  libncurses-dev tk-dev)

usage() {
  cat <<USAGE
usage: $(basename "$0") [--only VERSION] [--help]

Builds CPython 3.13 and 3.13t (free-threaded) from Debian trixie's python3.13
source package, unpacks CPython 3.14 and 3.15 from Debian sid's binary
packages, and installs them into $PYTHONS/<version>.

  --only VERSION   install just one of: ${SOURCE_BUILT[*]} ${SID_BINARIES[*]}
  --help           show this help

Environment: GIL_LAB_PYTHONS  install root (default \$HOME/.cache/gil-lab/pythons)
USAGE
}

# --- the source-built interpreters' check --------------------------------------
# python_ok DEST VERSION FT: DEST/bin/python3 runs, is VERSION, has the wanted
# GIL mode (FT=1: free-threaded, GIL off at run time) and its main extension
# modules import. Prints the interpreter's full version on success.
python_ok() {
  local dest=$1 version=$2 ft=$3
  [[ -x $dest/bin/python3 ]] || return 1
  env -u PYTHON_GIL "$dest/bin/python3" - "$version" "$ft" 2>/dev/null <<'PY' || return 1
import sys, sysconfig
import ssl, ctypes, sqlite3, lzma, bz2, zlib, readline, decimal
want_version, want_ft = sys.argv[1], sys.argv[2] == "1"
ft = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
gil_on = sys._is_gil_enabled() if hasattr(sys, "_is_gil_enabled") else True
ok = ("%d.%d" % sys.version_info[:2] == want_version and ft == want_ft
      and gil_on == (not want_ft))
print(sys.version.split()[0])
sys.exit(0 if ok else 1)
PY
}

# source_version PKG: the version of source package PKG in trixie, if served.
source_version() {
  apt-cache "${APT_OPTS[@]}" showsrc --only-source "$1" 2>/dev/null |
    awk -v p="$1" '$1 == "Package:" { hit = ($2 == p) } hit && $1 == "Version:" { print $2; exit }'
}

# fetch_sources PKG DEBVERSION: downloads the source package and unpacks its
# upstream tarball (not Debian's patches); sets SRC to the upstream CPython tree.
SRC=""
fetch_sources() {
  local pkg=$1 debver=$2 upstream orig f top stamp
  upstream=${debver#*:}; upstream=${upstream%-*}
  stamp=$CACHE/src/${pkg}_$upstream.unpacked
  mkdir -p "$CACHE/src"
  if [[ -f $stamp ]] && SRC=$(cat "$stamp") && [[ -x $SRC/configure ]]; then
    echo "== sources of $pkg $debver already unpacked in $SRC"
    return
  fi
  step "fetching sources: $pkg $debver (Debian trixie)"
  : >"$LOGS/apt-source.log"
  cd "$CACHE/src"
  logged "$LOGS/apt-source.log" apt-get "${APT_OPTS[@]}" source --download-only "$pkg"
  cd - >/dev/null
  orig=""
  for f in "$CACHE/src/${pkg}_${upstream}".orig.tar.*; do
    [[ -f $f && $f != *.asc ]] && { orig=$f; break; }
  done
  [[ -n $orig ]] || die "no upstream tarball ${pkg}_${upstream}.orig.tar.* in $CACHE/src"
  top=$(tar -tf "$orig" | awk -F/ 'NR == 1 { print $1 }')
  [[ -n $top ]] || die "cannot read $orig"
  SRC=$CACHE/src/$top
  rm -rf "$SRC"
  tar -xf "$orig" -C "$CACHE/src"
  [[ -x $SRC/configure ]] || die "$orig holds no CPython tree with a configure script"
  echo "$SRC" >"$stamp"
  done_step
}

# --- one interpreter -----------------------------------------------------------------
# build_python NAME: NAME is X.Y or X.Yt; configures, builds and installs it.
build_python() {
  local name=$1 version=${1%t} dest=$PYTHONS/$1 bdir=$CACHE/build-$1 log=$LOGS/build-$1.log
  local flags=()
  [[ $name == *t ]] && flags=(--disable-gil)
  step "building $name in $bdir (about 4 min, under 1 min with a warm ccache)"
  echo "   log: $log"
  : >"$log"
  rm -rf "$bdir"; mkdir -p "$bdir"
  cd "$bdir"
  timed configure logged "$log" env CC="ccache gcc" "$SRC/configure" --prefix="$dest" \
    --enable-shared --with-ensurepip=install "${flags[@]}" LDFLAGS="-Wl,-rpath,$dest/lib"
  timed "make -j$(nproc)" logged "$log" make -j"$(nproc)"
  rm -rf "$dest"
  timed "make install" logged "$log" make install
  cd - >/dev/null
  # make install links bin/python3 (in the free-threaded tree python3.13t is
  # the interpreter, python3.13 and python3 lead to it); make sure of the link.
  [[ -e $dest/bin/python3 ]] || ln -s "python${version}${name#"$version"}" "$dest/bin/python3"
  done_step
}

# The PEP 734 backport (interpreters_backport); optional, so a failure only warns.
add_backport() {
  local name=$1 py=$PYTHONS/$1/bin/python3
  "$py" -c 'import interpreters_backport' 2>/dev/null && return
  step "installing interpreters-pep-734 into $name"
  if "$py" -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
    interpreters-pep-734 >"$LOGS/pip-$name.log" 2>&1 &&
    "$py" -c 'import interpreters_backport' 2>/dev/null; then
    done_step
  else
    echo "warning: could not install interpreters-pep-734 into $name (optional; log: $LOGS/pip-$name.log)" >&2
  fi
}

# install_source_built NAME...: 3.13 / 3.13t, each built unless already installed.
install_source_built() {
  local name ft full todo=() version=3.13 debver
  for name in "$@"; do
    ft=0; [[ $name == *t ]] && ft=1
    if full=$(python_ok "$PYTHONS/$name" "$version" "$ft"); then
      echo "== $name already installed at $PYTHONS/$name (Python $full)"
    else
      todo+=("$name")
    fi
  done
  if ((${#todo[@]})); then
    take_lock .lock
    step "checking Debian trixie's sources"
    private_apt "$APT_DIR" deb-src trixie
    debver=$(source_version "python$version") || true
    [[ -n $debver ]] || die "trixie serves no python$version source package"
    echo "   python$version $debver"
    done_step
    install_debs "$LOGS/apt-install.log" "${BUILD_DEPS[@]}"
    fetch_sources "python$version" "$debver"
    ccache --max-size=5G >/dev/null
    for name in "${todo[@]}"; do
      build_python "$name"
      ft=0; [[ $name == *t ]] && ft=1
      python_ok "$PYTHONS/$name" "$version" "$ft" >/dev/null || {
        echo "error: $PYTHONS/$name/bin/python3 failed its check:" >&2
        env -u PYTHON_GIL "$PYTHONS/$name/bin/python3" -c 'import sys, sysconfig, ssl, ctypes, sqlite3, lzma, bz2, zlib, readline; print(sys.version, sysconfig.get_config_var("Py_GIL_DISABLED"), sys._is_gil_enabled())' >&2 || true
        exit 1
      }
    done
  fi
  for name in "$@"; do add_backport "$name"; done
}

# --- main -----------------------------------------------------------------------
only=""
while (($#)); do
  case $1 in
    --only) (($# >= 2)) || die "--only needs a version (${SOURCE_BUILT[*]} ${SID_BINARIES[*]})"; only=$2; shift 2 ;;
    --only=*) only=${1#--only=}; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done
if [[ -n $only && " ${SOURCE_BUILT[*]} ${SID_BINARIES[*]} " != *" $only "* ]]; then
  die "--only takes one of ${SOURCE_BUILT[*]} ${SID_BINARIES[*]}, not '$only'"
fi

mkdir -p "$PYTHONS" "$CACHE" "$LOGS" "$CCACHE_DIR"
started=$SECONDS
built=() unpacked=()
for name in "${SOURCE_BUILT[@]}"; do [[ -z $only || $only == "$name" ]] && built+=("$name"); done
for name in "${SID_BINARIES[@]}"; do [[ -z $only || $only == "$name" ]] && unpacked+=("$name"); done
((${#built[@]} == 0)) || install_source_built "${built[@]}"
((${#unpacked[@]} == 0)) || "$here/install-sid-python.sh" "${unpacked[@]}"

echo "== installed (total $(duration $((SECONDS - started)))):"
for name in "${built[@]}" "${unpacked[@]}"; do
  env -u PYTHON_GIL "$PYTHONS/$name/bin/python3" -I -c '
import sys, sysconfig
mode = "free-threaded (GIL off)" if sysconfig.get_config_var("Py_GIL_DISABLED") and not sys._is_gil_enabled() else "with the GIL"
print("   Python %-8s %-24s %s" % (sys.version.split()[0], mode, sys.argv[1]))' "$PYTHONS/$name/bin/python3"
done

# dask and distributed, in a private environment per interpreter (the dask rows
# and the distributed-workers lesson need them); one that cannot is reported.
if [[ -z $only ]]; then
  "$here/install-dask.sh" || echo "warning: scripts/install-dask.sh failed; the dask rows will read unavailable" >&2
fi
