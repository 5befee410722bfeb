#!/usr/bin/env bash
# Checks the client SDKs: generated code is up to date with proto/, the API has
# no lint errors or breaking changes, and each client passes its unit tests and
# an end-to-end run against a live service (started here with a fresh database
# and an operator API key, stopped on exit), then installs, as its README says,
# into a separate project outside the repository that runs the quickstart.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
buf=scripts/tools/node_modules/.bin/buf

step() { printf '\n== %s\n' "$*"; }

step "tools"
scripts/clients/install-tools.sh

work=$(mktemp -d)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

step "generated code matches proto/"
scripts/clients/generate.sh "$work/gen" >/dev/null
( cd "$work/gen" && "$root/scripts/clients/generated-files.sh" clients ) >"$work/fresh.txt"
scripts/clients/generated-files.sh clients >"$work/committed.txt"
stale=0
diff -u "$work/committed.txt" "$work/fresh.txt" || stale=1
while read -r f; do
  [ ! -f "$f" ] || cmp -s "$f" "$work/gen/$f" || { diff -u "$f" "$work/gen/$f" | head -20; stale=1; }
done <"$work/fresh.txt"
if [ "$stale" = 1 ]; then
  echo "generated code is out of date: run scripts/clients/generate.sh and commit the result" >&2
  exit 1
fi
echo "$(wc -l <"$work/fresh.txt") generated files up to date"

step "buf lint"
"$buf" lint

step "buf breaking"
# Compare with main as it was before this change. When there is an origin,
# fetch its main (a fresh clone has no local main branch to compare with, and
# a stale one would hide changes). When HEAD is that main (CI checks main
# itself), the nearest earlier state is HEAD~1. BUF_BREAKING_AGAINST overrides
# both, e.g. '.git#ref=v1.0.0'. With no earlier commit that has proto/, there
# is nothing an existing client could break on, so the check is skipped.
against=${BUF_BREAKING_AGAINST:-}
if [ -z "$against" ]; then
  base=
  if git remote get-url origin >/dev/null 2>&1 && timeout 60 git fetch --quiet origin main 2>/dev/null; then
    base=$(git rev-parse FETCH_HEAD)
  elif git rev-parse --verify --quiet refs/heads/main >/dev/null; then
    base=$(git rev-parse refs/heads/main)
  fi
  if [ -z "$base" ] || [ "$base" = "$(git rev-parse HEAD)" ]; then
    base=$(git rev-parse --verify --quiet HEAD~1 || true)
  fi
  if [ -n "$base" ] && git cat-file -e "$base:proto" 2>/dev/null; then
    against=".git#ref=$base"
  fi
fi
if [ -n "$against" ]; then
  echo "against $against"
  "$buf" breaking --against "$against"
else
  echo "skipped: no earlier commit with proto/ to compare with"
fi

step "live service"
# INBOUNDFLOW_BIN is used as it is; otherwise the service is built (a no-op
# when up to date), so a binary older than the API is never tested.
bin=${INBOUNDFLOW_BIN:-}
if [ -z "$bin" ]; then
  cargo build --quiet --bin inboundflow-webhooks
  bin=${CARGO_TARGET_DIR:-target}/debug/inboundflow-webhooks
fi
db=sqlite://$work/db.sqlite
# Every call but health needs an API key. The first one is made on the
# database directly; the operator key acts for any organization, so each
# suite uses its own organizations, and makes the other keys it needs through
# the API. Only the key goes to stdout.
api_key=$("$bin" keys create --role operator --name "client SDK tests" --database-url "$db" 2>"$work/keys.log") ||
  { cat "$work/keys.log" >&2; echo "cannot create the operator API key" >&2; exit 1; }
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
addr=127.0.0.1:$port
"$bin" serve --listen "$addr" --database-url "$db" \
  --allow-private-targets --retry-schedule 200ms,200ms >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do
  if ! kill -0 "$server_pid" 2>/dev/null; then cat "$work/server.log" >&2; echo "service exited" >&2; exit 1; fi
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
  sleep 0.1
done
(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { cat "$work/server.log" >&2; echo "service not listening after 10 s" >&2; exit 1; }
echo "serving on $addr, with an operator API key"
export INBOUNDFLOW_E2E_ADDR=$addr INBOUNDFLOW_E2E_API_KEY=$api_key
show_server_log() { echo "--- service log" >&2; tail -50 "$work/server.log" >&2; }
trap 'show_server_log' ERR

step "go"
(
  cd clients/go
  go vet ./...
  go test -count=1 -v ./... >"$work/go.log" 2>&1 || { cat "$work/go.log"; exit 1; }
  grep -E '^(ok|FAIL|---)' "$work/go.log" || true
  echo "go: $(grep -cE '^\s*--- PASS' "$work/go.log") passed"
  INBOUNDFLOW_API_KEY=$api_key go run ./examples/quickstart -addr "$addr" -insecure -org org_go_quickstart >/dev/null
  echo "go quickstart ok"
)
INBOUNDFLOW_API_KEY=$api_key scripts/clients/separate-project.sh go

step "python"
(
  py=$root/.tools/venv/bin/python
  # A real (non-editable) install, so the tests import what users would get.
  "$py" -m pip install --quiet --disable-pip-version-check --no-build-isolation --force-reinstall --no-deps ./clients/python
  cd clients/python
  "$py" -m mypy src/inboundflow examples
  "$py" -m pytest -q -p no:cacheprovider | tee "$work/python.log"
  INBOUNDFLOW_API_KEY=$api_key "$py" examples/quickstart.py --addr "$addr" --insecure --org org_py_quickstart >/dev/null
  echo "python quickstart ok"
)
INBOUNDFLOW_API_KEY=$api_key scripts/clients/separate-project.sh python

step "typescript"
(
  cd clients/typescript
  npm run --silent build
  node --test dist/test/*.test.js >"$work/ts.log" 2>&1 || { cat "$work/ts.log"; exit 1; }
  grep -E '^# (tests|pass|fail|skipped)' "$work/ts.log" || true
  INBOUNDFLOW_API_KEY=$api_key node dist/examples/quickstart.js --addr "$addr" --insecure --org org_ts_quickstart >/dev/null
  echo "typescript quickstart ok"
)
INBOUNDFLOW_API_KEY=$api_key scripts/clients/separate-project.sh typescript

count() { grep -oE "$1" "$2" | grep -oE '[0-9]+' | tail -1; }
go_n=$(grep -cE '^\s*--- PASS' "$work/go.log")
py_n=$(count '[0-9]+ passed' "$work/python.log")
ts_n=$(count '^# pass [0-9]+' "$work/ts.log")
step "client SDKs: go $go_n, python $py_n, typescript $ts_n tests, and each installed in a separate project"
echo "clients: $((go_n + py_n + ts_n + 3)) passed, 0 failed"
