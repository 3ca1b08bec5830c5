#!/usr/bin/env bash
# End-to-end test dependencies: Debian's Chromium (never a browser that Playwright downloads) with
# CJK fonts so Chinese pages render in screenshots, and axe-core from the npm registry (pinned in
# tests/e2e/package-lock.json). Idempotent: does nothing that is already in place.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ]; then
  echo "== installing Debian's chromium"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    chromium fonts-noto-cjk
fi
/usr/bin/chromium --version

if [ ! -f tests/e2e/node_modules/axe-core/axe.min.js ] \
  || [ tests/e2e/package-lock.json -nt tests/e2e/node_modules/.package-lock.json ]; then
  echo "== installing axe-core (npm ci)"
  npm ci --prefix tests/e2e --no-audit --no-fund --loglevel=error
fi
