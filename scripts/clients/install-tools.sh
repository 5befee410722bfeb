#!/usr/bin/env bash
# Installs the client SDK toolchain at pinned versions into project-local,
# git-ignored places, and skips whatever is already there at that version:
#   buf                         scripts/tools/node_modules (pinned in scripts/tools/package.json)
#   protoc-gen-go(-grpc)        .tools/bin
#   grpcio-tools, pytest, mypy  .tools/venv (scripts/clients/requirements.txt)
#   protoc-gen-es, tsc          clients/typescript/node_modules (its package-lock.json)
set -euo pipefail
cd "$(dirname "$0")/../.."

PROTOC_GEN_GO_VERSION=v1.36.12
PROTOC_GEN_GO_GRPC_VERSION=v1.6.2

need() { command -v "$1" >/dev/null 2>&1 || { echo "missing required tool: $1 ($2)" >&2; exit 1; }; }
need go "Go 1.26 or later"
need python3 "Python 3.10 or later"
need npm "Node.js 20 or later with npm"

# npm ci only when the lockfile changed since the last install.
npm_ci() {
  local dir=$1
  if ! cmp -s "$dir/package-lock.json" "$dir/node_modules/.installed-lock" 2>/dev/null; then
    npm ci --prefix "$dir" --ignore-scripts --no-audit --no-fund --loglevel=error
    cp "$dir/package-lock.json" "$dir/node_modules/.installed-lock"
  fi
}
[ -x scripts/tools/node_modules/.bin/buf ] || npm_ci scripts/tools
npm_ci clients/typescript

# `protoc-gen-go --version` prints "protoc-gen-go v1.36.12", the grpc one
# "protoc-gen-go-grpc 1.6.2".
go_tool() {
  local name=$1 module=$2 version=$3
  if ! .tools/bin/"$name" --version 2>/dev/null | grep -qx "$name v\?${version#v}"; then
    GOBIN="$PWD/.tools/bin" go install "$module@$version"
  fi
}
go_tool protoc-gen-go google.golang.org/protobuf/cmd/protoc-gen-go "$PROTOC_GEN_GO_VERSION"
go_tool protoc-gen-go-grpc google.golang.org/grpc/cmd/protoc-gen-go-grpc "$PROTOC_GEN_GO_GRPC_VERSION"

if ! cmp -s scripts/clients/requirements.txt .tools/venv/.installed-requirements 2>/dev/null; then
  rm -rf .tools/venv
  python3 -m venv .tools/venv
  .tools/venv/bin/python -m pip install --quiet --disable-pip-version-check -r scripts/clients/requirements.txt
  cp scripts/clients/requirements.txt .tools/venv/.installed-requirements
fi
