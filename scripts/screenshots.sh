#!/usr/bin/env bash
# Takes the pictures of the web page that docs/ shows (docs/page-translate.png,
# docs/page-align.png, docs/page-phone.png): headless Chromium against a
# server of the shipped models, translating a sentence with three
# alternatives, then aligning it with a given translation, a word hovered
# in each. It runs TestScreenshots of cmd/translated/gateway; Chromium comes
# from scripts/deps.sh test.
#
# Usage: scripts/screenshots.sh [models directory, default checkpoints]
set -euo pipefail
cd "$(dirname "$0")/.."
models="${1:-checkpoints}"
case "$models" in /*) ;; *) models="$PWD/$models" ;; esac
go test ./cmd/translated/gateway -run '^TestScreenshots$' -count=1 -v \
  -args -screenshots "$PWD/docs" -screenshot-models "$models"
