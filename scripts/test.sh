#!/usr/bin/env bash
# Runs every check a change must pass: formatting, vet, the API's lint and
# compatibility (buf, against the committed baseline proto/baseline.json),
# the builds and engine tests without cgo, three replicas behind nginx
# (scripts/cluster-demo.sh), and the whole test suite with the race
# detector. Installs what the tests need first.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh test

unformatted=$(gofmt -l $(git ls-files '*.go' | grep -v '\.pb\.go$') 2>/dev/null || true)
if [ -n "$unformatted" ]; then
  echo "gofmt would change:" >&2
  echo "$unformatted" >&2
  exit 1
fi
go vet ./...
scripts/genproto.sh --api

# Without cgo (no C compiler, no OpenBLAS) every command builds for amd64
# and arm64, and the amd64 translate-cli translates. The engine's tests run
# on its pure-Go kernels (the purego tag: what arm64 and CPUs without AVX2
# run), and the trainer's on gonum's pure-Go BLAS.
nocgo=$(mktemp -d)
trap 'rm -rf "$nocgo"' EXIT
CGO_ENABLED=0 go build -o "$nocgo/" ./cmd/...
CGO_ENABLED=0 GOARCH=arm64 go build ./...
CGO_ENABLED=0 GOARCH=arm64 go vet ./...
got=$("$nocgo/translate-cli" translate "In the beginning God created the heaven and the earth.")
[ -n "$got" ] || { echo "the translate-cli built without cgo printed no translation" >&2; exit 1; }
CGO_ENABLED=0 go test -tags purego ./tokenize/... ./nmt/...

# Three replicas behind nginx: calls spread, streaming, draining on SIGTERM
# (docs/scaling.md).
scripts/cluster-demo.sh

go test -race -timeout 20m ./... "$@"
