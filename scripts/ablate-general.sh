#!/usr/bin/env bash
# Short en→es training runs that measure two choices of the general-domain
# recipe on dev: what the cleaning filters do (the cleaned corpus against
# the raw one, held-out segments removed from both), and the vocabulary
# size (8,000 / 16,000 / 32,000 BPE pieces). Every run has the same small
# shape (d_model 256, 3+2 layers), seed, schedule and number of steps, and
# no Bible pairs and no guided alignment, so that the data or the
# vocabulary is the only difference. Each best checkpoint is then scored
# greedily on tatoeba-dev (1,000 pairs) and the first 1,000 pairs of
# newstest2012, neither of them trained on.
#
#   scripts/ablate-general.sh [NAME ...]   # default: clean raw vocab8k
#
# NAME: clean (runs/general/train.tsv, the shipped models' 16,000-piece
# vocabulary), raw (the uncleaned corpus, same vocabulary), vocab8k and
# vocab32k (the cleaned corpus, a vocabulary of that size learned on it).
# STEPS (default 800) sets the length of every run. Results go to
# runs/ablate/NAME/scores.tsv; docs/training.md#what-the-recipe-was-chosen-by
# has the figures.
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=${CORPUS:-../shared/corpus}
gen=$corpus/general
steps=${STEPS:-800}
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(clean raw vocab8k)
mkdir -p runs/ablate bin
if [ ! -s runs/general/train.tsv ] || [ ! -s runs/general/dev.tsv ]; then
  echo "ablate-general: run scripts/train-general.sh once first (it makes runs/general/)" >&2
  exit 2
fi
if [ ! -s runs/ablate/raw.tsv ]; then
  # The raw corpus in the trainer's columns (id, source, English, Spanish).
  # `corpus join` drops the pairs that share a side with a dev or test
  # segment, compared as `corpus clean` compares them: the one filter a
  # training file must never go without.
  go build -o bin/corpus ./cmd/corpus
  rm -rf runs/ablate/sources && mkdir -p runs/ablate/sources
  zcat "$gen/train.en-es.tsv.gz" | awk -F'\t' '{ print $2 "\t" $3 > ("runs/ablate/sources/" $1) }'
  sources=()
  while read -r name; do sources+=("$name=runs/ablate/sources/$name"); done \
    < <(zcat "$gen/train.en-es.tsv.gz" | cut -f1 | uniq)
  bin/corpus join --out runs/ablate/joined.tsv \
    --held-out "$gen/dev/newstest2012.en-es.tsv,$gen/dev/tatoeba-dev.en-es.tsv,$gen/test/ntrex128.en-es.tsv,$gen/test/tatoeba-test.en-es.tsv" \
    "${sources[@]}" >&2
  awk -F'\t' -v OFS='\t' '{ print $1 ":" NR, $0 }' runs/ablate/joined.tsv > runs/ablate/raw.tsv
  rm -rf runs/ablate/sources runs/ablate/joined.tsv
fi
go build -o bin/ablate-cli ./cmd/translate-cli
for name in "${names[@]}"; do
  run=runs/ablate/$name
  train=runs/general/train.tsv
  vocab=(--tokenizer checkpoints/en-es/tokenizer.json)
  case $name in
    clean) ;;
    raw) train=runs/ablate/raw.tsv ;;
    vocab8k) vocab=(--vocab 8000) ;;
    vocab32k) vocab=(--vocab 32000) ;;
    *) echo "ablate-general: unknown run $name" >&2; exit 2 ;;
  esac
  if [ ! -s "$run/scores.tsv" ]; then
    resume=()
    [ -d "$run/last" ] && resume=(--resume)
    mkdir -p "$run"
    bin/ablate-cli train --train "$train" --src-col 3 --tgt-col 4 \
      --dev runs/general/dev.tsv --dev-books TATOEBADEV,NEWSDEV --dev-bleu=false \
      "${vocab[@]}" --d-model 256 --heads 4 --ffn 1024 --encoder-layers 3 --decoder-layers 2 \
      --warmup 400 --lr 1e-3 --max-steps "$steps" --dev-every 200 \
      --checkpoint-every 10m --run "$run" "${resume[@]}"
    {
      printf 'set\tBLEU\tchrF2\n'
      for set in tatoeba-dev newstest2012; do
        out=$(bin/ablate-cli eval --model "$run/best" --beam 1 --limit 1000 --corpus "$gen/dev/$set.en-es.tsv")
        printf '%s\t%s\t%s\n' "$set" "$(echo "$out" | awk '$1 == "BLEU" {print $3}')" "$(echo "$out" | awk '$1 == "chrF2" {print $3}')"
      done
    } > "$run/scores.tsv.tmp"
    mv "$run/scores.tsv.tmp" "$run/scores.tsv"
  fi
  echo "== $name"; cat "$run/scores.tsv"
  grep -a "dev nll" "$run/train.log" | tail -1
done
