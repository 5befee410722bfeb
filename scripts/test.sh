#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs what is missing, then
# runs formatting, lint (Rust and protobuf) and every test; the integration
# tests run twice, on SQLite and on a throwaway PostgreSQL cluster
# (scripts/postgres.sh, which installs PostgreSQL if needed); the Integrations
# page's bundle is checked and its browser tests run (scripts/web-test.sh).
# CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "tools"
scripts/install-tools.sh

step "cargo fmt --check"
cargo fmt --all -- --check

step "buf lint"
scripts/tools/node_modules/.bin/buf lint

step "cargo clippy --all-targets -- -D warnings"
cargo clippy --all-targets --locked -- -D warnings

step "cargo test"
cargo test --all-targets --locked

step "integration tests again, on PostgreSQL (a throwaway cluster)"
pg_dir=$(mktemp -d)
stop_postgres() {
  scripts/postgres.sh stop "$pg_dir" || echo "could not stop the cluster in $pg_dir" >&2
  rm -rf "$pg_dir"
}
trap stop_postgres EXIT
pg_url=$(scripts/postgres.sh start "$pg_dir")
INBOUNDFLOW_TEST_POSTGRES_URL="$pg_url" cargo test --test it --locked

step "README's start command runs the service binary"
cargo run --quiet --locked -- serve --help >/dev/null

step "Integrations page (bundle up to date, browser tests in Chromium)"
scripts/web-test.sh

step "README walkthrough (grpcurl against a live server)"
scripts/walkthrough-test.sh

step "README runbook (every block, against live services and a failing receiver)"
INBOUNDFLOW_TEST_POSTGRES_URL="$pg_url" scripts/runbook-test.sh

if [ -x scripts/clients/test.sh ]; then
  step "clients (generation up to date, unit and end-to-end tests)"
  scripts/clients/test.sh
fi
