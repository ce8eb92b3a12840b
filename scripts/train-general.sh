#!/usr/bin/env bash
# Trains a general-domain model on the cleaned general corpus plus the
# Bible's training books, in the background-friendly way the shipped
# general models were trained (docs/training.md#general-domain-models).
#
#   scripts/train-general.sh PAIR RUN_DIR [--resume | more train flags]
#
# PAIR is en-es or es-en. CORPUS (default ../shared/corpus) is the corpus
# directory. KJV=1 (en-es only) adds the Bible's King James English as more
# source text for the same Spanish verses, guides the alignment with its
# Strong's links (those the alignment error rate is measured on) instead of
# the WEB's noisier ones, and supervises the head the Bible model aligns
# best with: layer 0, head 2, read shifted (the later stages of the en→es
# run, docs/training.md#general-domain-models). The cleaned training file and
# the dev file are made once in runs/general/ (cmd/corpus clean; the dev
# file is the first 500 lines of tatoeba-dev and of newstest2012, never
# trained on). Every Bible dev and test book is held out too. MORE=FILE
# adds the pairs of FILE (the corpus's three columns: source, English,
# Spanish; scripts/corpus/general.sh writes the later sources there),
# cleaned once into runs/general/more.tsv with the same held-out sets.
set -euo pipefail
cd "$(dirname "$0")/.."
pair=$1 run=$2
shift 2
corpus=${CORPUS:-../shared/corpus}
gen=$corpus/general
mkdir -p runs/general bin
held="$gen/dev/newstest2012.en-es.tsv,$gen/dev/tatoeba-dev.en-es.tsv,$gen/test/ntrex128.en-es.tsv,$gen/test/tatoeba-test.en-es.tsv"
if [ ! -s runs/general/train.tsv ]; then
  go build -o bin/corpus ./cmd/corpus
  bin/corpus clean --out runs/general/train.tsv \
    --held-out "$held" \
    "$gen/train.en-es.tsv.gz" > runs/general/clean-report.md
fi
if [ -n "${MORE:-}" ] && [ ! -s runs/general/more.tsv ]; then
  go build -o bin/corpus ./cmd/corpus
  bin/corpus clean --out runs/general/more.tsv \
    --held-out "$held" \
    "$MORE" > runs/general/more-report.md
fi
if [ ! -s runs/general/dev.tsv ]; then
  { head -500 "$gen/dev/tatoeba-dev.en-es.tsv" | awk -F'\t' '{print "tatoeba-dev:" NR "\tTATOEBADEV\t" $1 "\t" $2}'
    head -500 "$gen/dev/newstest2012.en-es.tsv" | awk -F'\t' '{print "newstest2012:" NR "\tNEWSDEV\t" $1 "\t" $2}'
  } > runs/general/dev.tsv
fi
# The Bible's WEB verses are more pairs in both directions, and the
# penultimate decoder layer's head 0 follows the guided links.
extra=$corpus/bible.en-es.tsv
if [ -n "${MORE:-}" ]; then extra+=",runs/general/more.tsv"; fi
head=(--guided-layer -2 --guided-head 0)
case $pair in
  en-es)
    dir_flags=(--src-col 3 --tgt-col 4 --guided-links "$corpus/links.web-es.jsonl.gz")
    if [ "${KJV:-0}" = 1 ]; then
      extra+=",$corpus/bible.kjv-es.tsv"
      dir_flags=(--src-col 3 --tgt-col 4 --guided-links "$corpus/links.kjv-es.jsonl.gz")
      head=(--guided-layer 0 --guided-head 2 --guided-shift)
    fi ;;
  es-en) dir_flags=(--src-col 4 --tgt-col 3) ;; # the Strong's links are English→Spanish only
  *) echo "train-general: PAIR must be en-es or es-en" >&2; exit 2 ;;
esac
go build -o bin/train-cli ./cmd/translate-cli
mkdir -p "$run"
exec bin/train-cli train --train runs/general/train.tsv \
  --dev runs/general/dev.tsv --dev-books TATOEBADEV,NEWSDEV \
  --test-books Ruth,Jonah,Hab,Phil,Jas,2Pet,1John,Joel,Titus,Col \
  "${dir_flags[@]}" --extra "$extra" "${head[@]}" --trim-bible-extras --vocab 16000 --encoder-layers 6 --decoder-layers 3 \
  --warmup 800 --lr 1e-3 --checkpoint-every 10m --keep 6 \
  --guided-ibm1 grow-diag \
  --guided-weight 0.5 \
  --run "$run" "$@"
