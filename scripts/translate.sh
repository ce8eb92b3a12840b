#!/usr/bin/env bash
# Builds translate-cli (installing the Debian packages it needs first) and
# translates its arguments, or standard input one sentence per line, with
# the shipped English→Spanish model. Extra flags go to `translate-cli
# translate`, e.g. scripts/translate.sh --from es --to en "Dios es amor."
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/deps.sh" build
mkdir -p "$root/bin"
(cd "$root" && go build -o bin/translate-cli ./cmd/translate-cli)
cd "$root"
exec bin/translate-cli translate "$@"
