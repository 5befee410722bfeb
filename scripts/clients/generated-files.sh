#!/usr/bin/env bash
# Lists the generated files under DIR (relative to the current directory):
# the names every plugin in buf.gen.yaml writes, and nothing written by hand.
set -euo pipefail
find "$1" -name node_modules -prune -o -name dist -prune -o -name build -prune -o -type f \( \
  -name '*.pb.go' -o -name '*_pb2.py' -o -name '*_pb2.pyi' -o -name '*_pb2_grpc.py' -o -name '*_pb.ts' \
  \) -print | LC_ALL=C sort
