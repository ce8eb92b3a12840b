#!/usr/bin/env bash
# Regenerates the Go code of the gRPC API (proto/translate/v1) with pinned
# generator versions, so that the committed *.pb.go files only change when
# the .proto files do. protoc comes from Debian's protobuf-compiler; the two
# Go plugins are installed from the Go module proxy into .bin/.
# Usage: scripts/genproto.sh [--check]   (--check: fail if the output differs)
set -euo pipefail
cd "$(dirname "$0")/.."

PROTOC_GEN_GO=v1.36.12      # google.golang.org/protobuf, as in go.mod
PROTOC_GEN_GO_GRPC=v1.6.2   # google.golang.org/grpc/cmd/protoc-gen-go-grpc

if ! command -v protoc >/dev/null; then
  echo "genproto: protoc not found; install Debian's protobuf-compiler" >&2
  exit 1
fi

bin="$PWD/.bin"
mkdir -p "$bin"
install_tool() { # name module version
  local stamp="$bin/.$1-$3"
  if [ ! -x "$bin/$1" ] || [ ! -e "$stamp" ]; then
    GOBIN="$bin" GOFLAGS=-mod=mod go install "$2@$3"
    rm -f "$bin/.$1-"*
    touch "$stamp"
  fi
}
install_tool protoc-gen-go google.golang.org/protobuf/cmd/protoc-gen-go "$PROTOC_GEN_GO"
install_tool protoc-gen-go-grpc google.golang.org/grpc/cmd/protoc-gen-go-grpc "$PROTOC_GEN_GO_GRPC"

out=proto
if [ "${1:-}" = --check ]; then
  out=$(mktemp -d)
  trap 'rm -rf "$out"' EXIT
fi

PATH="$bin:$PATH" protoc -I proto \
  --go_out="$out" --go_opt=paths=source_relative \
  --go-grpc_out="$out" --go-grpc_opt=paths=source_relative \
  proto/translate/v1/*.proto

if [ "${1:-}" = --check ]; then
  for f in "$out"/translate/v1/*.go; do
    if ! cmp -s "$f" "proto/translate/v1/$(basename "$f")"; then
      echo "genproto: proto/translate/v1/$(basename "$f") is stale; run scripts/genproto.sh" >&2
      exit 1
    fi
  done
fi
