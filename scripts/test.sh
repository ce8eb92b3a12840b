#!/usr/bin/env bash
# Runs every check a change must pass: formatting, vet, the API's lint and
# compatibility (buf, against the committed baseline proto/baseline.json),
# and the whole test suite with the race detector. Installs what the tests
# need first.
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
go test -race -timeout 20m ./... "$@"
