#!/usr/bin/env bash
# Installs the Debian packages translated needs to build and test, skipping
# those already present. Usage: scripts/deps.sh [build|test]
#   build: what a cgo build needs (a C compiler and OpenBLAS, which training
#          uses); a CGO_ENABLED=0 build needs none of it and translates alike
#          (docs/architecture.md#building-with-and-without-cgo)
#   test:  build, plus what the tests drive (headless Chromium for the HTML export)
set -euo pipefail

want=(gcc libc6-dev libopenblas-dev pkg-config)
if [ "${1:-build}" = test ]; then
  want+=(chromium fonts-dejavu-core)
fi

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || { echo "deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo=sudo
fi
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
