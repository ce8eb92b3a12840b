#!/usr/bin/env bash
# Ships a trained Bible-domain model: converts the best checkpoint of a run
# to F16 in checkpoints/<pair>-bible/, scores it on the dev and test books with
# translate-cli eval, and writes its model card (README.md: a summary, the
# data, the scores) and its lineage (LINEAGE.md: every command that made
# the weights, and those of the weights it started from).
#
#   scripts/ship.sh PAIR [RUN_DIR] [CORPUS_TSV]
#
# PAIR is en-es or es-en; RUN_DIR defaults to runs/PAIR. With AVERAGE=N
# in the environment, the mean of the run's last N kept checkpoints
# (train --keep, translate-cli average) is made too, and whichever of it
# and the best checkpoint scores the higher BLEU on the dev books is shipped.
set -euo pipefail
cd "$(dirname "$0")/.."
pair=$1
run=${2:-runs/$pair}
corpus=${3:-../shared/corpus/bible.en-es.tsv}
from=${pair%-*} to=${pair#*-}
out=checkpoints/$pair-bible
go build -o bin/translate-cli ./cmd/translate-cli
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
src=$run/best
state=$run/best/trainer.json
weights_line=""
if [ -n "${AVERAGE:-}" ]; then
  # shellcheck source=scripts/pick-checkpoint.sh
  . scripts/pick-checkpoint.sh
  dev_bleu() { bin/translate-cli eval --model "$1" --corpus "$corpus" --split dev --from "$from" --to "$to" | awk '$1 == "BLEU" { print $3 }'; }
  pick_checkpoint "$run" "$AVERAGE" "$tmp" dev_bleu
  if [ "$averaged" = 1 ]; then
    weights_line="- weights: the mean of the kept checkpoints at steps $steps (\`translate-cli average\`), which scored dev BLEU $avg_bleu against $best_bleu for the best single checkpoint"
  else
    weights_line="- weights: the best single checkpoint (dev BLEU $best_bleu; the mean of the checkpoints at steps $steps scored $avg_bleu)"
  fi
fi
bin/translate-cli convert --dtype f16 "$src" "$tmp/model" >/dev/null
for split in dev test; do
  bin/translate-cli eval --model "$tmp/model" --corpus "$corpus" --split $split --from "$from" --to "$to" > "$tmp/$split.txt"
done
# The alignment heads: every single head, layer mean and avg scored on the
# dev books against the Strong's links, which pair KJV English with Spanish
# (for es-en the English is force-decoded against the Spanish and the links
# are swapped: align-eval --reverse); the best one (shifted selectors
# included) goes into config.json and is then scored once on the test books.
heads=""
: > "$tmp/align-section.md"
reverse=""
if [ "$pair" = es-en ]; then reverse=--reverse; fi
if [ "$pair" = en-es ] || [ "$pair" = es-en ]; then
  # shellcheck disable=SC2086
  heads=$(scripts/choose-heads.sh bin/translate-cli "$tmp/model" "$(dirname "$corpus")" "$tmp/aer.txt" $reverse)
  {
    echo "## Alignments"
    echo
    echo "Cross-attention heads chosen on the dev books (\`alignment_heads\` in"
    echo "config.json, the default of \`translate-cli align\` and of the server):"
    echo "\`$heads\`. On the test books, against the Strong's links (AER; lower"
    echo "is better), beside the IBM Model 1 peer:"
    echo
    echo '```'
    cat "$tmp/aer.txt"
    echo '```'
    echo
  } > "$tmp/align-section.md"
fi
# shellcheck disable=SC2016
read -r step epoch toks secs init < <(/usr/bin/env python3 - "$state" <<'PY'
import json, os, sys
t = json.load(open(sys.argv[1]))
init = t.get("init_from", "").rstrip("/")
if init.startswith(os.getcwd() + "/"):
    init = os.path.relpath(init)
print(t["step"], t["epoch"], t["target_toks"], int(t["seconds"]), init or "-")
PY
)
# Every change of command line in the run's log, with the step it took
# effect at (a run may be resumed with other flags, e.g. guided alignment);
# then, for a run started with --init, where its starting weights came
# from: each ancestor checkpoint's step, training minutes, layer counts and
# commands, as far as their trainer.json, config.json and train.log are
# still on disk.
history=$(python3 - "$run/train.log" "$init" "$src/config.json" <<'PY'
import json, os, re, subprocess, sys

def commands(log, indent):
    last, pending, out = None, None, []
    for line in open(log, encoding="utf-8"):
        m = re.search(r" start: (.*)", line)
        if m:
            pending = " ".join(w for w in m.group(1).split() if w != "--resume")
            pending = re.sub(r" --max-steps \d+", "", pending)
            continue
        m = re.search(r"parameters; step (\d+)", line)
        if m and pending is not None:
            if pending != last:
                out.append(f"{indent}- from step {m.group(1)}: `{pending}`")
                last = pending
            pending = None
    return out

def shipped_commit(path):
    # The last commit that added or changed the weights; --follow and the
    # filter skip a commit that only moved the directory.
    out = subprocess.run(["git", "log", "-1", "--follow", "--diff-filter=AM", "--format=%h", "--",
                          os.path.join(path, "model.safetensors")], capture_output=True, text=True)
    return out.stdout.strip()

log, path, cfg = sys.argv[1], sys.argv[2], json.load(open(sys.argv[3]))
print("\n".join(commands(log, "  ")))
layers = lambda c: f"{c['encoder_layers']}+{c['decoder_layers']}"
first = True
while path and path != "-":
    what = "started (`--init`) from the weights of" if first else "which started from"
    try:
        t = json.load(open(os.path.join(path, "trainer.json")))
        c = json.load(open(os.path.join(path, "config.json")))
    except OSError:
        # A shipped model directory has no trainer state, but its
        # LINEAGE.md (or, before there was one, its card) tells how it was
        # made; carry its Training section over.
        lineage = os.path.join(path, "LINEAGE.md")
        card = lineage if os.path.exists(lineage) else os.path.join(path, "README.md")
        if not os.path.exists(os.path.join(path, "trainer.json")) and os.path.exists(card):
            commit = shipped_commit(path)
            at = f" (commit {commit})" if commit else ""
            said = "its LINEAGE.md said" if card == lineage else "its card said"
            print(f"- {what} the model then shipped in `{path}`{at}, not random weights; {said}:")
            section = False
            for line in open(card, encoding="utf-8"):
                if line.startswith("## "):
                    section = line.strip() == "## Training"
                    continue
                if section and line.strip():
                    print("  " + line.rstrip("\n"))
        else:
            print(f"- {what} `{path}` (no longer on disk)")
        break
    grown = "" if layers(c) == layers(cfg) else f"; {layers(c)} layers, grown to {layers(cfg)} (docs/training.md#growing-a-deeper-model)"
    print(f"- {what} `{path}`, not random weights: step {t['step']}, {int(t['seconds']) // 60} minutes of training{grown}; the steps and minutes below count from there")
    parent = os.path.join(os.path.dirname(path), "train.log")
    if os.path.exists(parent):
        print(f"  - its commands:")
        print("\n".join(commands(parent, "    ")))
    cfg, path, first = c, t.get("init_from", "").rstrip("/"), False
PY
)
# A cooled branch (train --cooldown) has ended; any other run goes on. A
# fine-tuning run (--init) cooled from step 0 is not a branch of anything.
status=$(python3 - "$state" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
c = t.get("cooldown")
if c:
    end = c["from"] + c["steps"]
    # A fine-tuning run cooled from its first step has no run behind it.
    whole = c["from"] == 0 and t.get("init_from")
    ended = f"the {'run' if whole else 'branch'} ended there" if t["step"] >= end else f"it was stopped at step {t['step']}"
    if whole:
        print(f"- chosen on the dev books from a fine-tuning run whose learning rate (warm-up, then inverse square root) was scaled down linearly to 0 over its {c['steps']} steps (`--cooldown {c['steps']}`); {ended}")
    else:
        print(f"- chosen on the dev books from a branch whose learning rate decayed linearly to 0 from step {c['from']} to step {end} (`--cooldown {c['steps']}`); {ended}; the run it branched from goes on")
else:
    print("- the best on the dev books so far; training goes on")
PY
)
origin="trained from scratch"
at_init=""
if [ "$init" != "-" ] && [ ! -f "$init/trainer.json" ] && { [ -f "$init/LINEAGE.md" ] || [ -f "$init/README.md" ]; }; then
  prev=$(git log -1 --follow --diff-filter=AM --format=%h -- "$init/model.safetensors")
  origin="trained from the weights of the model shipped before it${prev:+ (commit $prev)}"
  at_init="
\`$init\` in these commands held that model when they ran."
elif [ "$init" != "-" ]; then
  origin="trained from the weights of checkpoint \`$init\`"
fi
# What --extra brought, named by its files.
extras=""
texts="the World English Bible"
if grep -q -- '--extra [^ ]*kjv' <<<"$history"; then
  extras+=", plus the King James Version as extra source text for the same verses"
  texts+=" and the King James Version"
fi
texts+=" (English) and the Reina-Valera 1909 (Spanish)"
if grep -q -- '--extra [^ ]*\(back\|forward\)\.tsv' <<<"$history"; then
  extras+=", plus copies of the training pairs translated by the models shipped before (scripts/translated-copies.sh, docs/training.md#translated-copies)"
  texts+=", plus translated copies of the training verses"
fi
if [ -z "$extras" ] && grep -q -- '--extra' <<<"$history"; then
  extras+=", plus the pairs of the \`--extra\` files in LINEAGE.md"
  texts+=", plus other pairs"
fi
english="English (World English Bible$extras)"
kjv=""
if grep -q -- '--extra [^ ]*kjv' <<<"$history"; then
  kjv=" The King James text is courtesy of the Crosswire Bible Society and
eBible.org."
fi
trimmed=""
if grep -q -- '--trim-bible-extras' <<<"$history"; then
  trimmed=" Where a command in LINEAGE.md has \`--trim-bible-extras\`, the Psalm
superscriptions and epistle subscriptions that only the Spanish prints
were cut from the training pairs (docs/training.md#text-only-the-spanish-prints);
dev and test references are scored as printed."
fi
# The run's own commands, to train these weights again (LINEAGE.md has
# those of the weights it started from too).
# A later command is a resume, of the same run or of a copy of it (a
# branch, when its --run differs). The backquotes are the card's.
# shellcheck disable=SC2016
reproduce=$(sed -n 's/^  - from step \([0-9]*\): `\(.*\)`$/\1\t\2/p' <<<"$history" | awk -F'\t' '
  function rundir(c) { return match(c, /--run [^ ]+/) ? substr(c, RSTART + 6, RLENGTH - 6) : "" }
  { step[NR] = $1; cmd[NR] = $2 }
  END {
    for (i = 1; i <= NR; i++) {
      if (i > 1 && rundir(cmd[i]) != rundir(cmd[i - 1]))
        print "# from step " step[i] " (with --resume, in a copy of " rundir(cmd[i - 1]) ": docs/training.md#cooling-down-a-branch)"
      else if (i > 1)
        print "# from step " step[i] " (with --resume)"
      else if (NR > 1)
        print "# from step " step[i]
      print cmd[i]
    }
  }')
# Translated copies named by --extra are made again first, into the same
# directories.
copies=$({ grep -o '[^ ,]*/\(back\|forward\)\.tsv' <<<"$reproduce" || true; } | sed 's,/[^/]*$,,' | sort -u | sed "s,^,scripts/translated-copies.sh $pair ,")
if [ -n "$copies" ]; then
  reproduce="$copies
$reproduce"
  at_init+=" The translated copies were made with the models then shipped."
fi
ship_cmd="${AVERAGE:+AVERAGE=$AVERAGE }scripts/ship.sh $*"
figures() { awk '$1 == "BLEU" { b = $3 } $1 == "chrF2" { c = $3 } END { print "BLEU " b " / chrF2 " c }' "$1"; }
params=$(grep -m1 -o '[0-9]* parameters' "$run/train.log" | cut -d' ' -f1)
size=$(du -m "$tmp/model/model.safetensors" | cut -f1)
title="$from→$to translation model (Bible domain)"
cat > "$tmp/model/README.md" <<CARD
# $title

The Bible-domain $from→$to model: a MarianMT-architecture transformer
(post-layer-norm encoder-decoder, $(grep -o '"encoder_layers": [0-9]*' "$tmp/model/config.json" | grep -o '[0-9]*')+$(grep -o '"decoder_layers": [0-9]*' "$tmp/model/config.json" | grep -o '[0-9]*') layers,
d_model $(grep -o '"d_model": [0-9]*' "$tmp/model/config.json" | grep -o '[0-9]*'), $params parameters, joint byte-level BPE vocabulary of
$(grep -o '"vocab_size": [0-9]*' "$tmp/model/config.json" | head -1 | grep -o '[0-9]*') entries), $origin with \`translate-cli train\` (gorgonia).
F16 weights, ${size} MB on disk; the engine widens them to float32.

- **Data**: Bible verses in the public domain: $texts ([Data](#data)).
- **Scores** on the $(awk 'NR == 1 { print $4 }' "$tmp/test.txt") verses of the test books, never seen in training:
  $(figures "$tmp/test.txt") at beam 4 ([Scores](#scores)). The recommended
  decoding, \`--beam 8 --rerank 0.25\`, scores higher with the $to→$from
  model beside it (docs/quality.md#current-results).
- **Reproduce**: the run's commands, then shipping it; [LINEAGE.md](LINEAGE.md)
  has every command that made these weights and the weights they started from.$at_init

\`\`\`sh
$reproduce
$ship_cmd
\`\`\`

## Data

The verse-aligned Bible corpus described in docs/training.md: $english
and Spanish (Reina-Valera 1909), public domain, extracted from
Debian's SWORD packages (\`sword-text-web\`, \`sword-text-kjv\`,
\`sword-text-sparv\`, from eBible.org) by scripts/corpus/build.sh.
"World English Bible" is a trademark of eBible.org.$kjv
Trained on the training
books only; the dev books (Joel, Titus, Colossians) chose the checkpoint; the
test books (Ruth, Jonah, Habakkuk, Philippians, James, 2 Peter, 1 John) were
never seen.$trimmed

## Scores

\`translate-cli eval\` (corpus BLEU with 13a tokenization, chrF2; beam 4,
length penalty 1.0), on this F16 checkpoint:

\`\`\`
$(cat "$tmp/dev.txt")

$(cat "$tmp/test.txt")
\`\`\`

Reranking the beam with the model of the opposite direction
(\`translate --beam 8 --rerank 0.25\`) scores higher; its figures depend on which
reverse model is shipped beside this one and are in docs/quality.md.

$(cat "$tmp/align-section.md")
The rule-based peer Apertium scores BLEU 13.17 / chrF2 38.37 (en→es) and
16.68 / 40.42 (es→en) on the same test books (docs/quality.md).
CARD
cat > "$tmp/model/LINEAGE.md" <<LINEAGE
# $title: lineage

How the weights beside this file were made, written by scripts/ship.sh
when it shipped them; the model card is [README.md](README.md). The
commands are those of the run's log (\`--resume\` left out), with the step
each took effect at. Where the run started from other weights (\`--init\`),
how those were made follows, indented, as far as their run directories or
LINEAGE.md told at the time.

## Training

- commands (each resumed with \`--resume\` after interruptions), with the step each took effect at:
$history
- checkpoint: step $step (epoch $epoch), $toks target tokens seen, $((secs / 60)) minutes of training on 2 CPU cores
$status
$weights_line
LINEAGE
if [ -d "$out/right-to-left" ]; then
  echo "note: $out/right-to-left was trained on the replaced model's embeddings and goes with it; train another for the new one (docs/training.md#a-right-to-left-model)" >&2
fi
rm -rf "$out"
mkdir -p "$(dirname "$out")"
mv "$tmp/model" "$out"
cat "$out/README.md" "$out/LINEAGE.md"
