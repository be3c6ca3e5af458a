#!/usr/bin/env bash
# Installs what the browser tests (tests/browser/*.cjs) need: Debian's chromium
# and playwright-core@1 from npm. Playwright drives /usr/bin/chromium; it never
# downloads a browser of its own (a downloaded build does not run here).
#
#   scripts/install-browser.sh            # both, each only when missing
#   NODE_PATH=$(scripts/install-browser.sh --node-path) node tests/browser/report.cjs c.html
#
# chromium comes from the machine's own Debian suite with apt-get (as root or
# with sudo), after an `apt-get update` only when the package is not found at
# first. playwright-core goes to ${GIL_LAB_NODE:-$HOME/.cache/gil-lab/node};
# nothing is installed globally. Running it again when both are there takes
# well under a second and changes nothing.
#
# Time on 2 cores: about 1-3 minutes on the first run (chromium is ~100 MB of
# packages); under a second afterwards.
set -euo pipefail

NODE_DIR=${GIL_LAB_NODE:-$HOME/.cache/gil-lab/node}

if [ "${1:-}" = "--node-path" ]; then
  echo "$NODE_DIR/node_modules"
  exit 0
fi

begun=$(date +%s)
say() { printf '[install-browser %3ds] %s\n' "$(( $(date +%s) - begun ))" "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else say "need root (or sudo) for: $*"; return 1
  fi
}

if [ -x /usr/bin/chromium ]; then
  say "chromium: already installed ($(/usr/bin/chromium --version 2>/dev/null | head -1))"
else
  say "chromium: installing Debian's package"
  export DEBIAN_FRONTEND=noninteractive
  if ! as_root apt-get install -y -q chromium >/dev/null 2>&1; then
    say "chromium: not found in the package lists; running apt-get update first"
    as_root apt-get update -q >/dev/null
    as_root apt-get install -y -q chromium >/dev/null
  fi
  say "chromium: installed ($(/usr/bin/chromium --version 2>/dev/null | head -1))"
fi

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  say "node and npm: installing Debian's packages"
  as_root apt-get install -y -q nodejs npm >/dev/null 2>&1 \
    || { as_root apt-get update -q >/dev/null && as_root apt-get install -y -q nodejs npm >/dev/null; }
fi

if [ -f "$NODE_DIR/node_modules/playwright-core/package.json" ]; then
  version=$(node -p "require('$NODE_DIR/node_modules/playwright-core/package.json').version")
  say "playwright-core: already installed ($version in $NODE_DIR)"
else
  say "playwright-core: installing playwright-core@1 into $NODE_DIR"
  mkdir -p "$NODE_DIR"
  [ -f "$NODE_DIR/package.json" ] || (cd "$NODE_DIR" && npm init -y >/dev/null)
  (cd "$NODE_DIR" && npm install --no-audit --no-fund -q playwright-core@1 >/dev/null)
  version=$(node -p "require('$NODE_DIR/node_modules/playwright-core/package.json').version")
  say "playwright-core: installed $version"
fi
say "done: NODE_PATH=$NODE_DIR/node_modules"
