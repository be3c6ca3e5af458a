#!/usr/bin/env bash
# Builds the two interpreters gil-lab compares: CPython 3.13 (with the GIL) and
# CPython 3.13t (free-threaded, --disable-gil), from the upstream tarball inside
# Debian's python3.13 source package of the trixie suite. When trixie serves a
# python3.14 source package, 3.14 and 3.14t are built instead.
#
# Installs into ${GIL_LAB_PYTHONS:-$HOME/.cache/gil-lab/pythons}/3.13 and
# .../3.13t, each with bin/python3, pip and the interpreters-pep-734 backport.
# Sources, build logs, a private apt configuration and a ccache are kept in
# $HOME/.cache/gil-lab/python-build. Nothing under /etc/apt is touched: the
# sources come from `apt-get source` run with that private configuration, from
# the Debian mirror this machine already uses. Missing build dependencies are
# installed from the machine's own suite with apt-get (as root or with sudo).
#
# Time on 2 cores: about 8.5 minutes on the first run (about 4 per interpreter);
# about 45 seconds per interpreter when rebuilt with a warm ccache; under a
# second when both are already installed.
#
#   scripts/install-pythons.sh                  # both interpreters
#   scripts/install-pythons.sh --only 3.13t     # just one of them
#   GIL_LAB_PYTHONS=/opt/pythons scripts/install-pythons.sh
set -euo pipefail

PYTHONS=${GIL_LAB_PYTHONS:-$HOME/.cache/gil-lab/pythons}
CACHE=$HOME/.cache/gil-lab/python-build
APT_DIR=$CACHE/apt
LOGS=$CACHE/logs
export CCACHE_DIR=$CACHE/ccache
APT_LISTS_MAX_AGE_MIN=1440   # refresh the private source lists once a day

BUILD_DEPS=(build-essential ccache pkg-config xz-utils
  libssl-dev zlib1g-dev libbz2-dev libreadline-dev libsqlite3-dev libffi-dev
  liblzma-dev libzstd-dev uuid-dev libgdbm-dev libgdbm-compat-dev
  libncurses-dev tk-dev)

usage() {
  cat <<EOF
usage: $(basename "$0") [--only VERSION] [--help]

Builds CPython 3.13 and 3.13t (free-threaded) from Debian trixie's python3.13
source package (3.14 and 3.14t when trixie serves python3.14) and installs them
into $PYTHONS/<version>.

  --only VERSION   build just one interpreter: 3.13, 3.13t (or 3.14, 3.14t)
  --help           show this help

Environment: GIL_LAB_PYTHONS  install root (default \$HOME/.cache/gil-lab/pythons)
EOF
}

die() { echo "error: $*" >&2; exit 1; }
trap 'echo "error: line $LINENO: \"$BASH_COMMAND\" failed" >&2' ERR

# Timing: `step "doing X"` prints a progress line; `done_step` its duration.
step_started=$SECONDS
step() { echo "== $*"; step_started=$SECONDS; }
duration() { local s=$1; if ((s >= 60)); then echo "$((s / 60))m$((s % 60))s"; else echo "${s}s"; fi; }
done_step() { echo "   done in $(duration $((SECONDS - step_started)))"; }
# timed LABEL CMD...: runs CMD after printing LABEL, then prints its duration.
timed() {
  local label=$1 t=$SECONDS; shift
  printf '   %-14s' "$label"
  "$@"
  duration $((SECONDS - t))
}

# logged LOG CMD...: runs CMD with its output appended to LOG; on failure shows
# the end of LOG and stops.
logged() {
  local log=$1; shift
  if ! "$@" >>"$log" 2>&1; then
    echo >&2
    echo "error: \`$*\` failed; the last lines of $log:" >&2
    tail -n 40 "$log" | sed 's/^/    /' >&2
    exit 1
  fi
}

# --- arguments ---------------------------------------------------------------
only=""
while (($#)); do
  case $1 in
    --only) (($# >= 2)) || die "--only needs a version (3.13 or 3.13t)"; only=$2; shift 2 ;;
    --only=*) only=${1#--only=}; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done
if [[ -n $only && ! $only =~ ^3\.1[3-9]t?$ ]]; then
  die "--only takes 3.13 or 3.13t (or 3.14, 3.14t), not '$only'"
fi

mkdir -p "$PYTHONS" "$CACHE" "$LOGS" "$CCACHE_DIR"
exec 9>"$CACHE/.lock"
flock -n 9 || die "another install-pythons.sh is already running (lock: $CACHE/.lock)"
started=$SECONDS

# --- the interpreters' checks --------------------------------------------------
# python_ok DEST VERSION FT: DEST/bin/python3 runs, is VERSION, has the wanted
# GIL mode (FT=1: free-threaded, GIL off at run time) and its main extension
# modules import. Prints the interpreter's full version on success.
python_ok() {
  local dest=$1 version=$2 ft=$3
  [[ -x $dest/bin/python3 ]] || return 1
  env -u PYTHON_GIL "$dest/bin/python3" - "$version" "$ft" 2>/dev/null <<'EOF' || return 1
import sys, sysconfig
import ssl, ctypes, sqlite3, lzma, bz2, zlib, readline, decimal
want_version, want_ft = sys.argv[1], sys.argv[2] == "1"
ft = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
gil_on = sys._is_gil_enabled() if hasattr(sys, "_is_gil_enabled") else True
ok = ("%d.%d" % sys.version_info[:2] == want_version and ft == want_ft
      and gil_on == (not want_ft))
print(sys.version.split()[0])
sys.exit(0 if ok else 1)
EOF
}

# --- the Debian mirror and the private apt configuration ----------------------
# Lists "URI SUITE COMPONENT..." for every enabled deb/deb-src entry of the
# machine's apt sources, in both the one-line and the deb822 formats.
apt_entries() {
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -r $f ]] || continue
    sed -e 's/#.*//' -e 's/\[[^]]*\]//' "$f" |
      awk '$1 == "deb" || $1 == "deb-src" { line = $2 " " $3; for (i = 4; i <= NF; i++) line = line " " $i; print line }'
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -r $f ]] || continue
    awk '
      function flush(   n, i, s, u) {
        if (types ~ /deb/ && enabled !~ /^[Nn]o/ && uris != "") {
          split(uris, u, " "); n = split(suites, s, " ")
          for (i = 1; i <= n; i++) print u[1] " " s[i] " " comps
        }
        types = uris = suites = comps = enabled = ""
      }
      /^[ \t]*#/ { next }
      /^[ \t]*$/ { flush(); next }
      { key = tolower($1); sub(/^[^:]*:[ \t]*/, "") }
      key == "types:" { types = $0 } key == "uris:" { uris = $0 }
      key == "suites:" { suites = $0 } key == "components:" { comps = $0 }
      key == "enabled:" { enabled = $0 }
      END { flush() }' "$f"
  done
}

# The mirror that serves this machine's own release (e.g. bookworm main).
debian_mirror() {
  local codename uri suite comps
  # shellcheck disable=SC1091
  codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
  while read -r uri suite comps; do
    if [[ $suite == "$codename" && " $comps " == *" main "* ]]; then echo "${uri%/}"; return; fi
  done < <(apt_entries)
  while read -r uri suite comps; do   # no exact match: any Debian archive
    if [[ ${uri%/} == */debian ]]; then echo "${uri%/}"; return; fi
  done < <(apt_entries)
  return 1
}

APT_OPTS=()
setup_private_apt() {
  local mirror signed_by="" entry fresh
  mirror=$(debian_mirror) || die "found no Debian mirror in /etc/apt/sources.list or /etc/apt/sources.list.d/"
  [[ -r /usr/share/keyrings/debian-archive-keyring.gpg ]] &&
    signed_by="[signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] "
  entry="deb-src ${signed_by}$mirror trixie main"
  mkdir -p "$APT_DIR/lists/partial" "$APT_DIR/cache/archives/partial"
  APT_OPTS=(-o "Dir::Etc::SourceList=$APT_DIR/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$APT_DIR/lists" -o "Dir::Cache=$APT_DIR/cache"
    -o Dir::Etc::Preferences=/dev/null -o Dir::Etc::PreferencesParts=/dev/null
    -o APT::Default-Release= -o Acquire::Languages=none)
  ((EUID == 0)) && APT_OPTS+=(-o APT::Sandbox::User=root)

  # Refresh the lists when the entry changed or they are older than a day.
  fresh=$(find "$APT_DIR/lists" -maxdepth 1 -name '*Sources*' -mmin -"$APT_LISTS_MAX_AGE_MIN" 2>/dev/null | head -n 1)
  if [[ "$(cat "$APT_DIR/sources.list" 2>/dev/null)" != "$entry" || -z $fresh ]]; then
    echo "$entry" >"$APT_DIR/sources.list"
    echo "   apt-get update for trixie sources from $mirror"
    if apt-get "${APT_OPTS[@]}" update >"$LOGS/apt-update.log" 2>&1; then
      sed -n 's/^\([WE]:.*\)/   \1/p' "$LOGS/apt-update.log"
      grep -q '^[WE]: Failed to fetch' "$LOGS/apt-update.log" ||
        touch "$APT_DIR/lists"/*Sources* 2>/dev/null || true
    elif [[ -n $(find "$APT_DIR/lists" -maxdepth 1 -name '*Sources*') ]]; then
      echo "warning: apt-get update failed (log: $LOGS/apt-update.log); using the lists of an earlier run" >&2
    else
      echo "error: apt-get update for $mirror trixie failed; the last lines of $LOGS/apt-update.log:" >&2
      tail -n 20 "$LOGS/apt-update.log" | sed 's/^/    /' >&2
      exit 1
    fi
  fi
}

# source_version PKG: the version of source package PKG in trixie, if served.
source_version() {
  apt-cache "${APT_OPTS[@]}" showsrc --only-source "$1" 2>/dev/null |
    awk -v p="$1" '$1 == "Package:" { hit = ($2 == p) } hit && $1 == "Version:" { print $2; exit }'
}

# --- build dependencies -----------------------------------------------------------
install_build_deps() {
  local missing=() p
  for p in "${BUILD_DEPS[@]}"; do
    [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" == "install ok installed" ]] || missing+=("$p")
  done
  if ((${#missing[@]} == 0)); then
    echo "== build dependencies already installed"
    return
  fi
  local sudo=()
  if ((EUID != 0)); then
    command -v sudo >/dev/null || die "not root and no sudo to install the build dependencies: ${missing[*]}"
    sudo=(sudo)
  fi
  step "installing build dependencies: ${missing[*]}"
  : >"$LOGS/apt-install.log"
  logged "$LOGS/apt-install.log" "${sudo[@]}" apt-get update
  logged "$LOGS/apt-install.log" "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${missing[@]}"
  done_step
}

# --- sources ------------------------------------------------------------------------
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

# --- main -----------------------------------------------------------------------
step "checking the Debian sources"
setup_private_apt
version=${only%t}
if [[ -z $only ]]; then
  if debver=$(source_version python3.14) && [[ -n $debver ]]; then
    version=3.14
  else
    echo "   trixie serves no python3.14 source package: falling back to python3.13"
    version=3.13
  fi
fi
debver=$(source_version "python$version") || true
[[ -n $debver ]] || die "trixie serves no python$version source package"
echo "   python$version $debver"
done_step

if [[ -n $only ]]; then names=("$only"); else names=("$version" "${version}t"); fi

todo=()
for name in "${names[@]}"; do
  ft=0; [[ $name == *t ]] && ft=1
  if full=$(python_ok "$PYTHONS/$name" "$version" "$ft"); then
    echo "== $name already installed at $PYTHONS/$name (Python $full)"
  else
    todo+=("$name")
  fi
done

if ((${#todo[@]})); then
  install_build_deps
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

# The PEP 734 backport (interpreters_backport); optional, so a failure only warns.
for name in "${names[@]}"; do
  py=$PYTHONS/$name/bin/python3
  if "$py" -c 'import interpreters_backport' 2>/dev/null; then continue; fi
  step "installing interpreters-pep-734 into $name"
  if "$py" -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
    interpreters-pep-734 >"$LOGS/pip-$name.log" 2>&1 &&
    "$py" -c 'import interpreters_backport' 2>/dev/null; then
    done_step
  else
    echo "warning: could not install interpreters-pep-734 into $name (optional; log: $LOGS/pip-$name.log)" >&2
  fi
done

echo "== installed (total $(duration $((SECONDS - started)))):"
for name in "${names[@]}"; do
  env -u PYTHON_GIL "$PYTHONS/$name/bin/python3" - "$PYTHONS/$name/bin/python3" <<'EOF'
import sys, sysconfig
mode = "free-threaded (GIL off)" if sysconfig.get_config_var("Py_GIL_DISABLED") and not sys._is_gil_enabled() else "with the GIL"
print("   Python %-8s %-24s %s" % (sys.version.split()[0], mode, sys.argv[1]))
EOF
done
