#!/usr/bin/env bash
# Ships a general-domain model (scripts/train-general.sh made it): converts
# a checkpoint of the run to F16 in checkpoints/<pair>/ (the pair's
# default), scores it with translate-cli eval on the general test sets and
# the Bible test books, chooses its alignment heads on the Bible dev books
# and scores them on the test books, and writes its model card (README.md)
# and lineage (LINEAGE.md).
#
#   scripts/ship-general.sh PAIR RUN_DIR [CHECKPOINT_DIR]
#
# CHECKPOINT_DIR defaults to RUN_DIR/best, else RUN_DIR/last. CORPUS
# (default ../shared/corpus) is the corpus directory; OUT (default
# checkpoints/PAIR) where the model goes.
set -euo pipefail
cd "$(dirname "$0")/.."
pair=$1 run=$2
ckpt=${3:-$run/best}
[ -d "$ckpt" ] || ckpt=$run/last
corpus=${CORPUS:-../shared/corpus}
gen=$corpus/general
from=${pair%-*} to=${pair#*-}
out=${OUT:-checkpoints/$pair}
case $pair in en-es | es-en) ;; *) echo "ship-general: PAIR must be en-es or es-en" >&2; exit 2 ;; esac
go build -o bin/translate-cli ./cmd/translate-cli
cli=bin/translate-cli
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
$cli convert --dtype f16 "$ckpt" "$tmp/model" >/dev/null

# Scores: corpus BLEU and chrF2 at the model's default beam (4). LIMIT=N
# scores the first N lines of each set only (a quick look, not a card).
limit=(${LIMIT:+--limit "$LIMIT"})
score() { awk '$1 == "BLEU" { b = $3 } $1 == "chrF2" { c = $3 } END { printf "%s / %s", b, c }' "$1"; }
for set in tatoeba-test ntrex128; do
  $cli eval --model "$tmp/model" --corpus "$gen/test/$set.en-es.tsv" --from "$from" --to "$to" "${limit[@]}" -o "$tmp/$set.hyp" > "$tmp/$set.txt"
done
$cli eval --model "$tmp/model" --corpus "$corpus/bible.en-es.tsv" --split test --from "$from" --to "$to" "${limit[@]}" > "$tmp/bible.txt"

# Alignment heads: chosen on the Bible dev books, scored on the test books
# (scripts/choose-heads.sh).
reverse=()
[ "$pair" = es-en ] && reverse=(--reverse)
heads=$(scripts/choose-heads.sh "$cli" "$tmp/model" "$corpus" "$tmp/aer.txt" "${reverse[@]}")
aer=$(awk '$1 == "attention" { for (i = 1; i <= NF; i++) if ($i == "AER") print $(i+1) }' "$tmp/aer.txt" | head -1)

read -r step _ toks secs layers vocab < <(python3 - "$ckpt" <<'PY'
import json, os, sys
t = json.load(open(os.path.join(sys.argv[1], "trainer.json")))
c = json.load(open(os.path.join(sys.argv[1], "config.json")))
v = c["vocab_size"]; el = c["encoder_layers"]; dl = c["decoder_layers"]
print(t["step"], t["epoch"], t["target_toks"], int(t["seconds"]), f"{el}+{dl}", v)
PY
)
# The commands of RUN, in order, each with the step it took effect at
# (those before BEFORE_STEP only, when given).
commands_of() { # RUN [BEFORE_STEP]
  python3 - "$1/train.log" "${2:-}" <<'PY'
import re, sys
before = int(sys.argv[2]) if sys.argv[2] else None
starts, pending = [], None
for line in open(sys.argv[1], encoding="utf-8"):
    m = re.search(r" start: (.*)", line)
    if m:
        pending = " ".join(w for w in m.group(1).split() if w != "--resume")
        continue
    m = re.search(r"parameters; step (\d+)", line)
    if m and pending is not None:
        step = int(m.group(1))
        if before is not None and step >= before:
            break
        # A start that another one follows from the same step kept nothing.
        if starts and starts[-1][0] == step:
            starts.pop()
        starts.append((step, pending))
        pending = None
last = None
for step, cmd in starts:
    if cmd != last:
        print(f"- from step {step}: `{cmd}`")
        last = cmd
PY
}
commands=$(commands_of "$run")
# init_of RUN: the checkpoint directory RUN started from (--init), if any.
init_of() { grep -o ' start: .*' "$1/train.log" | head -1 | grep -o -- '--init [^ ]*' | cut -d' ' -f2 || true; }
step_of() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["step"])' "$1/trainer.json" 2>/dev/null || echo "?"; }
# init_step_of RUN CKPT: the step CKPT (RUN's --init) held when RUN
# started: a best/ that its run has saved again since then held the last
# best its log records before that start, not what it holds now.
init_step_of() {
  local t0 step
  t0=$(grep -o '^[^ ]* start: ' "$1/train.log" | head -1 | cut -d' ' -f1)
  if [ "$(basename "$2")" = best ] && [ -n "$t0" ] && [ -s "$(dirname "$2")/train.log" ]; then
    step=$(awk -v t0="$t0" '$1 < t0 && / new best .* saved in best\// { s = $3 } END { print s }' "$(dirname "$2")/train.log")
    if [ -n "$step" ]; then echo "$step"; return; fi
  fi
  step_of "$2"
}
# A run started from another model's weights (--init) says so on its card;
# when those weights are a checkpoint of an earlier run here, the lineage
# lists that run's commands first, and so on back to the first stage.
init=$(init_of "$run")
init_line= origin="from scratch"
if [ -n "$init" ]; then
  origin="from another model's weights"
  init_step=$(init_step_of "$run" "$init")
  init_line="- **Started from** the weights of \`$init\` (step $init_step of its own run, same vocabulary), not from random ones; the training figures above count this run only."
  stages=1 prev=$init earlier= next=$run
  while [ -n "$prev" ] && [ -s "$(dirname "$prev")/train.log" ]; do
    prev_run=$(dirname "$prev") prev_step=$(init_step_of "$next" "$prev")
    earlier="Run \`$prev_run\`, up to its checkpoint of step $prev_step, whose weights the next run starts from:

$(commands_of "$prev_run" "$prev_step")

$earlier"
    stages=$((stages + 1)) next=$prev_run prev=$(init_of "$prev_run")
  done
  [ -z "$earlier" ] || commands="${earlier}Then run \`$run\`:

$commands"
  [ "$stages" = 1 ] || origin="in $stages stages"
fi
# The King James English as more source text (train-general.sh KJV=1).
bible="the Bible's training books"
grep -q 'bible\.kjv-es\.tsv' "$run/train.log" && bible="the Bible's training books (the Spanish with both the World English and the King James English)"
# The sources added after the shared corpus (train-general.sh MORE=FILE).
later=
grep -q 'general/more\.tsv' "$run/train.log" && later="  the sources added later (the WMT 2013 news test set, a second Europarl
  excerpt, Debian manuals and GNOME/MATE application help;
  docs/data.md#sources-added-after-the-shared-file)"
params=$(grep -o '[0-9]* parameters; step' "$run/train.log" | tail -1 | cut -d' ' -f1)
steps_per_epoch=$(grep -o 'batch [0-9]*/[0-9]*' "$run/train.log" | tail -1 | cut -d/ -f2)
size=$(du -m "$tmp/model/model.safetensors" | cut -f1)
arrow="→"
{
  echo "# $from$arrow$to translation model (general domain)"
  echo
  echo "The default $from$arrow$to model: a MarianMT-architecture transformer (post-layer-norm"
  echo "encoder-decoder, $layers layers, d_model 256, $(awk -v p="$params" 'BEGIN { printf "%.1f", p / 1e6 }') million parameters, joint"
  echo "byte-level BPE vocabulary of $vocab entries), trained $origin with"
  echo "\`translate-cli train\` on everyday, parliament and software text and the"
  echo "Bible. F16 weights, $size MB on disk."
  echo
  echo "- **Data**: the cleaned general-domain corpus (Tatoeba, Europarl,"
  if [ -n "$later" ]; then
    echo "  LibreOffice, GIMP, GNOME, Debian documentation and catalogs; docs/data.md),"
    echo "$later"
  else
    echo "  LibreOffice, GIMP, GNOME, Debian documentation and catalogs; docs/data.md)"
  fi
  echo "  and $bible, never a dev or test line."
  echo "- **Scores** (BLEU / chrF2, beam 4, \`translate-cli eval\`): Tatoeba test"
  echo "  $(score "$tmp/tatoeba-test.txt"), NTREX-128 news $(score "$tmp/ntrex128.txt"), Bible test books"
  echo "  $(score "$tmp/bible.txt"); alignment error rate $aer on the Strong's links"
  echo "  of the Bible test books. docs/quality.md compares them with the peers."
  echo "- **Training so far**: step $step ($(awk -v s="$step" -v e="$steps_per_epoch" 'BEGIN { printf "%.2f", s / e }') epochs of the data), $((secs / 3600)) h $((secs % 3600 / 60)) min on"
  echo "  2 CPU cores, $toks target tokens."
  [ -z "$init_line" ] || echo "$init_line"
  echo "- **Reproduce**: \`scripts/train-general.sh $pair RUN\` (docs/training.md#general-domain-models"
  echo "  says how each stage ran), then \`scripts/ship-general.sh $pair RUN\`;"
  echo "  [LINEAGE.md](LINEAGE.md) has the exact commands."
  echo
  echo "## Scores"
  echo
  echo "| test set | lines | BLEU / chrF2 |"
  echo "|---|---:|---|"
  echo "| Tatoeba test (everyday) | 2,000 | $(score "$tmp/tatoeba-test.txt") |"
  echo "| NTREX-128 (news) | 1,997 | $(score "$tmp/ntrex128.txt") |"
  echo "| Bible test books | 566 | $(score "$tmp/bible.txt") |"
  echo
  echo "## Alignments"
  echo
  echo "Cross-attention heads chosen on the Bible dev books (\`alignment_heads\`"
  echo "in config.json, the default of \`translate-cli align\` and of the server):"
  echo "\`$heads\`. On the test books, against the Strong's links (AER; lower is"
  echo "better), beside the IBM Model 1 peer:"
  echo
  echo '```'
  cat "$tmp/aer.txt"
  echo '```'
  echo
  if [ -s "$out/shortlist.gz" ] && cmp -s "$out/tokenizer.json" "$tmp/model/tokenizer.json"; then
    scripts/ship-shortlist.sh --card "$pair"
  fi
  echo "## Data and attribution"
  echo
  echo "Where every pair comes from, under which licence, and what cleaning"
  echo "removed: docs/data.md. Tatoeba sentences are © their contributors at"
  echo "tatoeba.org, CC BY 2.0 FR, through the export of manythings.org/anki;"
  echo "Europarl: Philipp Koehn, *Europarl: A Parallel Corpus for Statistical"
  echo "Machine Translation*, MT Summit 2005; the other sources are credited in"
  echo "docs/data.md#attribution. The Bible texts (World English Bible, Reina-Valera"
  echo "1909) are in the public domain; \"World English Bible\" is a trademark of"
  echo "eBible.org."
} > "$tmp/README.md"
{
  echo "# How the $from$arrow$to general-domain model was made"
  echo
  echo "Run \`$run\`, checkpoint \`$ckpt\` (step $step), shipped with"
  echo "\`scripts/ship-general.sh $pair $run\`. The run's commands, each from the"
  echo "step it took effect at (a resume may change flags; \`KJV=1\` in"
  echo "\`scripts/train-general.sh\` is the run that reads \`bible.kjv-es.tsv\`):"
  echo
  echo "$commands"
} > "$tmp/LINEAGE.md"
# The vocabulary shortlist depends on the tokenizer only: a model of the
# same tokenizer keeps the one shipped before (scripts/ship-shortlist.sh
# builds one).
if [ -s "$out/shortlist.gz" ] && cmp -s "$out/tokenizer.json" "$tmp/model/tokenizer.json"; then
  cp "$out/shortlist.gz" "$tmp/model/"
fi
rm -rf "$out"
mkdir -p "$out"
cp "$tmp/model/"* "$tmp/README.md" "$tmp/LINEAGE.md" "$out/"
cp "$tmp/tatoeba-test.hyp" "$tmp/ntrex128.hyp" "$run/" 2>/dev/null || true
echo "shipped $ckpt to $out: tatoeba-test $(score "$tmp/tatoeba-test.txt"), ntrex128 $(score "$tmp/ntrex128.txt"), Bible test $(score "$tmp/bible.txt"), AER $aer ($heads)"
