#!/usr/bin/env bash
# Installs what translated needs to build and test, skipping what is already
# there. Usage: scripts/deps.sh [build|test]
#   build: what a cgo build needs (a C compiler and OpenBLAS, which training
#          uses); a CGO_ENABLED=0 build needs none of it and translates alike
#          (docs/architecture.md#building-with-and-without-cgo)
#   test:  build, plus what the tests and demos drive (headless Chromium for
#          the HTML export and the web page; Node and the npm package
#          libretranslate, pinned by its package-lock.json, for the
#          LibreTranslate API; nginx as the gRPC balancer of
#          scripts/cluster-demo.sh) and the Go tools the checks run (go.mod's
#          tool lines: buf, and grpcurl into .bin/), built here so that no test builds one
set -euo pipefail
cd "$(dirname "$0")/.."

want=(gcc libc6-dev libopenblas-dev pkg-config)
if [ "${1:-build}" = test ]; then
  want+=(chromium fonts-dejavu-core nodejs nginx)
fi

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# npm: Debian's package, unless the Node installed brings its own.
if [ "${1:-build}" = test ] && ! command -v npm >/dev/null; then
  missing+=(npm)
fi
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
  # grpcurl, pinned, into .bin/ for the API examples' test, so that the
  # test finds it built and never builds it under its own timeout.
  scripts/grpcurl.sh
  # The LibreTranslate client the gateway's tests run, at the versions
  # package-lock.json pins; npm ci only when they are not there yet.
  lt=cmd/translated/gateway/testdata/libretranslate
  sum=$(sha256sum <"$lt/package-lock.json")
  if [ "$(cat "$lt/node_modules/.lock-sum" 2>/dev/null)" != "$sum" ]; then
    npm ci --prefix "$lt" --no-audit --no-fund --loglevel=error
    echo "$sum" >"$lt/node_modules/.lock-sum"
  fi
fi
