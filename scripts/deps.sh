#!/usr/bin/env bash
# Installs what translated needs to build and test, skipping what is already
# there. Usage: scripts/deps.sh [build|test]
#   build: what building and translating need (a C compiler and OpenBLAS for cgo)
#   test:  build, plus what the tests drive (headless Chromium for the HTML
#          export) and the Go tools the checks and tests run (go.mod's tool
#          lines: buf, and grpcurl into .bin/), built here so that no test
#          builds one under its timeout
set -euo pipefail
cd "$(dirname "$0")/.."

want=(gcc libc6-dev libopenblas-dev pkg-config)
if [ "${1:-build}" = test ]; then
  want+=(chromium fonts-dejavu-core)
fi

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { echo "deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    sudo=sudo
  fi
  echo "deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "${1:-build}" = test ]; then
  # go tool caches the built binary: only the first run builds it.
  go tool buf --version >/dev/null
  # The API examples and TLS tests run grpcurl from .bin/.
  scripts/grpcurl.sh
fi
