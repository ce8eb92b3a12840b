# Sourced by ship.sh and ship-r2l.sh. pick_checkpoint RUN N TMP DEV_BLEU_CMD
# averages the last N kept checkpoints of RUN (train --keep) into TMP/avg
# and compares its dev BLEU with that of RUN/best, both measured by the
# command DEV_BLEU_CMD MODEL_DIR. It sets src and state (the directory and
# trainer.json of the winner), best_bleu, avg_bleu, steps (the averaged
# steps) and averaged (1 when the mean won).
pick_checkpoint() {
  local run=$1 n=$2 tmp=$3 bleu=$4
  bin/translate-cli average --run "$run" --last "$n" --out "$tmp/avg" > "$tmp/avg.txt"
  best_bleu=$("$bleu" "$run/best")
  avg_bleu=$("$bleu" "$tmp/avg")
  steps=$(sed 's/.*(//; s/)$//; s#[^ ,]*/##g' "$tmp/avg.txt")
  echo "dev BLEU: best checkpoint $best_bleu, mean of steps $steps: $avg_bleu" >&2
  src=$run/best state=$run/best/trainer.json averaged=0
  if python3 -c "import sys; sys.exit(0 if float('$avg_bleu') > float('$best_bleu') else 1)"; then
    src=$tmp/avg
    state=$run/steps/$(sed 's/.*[ ,]//' <<<"$steps")/trainer.json
    averaged=1
  fi
}
