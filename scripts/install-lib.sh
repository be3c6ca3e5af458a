# Helpers shared by install-pythons.sh and install-sid-python.sh (sourced, not run).
#
# Both keep their downloads, logs and private apt configurations under $CACHE and
# install into $PYTHONS; nothing under /etc/apt is ever touched.

PYTHONS=${GIL_LAB_PYTHONS:-$HOME/.cache/gil-lab/pythons}
CACHE=$HOME/.cache/gil-lab/python-build
LOGS=$CACHE/logs
APT_LISTS_MAX_AGE_MIN=1440   # refresh a private apt configuration's lists once a day

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

# take_lock NAME: one install of each kind at a time (lock file $CACHE/NAME).
take_lock() {
  mkdir -p "$CACHE"
  exec {lock_fd}>"$CACHE/$1"
  flock -n "$lock_fd" || die "another install-pythons.sh is already installing these (lock: $CACHE/$1)"
}

# as_root CMD...: runs CMD as root (directly, or with sudo).
as_root() {
  if ((EUID == 0)); then "$@"; return; fi
  command -v sudo >/dev/null || die "not root and no sudo to run: $*"
  sudo "$@"
}

# install_debs LOG PACKAGE...: installs the machine's own packages that are missing.
install_debs() {
  local log=$1 missing=() p; shift
  for p in "$@"; do
    [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" == "install ok installed" ]] || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  step "installing from this machine's own suite: ${missing[*]}"
  : >"$log"
  logged "$log" as_root apt-get update
  logged "$log" as_root env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${missing[@]}"
  done_step
}

# --- the Debian mirror and private apt configurations ---------------------------
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

# private_apt DIR TYPE SUITE: points APT_OPTS at a private apt configuration in
# DIR whose one source is "TYPE MIRROR SUITE main" (TYPE: deb or deb-src), and
# refreshes its lists when that entry changed or they are older than a day.
APT_OPTS=()
private_apt() {
  local dir=$1 type=$2 suite=$3 mirror signed_by="" entry fresh log
  mirror=$(debian_mirror) || die "found no Debian mirror in /etc/apt/sources.list or /etc/apt/sources.list.d/"
  [[ -r /usr/share/keyrings/debian-archive-keyring.gpg ]] &&
    signed_by="[signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] "
  entry="$type ${signed_by}$mirror $suite main"
  log=$LOGS/apt-update-$suite.log
  mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial" "$LOGS"
  APT_OPTS=(-o "Dir::Etc::SourceList=$dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$dir/lists" -o "Dir::Cache=$dir/cache"
    -o Dir::Etc::Preferences=/dev/null -o Dir::Etc::PreferencesParts=/dev/null
    -o APT::Default-Release= -o Acquire::Languages=none)
  ((EUID == 0)) && APT_OPTS+=(-o APT::Sandbox::User=root)

  fresh=$(find "$dir/lists" -maxdepth 1 -name '*_dists_*' -mmin -"$APT_LISTS_MAX_AGE_MIN" 2>/dev/null | head -n 1)
  if [[ "$(cat "$dir/sources.list" 2>/dev/null)" != "$entry" || -z $fresh ]]; then
    echo "$entry" >"$dir/sources.list"
    echo "   apt-get update for $suite ($type) from $mirror"
    if apt-get "${APT_OPTS[@]}" update >"$log" 2>&1; then
      sed -n 's/^\([WE]:.*\)/   \1/p' "$log"
      grep -q '^[WE]: Failed to fetch' "$log" || touch "$dir/lists"/*_dists_* 2>/dev/null || true
    elif [[ -n $(find "$dir/lists" -maxdepth 1 -name '*_dists_*') ]]; then
      echo "warning: apt-get update failed (log: $log); using the lists of an earlier run" >&2
    else
      echo "error: apt-get update for $mirror $suite failed; the last lines of $log:" >&2
      tail -n 20 "$log" | sed 's/^/    /' >&2
      exit 1
    fi
  fi
}
