#!/usr/bin/env bash
# Ships a right-to-left model beside a shipped model: converts the best
# checkpoint of a run trained with `train --init checkpoints/PAIR-bible
# --right-to-left --freeze-embeddings` to F16 without its embedding matrix
# in checkpoints/PAIR-bible/right-to-left/, scores the reranking it brings on the
# dev and test books, and writes its model card there and a section of the
# main model's card.
#
#   scripts/ship-r2l.sh PAIR RUN_DIR [WEIGHT] [CORPUS_TSV]
#
# WEIGHT is the --r2l weight the scores are measured at (default 0.5),
# always with --beam 8 --rerank 0.25, the recommended decoding. With
# AVERAGE=N in the environment the mean of the run's last N kept
# checkpoints competes with the best one, on the dev BLEU of the
# right-to-left model translating alone (beam 4).
set -euo pipefail
cd "$(dirname "$0")/.."
pair=$1
run=$2
weight=${3:-0.5}
corpus=${4:-../shared/corpus/bible.en-es.tsv}
from=${pair%-*} to=${pair#*-}
main=checkpoints/$pair-bible
out=$main/right-to-left
go build -o bin/translate-cli ./cmd/translate-cli
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
evalr() { bin/translate-cli eval --corpus "$corpus" --from "$from" --to "$to" "$@"; }
dev_bleu() { evalr --model "$1" --split dev | awk '$1 == "BLEU" { print $3 }'; }

src=$run/best
state=$run/best/trainer.json
weights_line="- weights: the best checkpoint on the dev books"
if [ -n "${AVERAGE:-}" ]; then
  # shellcheck source=scripts/pick-checkpoint.sh
  . scripts/pick-checkpoint.sh
  pick_checkpoint "$run" "$AVERAGE" "$tmp" dev_bleu
  if [ "$averaged" = 1 ]; then
    weights_line="- weights: the mean of the kept checkpoints at steps $steps (\`translate-cli average\`), dev BLEU $avg_bleu alone against $best_bleu for the best single checkpoint"
  else
    weights_line="- weights: the best single checkpoint (dev BLEU $best_bleu alone; the mean of the checkpoints at steps $steps scored $avg_bleu)"
  fi
fi

# The model alone, turned back into reading order by the engine.
bin/translate-cli convert --dtype f16 "$src" "$tmp/full" >/dev/null
evalr --model "$tmp/full" --split dev > "$tmp/alone.txt"

# The directory as it will ship: the main model and the right-to-left one
# without embeddings. Heads measured on the main model mean nothing here.
mkdir -p "$tmp/ship"
cp "$main"/config.json "$main"/model.safetensors "$main"/tokenizer.json "$tmp/ship/"
bin/translate-cli convert --no-embeddings --dtype f16 "$src" "$tmp/ship/right-to-left" >/dev/null
python3 - "$tmp/ship/right-to-left/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c.pop("alignment_heads", None)
with open(sys.argv[1], "w") as f:
    json.dump(c, f, indent=2)
    f.write("\n")
PY
reverse=checkpoints/$to-$from-bible
for split in dev test; do
  evalr --model "$tmp/ship" --reverse-model "$reverse" --split $split --beam 8 --rerank 0.25 > "$tmp/base-$split.txt"
  evalr --model "$tmp/ship" --reverse-model "$reverse" --split $split --beam 8 --rerank 0.25 --r2l "$weight" > "$tmp/r2l-$split.txt"
done

read -r step secs init cooled < <(python3 - "$state" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
c = t.get("cooldown") or {}
print(t["step"], int(t["seconds"]), t.get("init_from", "-").rstrip("/") or "-", c.get("steps", 0))
PY
)
command=$(grep -m1 -o ' start: .*' "$run/train.log" | sed 's/^ start: //; s/ --resume//')
params=$(grep -m1 -o '[0-9]* parameters' "$run/train.log" | cut -d' ' -f1)
size=$(du -m "$tmp/ship/right-to-left/model.safetensors" | cut -f1)
total=$(du -cm "$tmp/ship/model.safetensors" "$tmp/ship/tokenizer.json" "$tmp/ship/right-to-left/model.safetensors" | tail -1 | cut -f1)
figures() { awk '$1 == "BLEU" { b = $3 } $1 == "chrF2" { c = $3 } END { print b " / " c }' "$1"; }
cat > "$tmp/ship/right-to-left/README.md" <<CARD
# $from→$to right-to-left model

The same architecture as the model in the directory above, trained to
write its translation last token first (\`right_to_left\` in config.json).
It reranks that model's beam: \`translate --r2l W\` (\`options.right_to_left\`
on the server, docs/api.md). $params parameters, of which the shared
embedding matrix is the model's above, frozen while this one trained and
not stored here (\`embeddings_sha256\` in config.json names it; the engine
refuses this directory beside any other model). Weights F16 (${size} MB).

## Training

- command: \`$command\`
- from the weights of \`$init\` (the model above), turned around; step $step, $((secs / 60)) minutes on 2 CPU cores$( [ "$cooled" != 0 ] && echo ", the learning rate decayed linearly to 0 over the $cooled steps (\`--cooldown $cooled\`)")
$weights_line

## Scores

Translating alone (beam 4; the engine turns its output back), dev books:

\`\`\`
$(cat "$tmp/alone.txt")
\`\`\`

Reranking the main model's beam (beam 8, \`--rerank 0.25\` with the
$to→$from model), without and with \`--r2l $weight\`:

| books | without | with \`--r2l $weight\` |
|---|---|---|
| dev | $(figures "$tmp/base-dev.txt") | $(figures "$tmp/r2l-dev.txt") |
| test | $(figures "$tmp/base-test.txt") | $(figures "$tmp/r2l-test.txt") |
CARD

# The main card gets (or replaces) its section on this model.
python3 - "$tmp/ship/README.md" "$weight" "$size" "$total" "$tmp/base-test.txt" "$tmp/r2l-test.txt" < "$main/README.md" <<'PY'
import re, sys
card = sys.stdin.read()
out, weight, size, total, base, r2l = sys.argv[1:]
def fig(path):
    b = c = "?"
    for line in open(path):
        if line.startswith("BLEU"):
            b = line.split()[2]
        if line.startswith("chrF2"):
            c = line.split()[2]
    return f"{b} / {c}"
card = re.sub(r"\n## Right-to-left model\n.*?(?=\n## |\Z)", "\n", card, flags=re.S).rstrip("\n") + "\n"
card += f"""
## Right-to-left model

`right-to-left/` holds a second model of this direction that writes its
output last token first, trained from this one (its card is there,
{size} MB; this directory holds {total} MB in all). With it the beam is
reranked by three opinions: `translate --beam 8 --rerank 0.25 --r2l {weight}`
scores test BLEU / chrF2 {fig(r2l)}, against {fig(base)} without `--r2l`.
"""
open(out, "w").write(card)
PY
cp "$tmp/ship/README.md" "$main/README.md"
rm -rf "$out"
mv "$tmp/ship/right-to-left" "$out"
cat "$out/README.md"
