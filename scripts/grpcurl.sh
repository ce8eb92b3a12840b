#!/usr/bin/env bash
# Runs grpcurl, the command-line gRPC client that docs/api.md uses,
# installing a pinned version into .bin/ from the Go module proxy first.
# Usage: scripts/grpcurl.sh [grpcurl arguments]   (no arguments: install only)
set -euo pipefail
cd "$(dirname "$0")/.."

GRPCURL=v1.9.3

bin="$PWD/.bin"
if [ ! -x "$bin/grpcurl" ] || [ ! -e "$bin/.grpcurl-$GRPCURL" ]; then
  mkdir -p "$bin"
  GOBIN="$bin" GOFLAGS=-mod=mod go install "github.com/fullstorydev/grpcurl/cmd/grpcurl@$GRPCURL"
  rm -f "$bin"/.grpcurl-*
  touch "$bin/.grpcurl-$GRPCURL"
fi
[ $# -eq 0 ] && exit 0
cd - >/dev/null
exec "$bin/grpcurl" "$@"
