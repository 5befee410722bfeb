#!/usr/bin/env bash
# Runs every block of README.md's Runbook (those after a `<!-- runbook:NAME -->`
# marker) against live services, in the order an on-call engineer meets them:
#
# - one SQLite instance, started with README's example configuration file,
#   whose receiver is made to fail until its subscription is disabled:
#   setup, disabled, backlog, (receiver fixed) reactivate, missed,
#   upgrade-sqlite;
# - two PostgreSQL instances sharing a database, upgraded one at a time while
#   deliveries go on: backlog-postgres, upgrade-postgres, upgrade-instance.
#
# The blocks run in this shell, so the variables they set (PID) and read (SUB,
# DELIVERY, set here the way a reader would copy them from earlier output)
# carry over. PostgreSQL is the cluster in INBOUNDFLOW_TEST_POSTGRES_URL, or a
# throwaway one from scripts/postgres.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export PATH="$root/.tools/bin:$PATH"
command -v grpcurl >/dev/null || { echo "grpcurl missing: run scripts/install-tools.sh" >&2; exit 1; }
if ! command -v sqlite3 >/dev/null; then
  [ "$(id -u)" -eq 0 ] || { echo "sqlite3 missing: apt-get install sqlite3" >&2; exit 1; }
  echo "runbook-test: installing sqlite3 (Debian's package)" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sqlite3 >&2 \
    || { apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sqlite3 >&2; }
fi

work=$(mktemp -d)
pids=()
pg_dir=
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  if [ -n "$pg_dir" ]; then "$root/scripts/postgres.sh" stop "$pg_dir" || true; rm -rf "$pg_dir"; fi
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
fail() {
  echo "runbook-test: $*" >&2
  for log in "$work"/*.out "$work"/*.log "$work"/pg/*.out "$work"/pg/*.log; do
    [ -f "$log" ] && { echo "--- $log" >&2; tail -n 40 "$log" >&2; }
  done
  exit 1
}

cargo build --quiet --bin inboundflow-webhooks
# README calls the binary by name; a copy, as the upgrade restarts it.
mkdir -p "$work/bin"
cp "${CARGO_TARGET_DIR:-$root/target}/debug/inboundflow-webhooks" "$work/bin/"
export PATH="$work/bin:$PATH"
for name in SERVER API_KEY ORGANIZATION CONFIG DATABASE_URL LISTEN SECRET_KEYS; do unset "INBOUNDFLOW_$name"; done

# The text of README block NAME, pointed at this run's port.
block() {
  sed -n "/^<!-- runbook:$1 -->\$/,/^\`\`\`\$/p" "$root/README.md" | sed '1,2d;$d' \
    | sed "s/localhost:50051/127.0.0.1:$grpc_port/g"
}
# Runs block NAME here (its variables carry over); its output goes to NAME.out.
run_block() {
  local text
  text=$(block "$1")
  [ -n "$text" ] || fail "README has no runbook block '$1'"
  echo "runbook-test: $1" >&2
  eval "$text" >"$work/$1.out" 2>&1 || fail "block '$1' failed"
}
expect() { grep -q -- "$2" "$work/$1.out" || fail "block '$1' did not show '$2'"; }
# Polls `$1` (a shell condition) for up to 30 s.
wait_for() {
  for _ in $(seq 150); do eval "$1" && return 0; sleep 0.2; done
  fail "timed out waiting for: $1"
}
# `json_field '["a"]["b"]'`: that field of the JSON on standard input.
json_field() { python3 -c "import json,sys; print(eval('json.load(sys.stdin)' + sys.argv[1]))" "$1"; }
count() { python3 -c "import json,sys; print(len(json.load(sys.stdin)[sys.argv[1]]))" "$1"; }
healthy() { grpcurl -plaintext "$1" grpc.health.v1.Health/Check 2>/dev/null | grep -q SERVING; }

# ---------------------------------------------------------------- SQLite
grpc_port=$(free_port)
hook_port=$(free_port)
cd "$work"
echo 500 >status
python3 "$root/scripts/dev-receiver.py" "$hook_port" --status-file status >receiver.log 2>&1 &
pids+=($!)
sed -n '/^<!-- config-example -->$/,/^```$/p' "$root/README.md" | sed '1,2d;$d' \
  | sed "s/127.0.0.1:50051/127.0.0.1:$grpc_port/" >inboundflow-webhooks.toml
grep -q "^listen = \"127.0.0.1:$grpc_port\"" inboundflow-webhooks.toml || fail "README has no config-example block"
# Fast retries and an early disabling, over the file (the environment wins).
export INBOUNDFLOW_RETRY_SCHEDULE=1s,1s,1s INBOUNDFLOW_FAILURE_THRESHOLD=3 INBOUNDFLOW_ALLOW_PRIVATE_TARGETS=true
inboundflow-webhooks serve --config inboundflow-webhooks.toml >server.log 2>&1 &
PID=$!
pids+=($PID)
wait_for "healthy 127.0.0.1:$grpc_port"

run_block setup
[ "$INBOUNDFLOW_ORGANIZATION" = org_1 ] || fail "setup did not name org_1"
SUB=$(grpcurl -plaintext -H "authorization: Bearer $INBOUNDFLOW_API_KEY" -d @ "127.0.0.1:$grpc_port" \
  inboundflow.webhooks.v1.SubscriptionService/CreateSubscription <<JSON | json_field '["subscription"]["id"]'
{"organization_id": "org_1", "subscription": {"url": "http://127.0.0.1:$hook_port/hook",
 "integration": "INTEGRATION_ZAPIER", "event_types": ["EVENT_TYPE_CALL_COMPLETED"]}}
JSON
)
FIRST_EVENT=$(inboundflow-webhooks emit-sample --json | json_field '["event"]["id"]')
DELIVERY=$(inboundflow-webhooks deliveries list --event "$FIRST_EVENT" --json | json_field '["deliveries"][0]["id"]')
sub_status() { inboundflow-webhooks subscriptions get "$SUB" --json | json_field '["subscription"]["status"]'; }
wait_for '[ "$(sub_status)" = SUBSCRIPTION_STATUS_DISABLED ]'
# Emitted while disabled: no delivery for SUB until a replay.
MISSED_EVENT=$(inboundflow-webhooks emit-sample --json | json_field '["event"]["id"]')

run_block disabled
expect disabled "$SUB"
expect disabled "disabled (too many failures)"
expect disabled "http status"
expect disabled "$DELIVERY"

run_block backlog
expect backlog '"status": "SERVING"'
expect backlog "org_1|${SUB//-/}|1|"
expect backlog "pending"

echo 200 >status
run_block reactivate
expect reactivate "success *yes"
expect reactivate "status *enabled"
pending_gone() { inboundflow-webhooks deliveries list --subscription "$SUB" --status pending | grep -q '^no deliveries$'; }
wait_for pending_gone

EVENT=$MISSED_EVENT
run_block missed
expect missed "succeeded"
expect missed "new deliveries *1"
received() { [ "$(grep -c -- '^--- ' "$work/receiver.log")" -ge "$1" ]; }
# The first event: three failures, the attempt after reactivation, the
# redelivery; the test; the replayed event.
wait_for "received 7"
wait_for pending_gone

run_block upgrade-sqlite
pids+=($PID)
expect upgrade-sqlite '"status": "SERVING"'
expect upgrade-sqlite "$SUB"
[ -f backup/inboundflow-webhooks.db ] && [ -f backup/inboundflow-webhooks.db.key ] || fail "no backup made"
kill -TERM "$PID"
wait "$PID" || true

# ------------------------------------------------------------ PostgreSQL
pg_url=${INBOUNDFLOW_TEST_POSTGRES_URL:-}
if [ -z "$pg_url" ]; then
  # Not under $work: the cluster's owner must reach it.
  pg_dir=$(mktemp -d)
  pg_url=$(cd / && "$root/scripts/postgres.sh" start "$pg_dir")
fi
database="runbook_$(date +%s)_$$"
psql "$pg_url" -q -c "CREATE DATABASE $database" >/dev/null
DATABASE_URL=$(python3 -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/" + sys.argv[2])))' "$pg_url" "$database")
mkdir -p "$work/pg" && cd "$work/pg"
cat >inboundflow-webhooks.toml <<TOML
database-url = "$DATABASE_URL"
secret-keys = "k1:$(head -c 32 /dev/urandom | base64)"
allow-private-targets = true
TOML
first=127.0.0.1:$(free_port)
second=127.0.0.1:$(free_port)
inboundflow-webhooks migrate --config inboundflow-webhooks.toml >migrate.log 2>&1
inboundflow-webhooks serve --config inboundflow-webhooks.toml --listen "$first" >first.log 2>&1 &
first_pid=$!
pids+=($first_pid)
inboundflow-webhooks serve --config inboundflow-webhooks.toml --listen "$second" >second.log 2>&1 &
second_pid=$!
pids+=($second_pid)
wait_for "healthy $first"
wait_for "healthy $second"
export INBOUNDFLOW_SERVER="http://$second"
export INBOUNDFLOW_API_KEY=$(inboundflow-webhooks keys create --role admin --organization org_1 --config inboundflow-webhooks.toml 2>/dev/null)
grpcurl -plaintext -H "authorization: Bearer $INBOUNDFLOW_API_KEY" -d @ "$second" \
  inboundflow.webhooks.v1.SubscriptionService/CreateSubscription >/dev/null <<JSON
{"subscription": {"url": "http://127.0.0.1:$hook_port/hook", "integration": "INTEGRATION_N8N",
 "event_types": ["EVENT_TYPE_LEAD_CREATED"]}}
JSON
inboundflow-webhooks emit-sample --event-type lead.created >/dev/null

run_block backlog-postgres
expect backlog-postgres "waiting"
run_block upgrade-postgres
expect upgrade-postgres "is up to date"
PID=$first_pid LISTEN=$first
run_block upgrade-instance
pids+=($PID)
# While the first restarts, the second keeps taking events, and back again.
inboundflow-webhooks emit-sample --event-type lead.created >/dev/null
PID=$second_pid LISTEN=$second
INBOUNDFLOW_SERVER="http://$first"
run_block upgrade-instance
pids+=($PID)
inboundflow-webhooks emit-sample --event-type lead.created >/dev/null
succeeded() {
  [ "$(inboundflow-webhooks deliveries list --status succeeded --json | count deliveries)" = 3 ]
}
wait_for succeeded
wait_for "received 10"

cd "$root"
echo "runbook: ok, every block run ($(grep -c '^--- ' "$work/receiver.log") webhooks received)"
