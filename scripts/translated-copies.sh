#!/usr/bin/env bash
# Makes translated copies of the training pairs of a corpus, extra training
# data for translate-cli train --extra (docs/training.md#translated-copies):
#
#   OUT/back.tsv     the target side translated back by the model of the
#                    opposite direction (a machine-made source, the real target)
#   OUT/forward.tsv  the source side translated by the model of this
#                    direction (the real source, a machine-made target)
#
#   scripts/translated-copies.sh PAIR OUT [CORPUS_TSV]
#
# PAIR is en-es or es-en; the models are the Bible-domain ones,
# checkpoints/PAIR-bible and its reverse,
# beam 4, each verse as one unit. Dev and test books are never read. The
# translations are kept in OUT/*.txt and reused when present (delete them to
# translate again). A copy whose length is under 0.6 or over 1.6 times the
# text it replaces is left out (a truncated or runaway translation), and so
# are the copies of a Psalm verse whose Spanish opens with its title
# (--trim-bible-extras cuts the title from the Spanish, not its translation).
set -euo pipefail
cd "$(dirname "$0")/.."
pair=${1:?usage: scripts/translated-copies.sh PAIR OUT [CORPUS_TSV]}
out=${2:?usage: scripts/translated-copies.sh PAIR OUT [CORPUS_TSV]}
corpus=${3:-../shared/corpus/bible.en-es.tsv}
case $pair in
  en-es) src=3 tgt=4 ;;
  es-en) src=4 tgt=3 ;;
  *) echo "pair must be en-es or es-en" >&2; exit 2 ;;
esac
from=${pair%-*} to=${pair#*-}
mkdir -p "$out"
go build -o bin/translate-cli ./cmd/translate-cli

# The corpus's columns: id, book, English, Spanish. Held-out books as in
# translate-cli train's defaults.
held="Ruth Jonah Hab Phil Jas 2Pet 1John Joel Titus Col"
awk -F'\t' -v held="$held" 'BEGIN { n = split(held, b, " "); for (i = 1; i <= n; i++) skip[b[i]] = 1 }
  !skip[$2]' "$corpus" > "$out/train.tsv"
cut -f"$src" "$out/train.tsv" > "$out/source.txt"
cut -f"$tgt" "$out/train.tsv" > "$out/target.txt"

translate() { # FROM TO INPUT OUTPUT
  if [[ -s $4 && $(wc -l < "$4") == $(wc -l < "$3") ]]; then
    echo "$4: kept from an earlier run"
    return
  fi
  echo "translating $3 ($1→$2) into $4"
  bin/translate-cli translate --model "$1-$2-bible" --whole-lines --beam 4 < "$3" > "$4.part"
  mv "$4.part" "$4"
}
translate "$to" "$from" "$out/target.txt" "$out/back.txt"
translate "$from" "$to" "$out/source.txt" "$out/forward.txt"

# Writes the pairs in the corpus's column order, English in column 3.
paste "$out/train.tsv" "$out/back.txt" "$out/forward.txt" | awk -F'\t' -v OFS='\t' -v src="$src" -v tgt="$tgt" \
  -v back="$out/back.tsv" -v fwd="$out/forward.tsv" '
  function fits(made, real) { return made != "" && length(made) >= 0.6 * length(real) && length(made) <= 1.6 * length(real) }
  function emit(file, s, t) { if (src == 3) print $1, $2, s, t > file; else print $1, $2, t, s > file }
  {
    # The words a Psalm title opens with: titleHead in nmt/train/extras.go.
    title = ($2 == "Ps" && $4 ~ /^(Salmo|Al Músico|Masquil|Mictam|Sigaión|Oración|Cántico|Canción|Para|Aleph)([^[:alpha:]]|$)/)
    if (!title && fits($5, $src)) { emit(back, $5, $tgt); nb++ }
    if (!title && fits($6, $tgt)) { emit(fwd, $src, $6); nf++ }
  }
  END { printf "%d back-translated pairs, %d forward-translated pairs of %d\n", nb, nf, NR }'
