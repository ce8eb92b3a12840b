#!/usr/bin/env bash
# Regenerates the Go code of the gRPC API (proto/translate/v1) with pinned
# generator versions, so that the committed generated files only change
# when the .proto files do, and refreshes proto/baseline.json, the image of
# the committed API that `buf breaking` compares every change with. protoc
# comes from Debian's protobuf-compiler; protoc-gen-go and
# protoc-gen-go-grpc are installed from the Go module proxy into .bin/;
# buf, protoc-gen-grpc-gateway and protoc-gen-openapiv2 are go.mod's tools,
# built into .bin/ at go.mod's versions. The HTTP/JSON gateway
# (translate.pb.gw.go) and the OpenAPI description
# (translate.swagger.json) come from the google.api.http options; their
# google/api/*.proto imports are vendored in proto/google/api.
#
# v1 is settled: a change that breaks it (a field renamed, renumbered,
# removed or retyped, an RPC removed, ...) is refused here and by
# scripts/test.sh. Add fields and RPCs instead, or start translate.v2.
#
# Usage: scripts/genproto.sh [--check | --api]
#   (none)   lint, check compatibility, regenerate, refresh the baseline
#   --check  also fail if the committed code or baseline is stale
#   --api    only lint, check compatibility and the baseline's freshness
#            (buf alone, no protoc: what scripts/test.sh runs)
set -euo pipefail
cd "$(dirname "$0")/.."

PROTOC_GEN_GO=v1.36.12      # google.golang.org/protobuf, as in go.mod
PROTOC_GEN_GO_GRPC=v1.6.2   # google.golang.org/grpc/cmd/protoc-gen-go-grpc
baseline=proto/baseline.json
mode="${1:-}"

# The API: buf.yaml's lint rules, no breaking change against the baseline,
# and (--check, --api) a baseline that is the image of the proto files.
go tool buf lint
if [ -e "$baseline" ] && ! go tool buf breaking --against "$baseline"; then
  echo "genproto: the change above breaks the v1 API that $baseline holds; add fields or RPCs instead" >&2
  exit 1
fi
image=$(mktemp)
trap 'rm -f "$image"' EXIT
go tool buf build --exclude-source-info -o "$image#format=json"
if [ -n "$mode" ] && ! cmp -s "$image" "$baseline"; then
  echo "genproto: $baseline is stale; run scripts/genproto.sh" >&2
  exit 1
fi
[ "$mode" = --api ] && exit 0

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
# go.mod's tools: go build -o keeps the binary where protoc finds it.
for tool in protoc-gen-grpc-gateway protoc-gen-openapiv2; do
  go build -o "$bin/$tool" "github.com/grpc-ecosystem/grpc-gateway/v2/$tool"
done

out=proto
if [ "$mode" = --check ]; then
  out=$(mktemp -d)
  trap 'rm -rf "$out" "$image"' EXIT
fi

PATH="$bin:$PATH" protoc -I proto \
  --go_out="$out" --go_opt=paths=source_relative \
  --go-grpc_out="$out" --go-grpc_opt=paths=source_relative \
  --grpc-gateway_out="$out" --grpc-gateway_opt=paths=source_relative \
  --openapiv2_out="$out" \
  proto/translate/v1/*.proto

if [ "$mode" = --check ]; then
  for f in "$out"/translate/v1/*.go "$out"/translate/v1/*.json; do
    if ! cmp -s "$f" "proto/translate/v1/$(basename "$f")"; then
      echo "genproto: proto/translate/v1/$(basename "$f") is stale; run scripts/genproto.sh" >&2
      exit 1
    fi
  done
  exit 0
fi
cat "$image" >"$baseline"
