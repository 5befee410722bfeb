#!/usr/bin/env bash
# Installs what the tests need and the machine lacks, at pinned versions, into
# the project (nothing global beyond rustup components): buf, grpcurl, and
# the Node and Python packages of the contract-conformance receivers, the
# Integrations page's build and browser-test packages (web/), and Debian's
# Chromium for those tests (no browser is downloaded from anywhere else).
set -euo pipefail
cd "$(dirname "$0")/.."

need() { command -v "$1" >/dev/null 2>&1 || { echo "missing required tool: $1 ($2)" >&2; exit 1; }; }
need cargo "install Rust with rustup"
need node "install Node.js 20 or later"
need npm "install npm"
need go "install Go 1.26 or later"
need python3 "install Python 3.10 or later"
need make "apt-get install make: the service binary's allocator, jemalloc, builds with it"

for component in rustfmt clippy; do
  if ! rustup component list --installed 2>/dev/null | grep -q "^$component"; then
    rustup component add "$component"
  fi
done

# npm ci is skipped when the lockfile has not changed since the last install.
npm_ci() {
  local dir=$1
  if [ ! -f "$dir/node_modules/.package-lock.json" ] || ! cmp -s "$dir/package-lock.json" "$dir/node_modules/.installed-lock"; then
    npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error
    cp "$dir/package-lock.json" "$dir/node_modules/.installed-lock"
  fi
}
npm_ci scripts/tools
npm_ci tests/conformance
npm_ci web

# The browser tests drive Debian's chromium through playwright-core.
if [ ! -x "${CHROMIUM_BIN:-/usr/bin/chromium}" ]; then
  [ "$(id -u)" -eq 0 ] || { echo "missing Chromium: run as root to install it, or apt-get install chromium" >&2; exit 1; }
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium
fi

# The Python receiver of the conformance tests, in its own virtualenv;
# reinstalled when its pinned requirements change.
venv=.tools/receivers
if [ ! -x "$venv/bin/python" ] || ! cmp -s tests/conformance/requirements.txt "$venv/.installed-requirements"; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --require-hashes -r tests/conformance/requirements.txt
  cp tests/conformance/requirements.txt "$venv/.installed-requirements"
fi

GRPCURL_VERSION=v1.9.3
# `go install` builds report no version, so a marker file records which one is there.
if [ ! -x .tools/bin/grpcurl ] || [ ! -f ".tools/bin/.grpcurl-$GRPCURL_VERSION" ]; then
  GOBIN="$PWD/.tools/bin" go install "github.com/fullstorydev/grpcurl/cmd/grpcurl@$GRPCURL_VERSION"
  touch ".tools/bin/.grpcurl-$GRPCURL_VERSION"
fi
