#!/usr/bin/env bash
# Scores the rule-based peer, Apertium, on a split of the corpus with the
# same scorer as our models: translate-cli eval --hyps.
#
#   scripts/apertium_eval.sh [CORPUS_TSV] [test|dev] [en-es|es-en]
#
# Needs Debian's apertium-eng-spa. The split's books match nmt/align's.
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=${1:-../shared/corpus/bible.en-es.tsv}
split=${2:-test}
pair=${3:-en-es}
case $split in
  test) books="Ruth Jonah Hab Phil Jas 2Pet 1John" ;;
  dev) books="Joel Titus Col" ;;
  *) echo "split must be test or dev" >&2; exit 2 ;;
esac
case $pair in
  en-es) col=3 mode=eng-spa ;;
  es-en) col=4 mode=spa-eng ;;
  *) echo "pair must be en-es or es-en" >&2; exit 2 ;;
esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
awk -F'\t' -v books="$books" -v col="$col" 'BEGIN { n = split(books, b, " "); for (i = 1; i <= n; i++) keep[b[i]] = 1 }
  keep[$2] { print $col }' "$corpus" > "$tmp/src"
# -u: no marks on unknown words; one verse per line in and out.
apertium -u "$mode" < "$tmp/src" > "$tmp/hyp"
echo "Apertium $mode $(dpkg-query -W -f='${Version}' apertium-eng-spa 2>/dev/null)"
go run ./cmd/translate-cli eval --corpus "$corpus" --split "$split" --from "${pair%-*}" --to "${pair#*-}" --hyps "$tmp/hyp"
