#!/usr/bin/env bash
# Regenerates the client SDKs' protobuf code from proto/ (see buf.gen.yaml).
#   scripts/clients/generate.sh          regenerate in place, under clients/
#   scripts/clients/generate.sh DIR      write to DIR/clients/... instead (test.sh
#                                        compares that with what is committed)
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/clients/install-tools.sh

out=${1:-.}
if [ "$out" = . ]; then
  # Files of a removed proto would otherwise linger.
  scripts/clients/generated-files.sh clients | xargs -r rm -f
fi
scripts/tools/node_modules/.bin/buf generate --template buf.gen.yaml --output "$out"
# google.rpc error details for TypeScript only (see that template).
scripts/tools/node_modules/.bin/buf generate --template clients/typescript/buf.gen.yaml --output "$out"
