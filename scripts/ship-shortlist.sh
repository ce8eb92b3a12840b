#!/usr/bin/env bash
# Builds the vocabulary shortlist of a general-domain model and ships it in
# its directory: checkpoints/<pair>/shortlist.gz, learnt with translate-cli
# shortlist (IBM Model 1 over the model's own tokens, its defaults) from what
# the trainer reads, the general training corpus and the Bible's training
# books (never a dev or test line), and adds its section to the model card (README.md) when the card
# has none. translated --shortlist and translate-cli --shortlist model
# decode with it.
#
#   scripts/ship-shortlist.sh PAIR         # en-es or es-en
#   scripts/ship-shortlist.sh --card PAIR  # print the card's section only
#
# TRAIN (default runs/general/train.tsv: id, book, English, Spanish) is the
# general corpus, CORPUS (default ../shared/corpus) the directory of
# bible.en-es.tsv; OUT (default checkpoints/PAIR) the model directory.
set -euo pipefail
cd "$(dirname "$0")/.."

card() {
  echo "## Vocabulary shortlist"
  echo
  echo "\`shortlist.gz\`: for each source token, the target tokens likely to"
  echo "translate it, and the 100 most frequent target tokens (IBM Model 1 over"
  echo "this model's tokens, 5 iterations, up to 100 candidates per source token"
  echo "above t = 0.001), learnt from what the trainer reads: the general"
  echo "training corpus (\`runs/general/train.tsv\`) and the Bible's training"
  echo "books, never a dev or test line. \`scripts/ship-shortlist.sh $1\` runs"
  echo
  echo '```'
  echo "cut -f3,4 runs/general/train.tsv > train.en-es.tsv"
  echo "translate-cli shortlist --model checkpoints/$1 --from ${1%-*} --to ${1#*-} \\"
  echo "  --corpus train.en-es.tsv,../shared/corpus/bible.en-es.tsv --split train -o checkpoints/$1/shortlist.gz"
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
bin/translate-cli shortlist --model "$out" --from "${pair%-*}" --to "${pair#*-}" \
  --corpus "$tmp/train.en-es.tsv,${CORPUS:-../shared/corpus}/bible.en-es.tsv" --split train -o "$out/shortlist.gz"
# The card's section, in place of the one it has, if any.
card "$pair" > "$tmp/section.md"
awk -v section="$tmp/section.md" '
  /^## Vocabulary shortlist/ { skip = 1; next }
  skip && /^## / { skip = 0 }
  skip { next }
  /^## Data and attribution/ && !done { while ((getline l < section) > 0) print l; done = 1 }
  { print }
  END { if (!done) while ((getline l < section) > 0) print l }
' "$out/README.md" > "$tmp/README.md"
cp "$tmp/README.md" "$out/README.md"
echo "shipped $out/shortlist.gz ($(du -k "$out/shortlist.gz" | cut -f1) KB)"
