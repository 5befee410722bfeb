#!/usr/bin/env bash
# The Integrations page (web/): type-checks and rebuilds it, fails when the
# committed bundle (web/dist, which the binary embeds so that it builds
# without Node) differs from what its sources build, then runs the browser
# tests: Debian's Chromium, driven by playwright-core, against the real
# service binary on a fresh SQLite file and real receivers. Screenshots of
# each state go to web/artefacts/ (or $WEB_ARTEFACTS).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "web: type-check and rebuild"
rebuilt=$(mktemp -d)
cleanup() { rm -rf "$rebuilt" "${bin_dir:-}"; }
trap cleanup EXIT
(cd web && npx tsc --noEmit -p tsconfig.json && npx vite build --logLevel warn --outDir "$rebuilt" --emptyOutDir)
if ! diff -r "$rebuilt" web/dist; then
  echo "web/dist is not what web/ builds: run 'cd web && npm run build' and commit web/dist" >&2
  exit 1
fi

echo "web: browser tests"
cargo build --quiet --locked --bin inboundflow-webhooks
# A copy, so nothing rebuilding the target directory meanwhile changes the
# binary under the tests.
bin_dir=$(mktemp -d)
cp "${CARGO_TARGET_DIR:-target}/debug/inboundflow-webhooks" "$bin_dir/"
export INBOUNDFLOW_BIN="$bin_dir/inboundflow-webhooks"
export WEB_ARTEFACTS="${WEB_ARTEFACTS:-$PWD/web/artefacts}"
rm -rf "$WEB_ARTEFACTS"
(cd web && npm run --silent test:browser)
echo "web: screenshots in $WEB_ARTEFACTS"
