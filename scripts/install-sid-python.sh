#!/usr/bin/env bash
# Installs CPython 3.14 and 3.15 from Debian sid's *binary* packages (sid serves
# no sources for them). The packages and their libraries, sid's glibc included,
# are unpacked with dpkg-deb into one private root per version; the interpreter
# is pointed at that root's dynamic loader and libraries with patchelf, so it
# runs on an older Debian without touching the system:
#
#   $PYTHONS/3.14/root/usr/...        the unpacked packages
#   $PYTHONS/3.14/bin/python3         -> ../root/usr/bin/python3.14
#   $PYTHONS/3.14/manifest            every installed file and its size
#
# sys.executable is bin/python3 and sys.prefix is root/usr (Python finds its
# prefix through the link), so multiprocessing's spawn and forkserver children
# start the same interpreter. pip comes from sid's python3-pip-whl.
# Downloads are kept in $CACHE/sid/debs and apt's lists in $CACHE/apt-sid.
#
# Time: about 30 s per version the first time (downloading 25 MB, unpacking,
# pip); under a second when installed. An installed root whose files are
# missing or changed, or whose interpreter fails its checks, is reinstalled.
#
#   scripts/install-sid-python.sh 3.14 3.15
# Usually run by scripts/install-pythons.sh (which also takes --only 3.14).
set -euo pipefail
# shellcheck source=scripts/install-lib.sh
. "$(dirname "$0")/install-lib.sh"

SID_APT=$CACHE/apt-sid
DEBS=$CACHE/sid/debs
ARCH_LIBS=usr/lib/x86_64-linux-gnu

# The packages of one version; the libraries they link, from sid too (its
# glibc is newer than the machine's). python3.X-venv holds ensurepip,
# python3-pip-whl the pip wheel.
packages_of() {
  local v=$1
  echo "python$v python$v-minimal libpython$v libpython$v-minimal libpython$v-stdlib libpython$v-dev"
  echo "python$v-venv python3-pip-whl"
  echo "libc6 libssl3t64 libffi8 libmpdec4 libzstd1 libsqlite3-0 libexpat1 zlib1g liblzma5 libbz2-1.0"
  echo "libncursesw6 libtinfo6 libreadline8t64 libuuid1 libdb5.3t64 libgcc-s1 gcc-16-base media-types"
}

usage() {
  cat <<EOF
usage: $(basename "$0") VERSION...

Installs CPython VERSION (3.14, 3.15) from Debian sid's binary packages into
$PYTHONS/VERSION (root/ holds the packages, bin/python3 the interpreter).
EOF
}

# --- checks -----------------------------------------------------------------------
# manifest_ok DEST: every file and link listed in DEST/manifest is there with its size.
manifest_ok() {
  local dest=$1 missing
  [[ -s $dest/manifest ]] || return 1
  missing=$(comm -23 "$dest/manifest" <(list_files "$dest/root") | head -n 3)
  [[ -z $missing ]] && return 0
  echo "   damaged: files missing or changed in $dest/root, e.g.:" >&2
  echo "$missing" | sed 's/^/     /' >&2
  return 1
}
list_files() { (cd "$1" && find . -not -type d -not -path '*/__pycache__/*' -printf '%P %s\n' | LC_ALL=C sort); }

# python_ok DEST VERSION [full]: the interpreter runs, is VERSION, knows where it
# is, and its extension modules load; with "full", also subinterpreters, an
# interpreter pool, spawn and forkserver children and (3.15) Tachyon. Prints a
# line of what it found.
python_ok() {
  local dest=$1 version=$2 full=${3:-}
  [[ -x $dest/bin/python3 ]] || return 1
  # -c, not a script on stdin: spawn children re-run the parent's main file.
  "$dest/bin/python3" -I -c "$CHECK_SCRIPT" "$version" "$dest" "$full"
}
CHECK_SCRIPT=$(cat <<'EOF'
import os, sys
want, dest, full = sys.argv[1], sys.argv[2], sys.argv[3] == "full"
import ssl, sqlite3, ctypes, decimal, lzma, bz2, zlib, hashlib, json  # noqa: E401,F401
problems = []
if "%d.%d" % sys.version_info[:2] != want:
    problems.append("is %d.%d" % sys.version_info[:2])
if sys.executable != os.path.join(dest, "bin", "python3"):
    problems.append("sys.executable is %s" % sys.executable)
if os.path.realpath(sys.prefix) != os.path.realpath(os.path.join(dest, "root", "usr")):
    problems.append("sys.prefix is %s" % sys.prefix)
found = ["ssl", "sqlite3", "ctypes", "decimal"]
if full:
    import multiprocessing
    from concurrent import interpreters
    from concurrent.futures import InterpreterPoolExecutor
    interp = interpreters.create()
    interp.exec("import math")
    interp.close()
    with InterpreterPoolExecutor(max_workers=2) as pool:
        if list(pool.map(abs, [-1, -2])) != [1, 2]:
            problems.append("InterpreterPoolExecutor gave a wrong answer")
    found += ["concurrent.interpreters", "InterpreterPoolExecutor"]
    for method in ("spawn", "forkserver"):
        ctx = multiprocessing.get_context(method)
        with ctx.Pool(1) as pool:
            if pool.apply(os.getpid) == os.getpid():
                problems.append("%s ran in this process" % method)
        found.append(method + " child")
    found.append("default start method " + multiprocessing.get_start_method())
    if sys.version_info >= (3, 15):
        import importlib.util
        if importlib.util.find_spec("profiling.sampling") is None:
            problems.append("no profiling.sampling (Tachyon)")
        else:
            found.append("profiling.sampling")
    import importlib.util
    found.append("pip" if importlib.util.find_spec("pip") else "no pip")
if problems:
    print("; ".join(problems), file=sys.stderr)
    sys.exit(1)
print("Python %s: %s" % (sys.version.split()[0], ", ".join(found)))
EOF
)

# --- steps ---------------------------------------------------------------------------
# download VERSION: the .deb files of VERSION into $DEBS (kept: a later
# reinstall downloads nothing); sets FILES to their paths.
FILES=()
download() {
  local v=$1 pkgs file log=$LOGS/sid-download-$1.log
  read -r -a pkgs <<<"$(packages_of "$v" | tr '\n' ' ')"
  mkdir -p "$DEBS"
  : >"$log"
  # The names apt-get download gives the files: PACKAGE_VERSION_ARCH.deb, ':' as %3a.
  mapfile -t FILES < <(apt-cache "${APT_OPTS[@]}" show --no-all-versions "${pkgs[@]}" 2>>"$log" |
    awk -v dir="$DEBS" '$1 == "Package:" { p = $2 } $1 == "Version:" { v = $2 }
      $1 == "Architecture:" { gsub(/:/, "%3a", v); print dir "/" p "_" v "_" $2 ".deb" }')
  ((${#FILES[@]} == ${#pkgs[@]})) ||
    die "Debian sid does not serve every package python$v needs: ${pkgs[*]} (log: $log)"
  # apt-get download skips the files it already has.
  (cd "$DEBS" && logged "$log" apt-get "${APT_OPTS[@]}" download "${pkgs[@]}")
  for file in "${FILES[@]}"; do [[ -f $file ]] || die "apt-get download left no $file (log: $log)"; done
}

# unpack DEST: every .deb of FILES into DEST/root (a fresh one).
unpack() {
  local dest=$1 f
  rm -rf "$dest"
  mkdir -p "$dest/root"
  for f in "${FILES[@]}"; do dpkg-deb -x "$f" "$dest/root"; done
}

# patch DEST VERSION: the interpreter loads the root's glibc and libraries; it
# is exposed as DEST/bin/python3.
patch_interpreter() {
  local dest=$1 v=$2 root=$1/root
  patchelf --set-interpreter "$root/$ARCH_LIBS/ld-linux-x86-64.so.2" \
    --force-rpath --set-rpath "$root/$ARCH_LIBS" "$root/usr/bin/python$v"
  mkdir -p "$dest/bin"
  ln -s "../root/usr/bin/python$v" "$dest/bin/python3"
  ln -s "../root/usr/bin/python$v" "$dest/bin/python$v"
  # This root is gil-lab's own, not the system's: let pip install into it.
  rm -f "$root/usr/lib/python$v/EXTERNALLY-MANAGED"
}

# add_pip DEST VERSION: pip from sid's wheel (optional: a failure only warns).
add_pip() {
  local dest=$1 v=$2 wheel log=$LOGS/sid-pip-$2.log
  wheel=$(ls "$dest"/root/usr/share/python-wheels/pip-*.whl 2>/dev/null | tail -n 1)
  if [[ -n $wheel ]] && "$dest/bin/python3" "$wheel/pip" install --no-index --quiet \
    --disable-pip-version-check --root-user-action=ignore --no-warn-script-location \
    "$wheel" >"$log" 2>&1; then
    return 0
  fi
  echo "warning: no pip for $v (optional; log: $log)" >&2
}

sid_apt_ready=""
install_version() {
  local v=$1 dest=$PYTHONS/$1 found
  if [[ -d $dest/root ]]; then
    if manifest_ok "$dest" && found=$(python_ok "$dest" "$v" 2>/dev/null); then
      echo "== $v already installed at $dest ($found)"
      return
    fi
    echo "== $v at $dest is damaged or incomplete: reinstalling"
  fi
  if [[ -z $sid_apt_ready ]]; then
    install_debs "$LOGS/apt-install-patchelf.log" patchelf
    step "checking Debian sid's package lists"
    private_apt "$SID_APT" deb sid
    done_step
    sid_apt_ready=1
  fi
  step "downloading python$v and its libraries from Debian sid"
  download "$v"
  echo "   ${#FILES[@]} packages, $(du -ch "${FILES[@]}" | tail -n 1 | cut -f1) in $DEBS"
  done_step
  step "unpacking into $dest/root"
  unpack "$dest"
  done_step
  step "pointing python$v at the root's glibc and libraries (patchelf)"
  patch_interpreter "$dest" "$v"
  done_step
  step "adding pip to $v"
  add_pip "$dest" "$v"
  done_step
  step "checking $dest/bin/python3"
  found=$(python_ok "$dest" "$v" full) || die "$dest/bin/python3 failed its checks (above)"
  echo "   $found"
  # Written last: a root without a manifest is an unfinished install.
  list_files "$dest/root" >"$dest/manifest"
  done_step
}

# --- main ------------------------------------------------------------------------------
(($#)) || { usage >&2; exit 2; }
for v in "$@"; do
  [[ $v =~ ^3\.1[4-9]$ ]] || { usage >&2; die "not a version sid serves binaries for: '$v'"; }
done
take_lock .lock-sid
mkdir -p "$PYTHONS" "$LOGS"
for v in "$@"; do install_version "$v"; done
