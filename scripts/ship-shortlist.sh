#!/usr/bin/env bash
# Builds the vocabulary shortlist of a general-domain model and ships it in
# its directory: checkpoints/<pair>/shortlist.gz, learnt with translate-cli
# shortlist (IBM Model 1 over the model's own tokens, its defaults) from the
# general training corpus, the file the trainer reads (never a dev or test
# line), and adds its section to the model card (README.md) when the card
# has none. translated --shortlist and translate-cli --shortlist model
# decode with it.
#
#   scripts/ship-shortlist.sh PAIR         # en-es or es-en
#   scripts/ship-shortlist.sh --card PAIR  # print the card's section only
#
# TRAIN (default runs/general/train.tsv: id, book, English, Spanish) is the
# corpus; OUT (default checkpoints/PAIR) the model directory.
set -euo pipefail
cd "$(dirname "$0")/.."

card() {
  echo "## Vocabulary shortlist"
  echo
  echo "\`shortlist.gz\`: for each source token, the target tokens likely to"
  echo "translate it, and the 100 most frequent target tokens (IBM Model 1 over"
  echo "this model's tokens, 5 iterations, up to 100 candidates per source token"
  echo "above t = 0.001), learnt from the general training corpus"
  echo "(\`runs/general/train.tsv\`, the file the trainer reads; never a dev or"
  echo "test line) with \`scripts/ship-shortlist.sh $1\`, which runs"
  echo
  echo '```'
  echo "cut -f3,4 runs/general/train.tsv > train.en-es.tsv"
  echo "translate-cli shortlist --model checkpoints/$1 --from ${1%-*} --to ${1#*-} --corpus train.en-es.tsv -o checkpoints/$1/shortlist.gz"
  echo '```'
  echo
  echo "\`translated --shortlist\` and \`translate-cli translate|eval --shortlist"
  echo "model\` decode with it: each sentence may produce only its own source"
  echo "tokens' candidates, the frequent tokens and the end of sentence. Quality"
  echo "and speed with and without it:"
  echo "docs/performance.md#vocabulary-shortlists-in-the-batched-lanes."
  echo
}

if [ "${1:-}" = --card ]; then
  card "$2"
  exit 0
fi
pair=${1:?usage: scripts/ship-shortlist.sh PAIR}
case $pair in en-es | es-en) ;; *) echo "ship-shortlist: PAIR must be en-es or es-en" >&2; exit 2 ;; esac
out=${OUT:-checkpoints/$pair}
train=${TRAIN:-runs/general/train.tsv}
go build -o bin/translate-cli ./cmd/translate-cli
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# translate-cli reads a two-column file (English, Spanish) as it is.
cut -f3,4 "$train" > "$tmp/train.en-es.tsv"
bin/translate-cli shortlist --model "$out" --from "${pair%-*}" --to "${pair#*-}" --corpus "$tmp/train.en-es.tsv" -o "$out/shortlist.gz"
if ! grep -q '^## Vocabulary shortlist' "$out/README.md"; then
  card "$pair" > "$tmp/section.md"
  awk -v section="$tmp/section.md" '
    /^## Data and attribution/ && !done { while ((getline l < section) > 0) print l; done = 1 }
    { print }
    END { if (!done) while ((getline l < section) > 0) print l }
  ' "$out/README.md" > "$tmp/README.md"
  cp "$tmp/README.md" "$out/README.md"
fi
echo "shipped $out/shortlist.gz ($(du -k "$out/shortlist.gz" | cut -f1) KB)"
