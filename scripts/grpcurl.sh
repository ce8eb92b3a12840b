#!/usr/bin/env bash
# Runs grpcurl, the command-line gRPC client that docs/api.md uses, built
# into .bin/ from the version go.mod pins as a Go tool dependency
# (go get -tool github.com/fullstorydev/grpcurl/cmd/grpcurl@vX).
# Usage: scripts/grpcurl.sh [grpcurl arguments]   (no arguments: build only)
set -euo pipefail
cd "$(dirname "$0")/.."

bin="$PWD/.bin"
# go build is quick once the build cache holds it.
go build -o "$bin/grpcurl" github.com/fullstorydev/grpcurl/cmd/grpcurl
[ $# -eq 0 ] && exit 0
cd - >/dev/null
exec "$bin/grpcurl" "$@"
