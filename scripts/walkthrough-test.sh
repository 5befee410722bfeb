#!/usr/bin/env bash
# Runs README.md's grpcurl walkthrough (the block between the walkthrough
# markers) against a live server and a local receiver, so the docs cannot rot.
# Fails if any command fails or the receiver did not get the webhooks.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export PATH="$root/.tools/bin:$PATH"
command -v grpcurl >/dev/null || { echo "grpcurl missing: run scripts/install-tools.sh" >&2; exit 1; }

work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
grpc_port=$(free_port)
hook_port=$(free_port)

python3 scripts/dev-receiver.py "$hook_port" --secret-file "$work/.tryout-secret" >"$work/receiver.log" 2>&1 &
pids+=($!)
cargo build --quiet --bin inboundflow-webhooks
bin="${CARGO_TARGET_DIR:-$root/target}/debug/inboundflow-webhooks"
# The walkthrough's `keys create` and the service share one database.
export INBOUNDFLOW_DATABASE_URL="sqlite://$work/walkthrough.db"
"$bin" serve --allow-private-targets --listen "127.0.0.1:$grpc_port" >"$work/server.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
  grpcurl -plaintext "127.0.0.1:$grpc_port" grpc.health.v1.Health/Check >/dev/null 2>&1 && break
  sleep 0.1
done

# The README uses the default ports and a release build; point them at this run's.
sed -n '/<!-- walkthrough:start -->/,/<!-- walkthrough:end -->/p' README.md \
  | sed '/^```/d; /^<!--/d' \
  | sed "s/localhost:50051/127.0.0.1:$grpc_port/g; s/127.0.0.1:8081/127.0.0.1:$hook_port/g" \
  | sed "s#cargo run --release --quiet --#$bin#g" \
  >"$work/walkthrough.sh"
# Twice in a row against one server and one receiver, as a reader may paste it.
for run in 1 2; do
  (cd "$work" && bash walkthrough.sh) >"$work/out.txt" 2>&1 || {
    cat "$work/out.txt" "$work/server.log" >&2
    echo "walkthrough run $run failed" >&2
    exit 1
  }
  grep -q '"status": "DELIVERY_STATUS_SUCCEEDED"' "$work/out.txt" || { cat "$work/out.txt" >&2; echo "run $run: no succeeded delivery in the walkthrough output" >&2; exit 1; }
done
grep -c -- '--- call.completed' "$work/receiver.log" | grep -qx 4 || { cat "$work/receiver.log" >&2; echo "the receiver did not get 2 tests and 2 emits of call.completed" >&2; exit 1; }
if grep -q 'signature: INVALID\|signature: not checked' "$work/receiver.log"; then
  cat "$work/receiver.log" >&2; echo "a webhook was not verified" >&2; exit 1
fi
echo "walkthrough: ok, twice ($(grep -c '^signature: valid' "$work/receiver.log") webhooks received and verified)"
