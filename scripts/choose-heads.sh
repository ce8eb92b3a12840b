#!/usr/bin/env bash
# Chooses a model's alignment heads, as the ship scripts do: every single
# head, layer mean and average scored on the Bible dev books against the
# Strong's links; the best is written into MODEL/config.json
# (alignment_heads) and scored once on the test books, beside IBM Model 1,
# into AER_OUT. Prints the heads chosen.
#
#   scripts/choose-heads.sh CLI MODEL CORPUS_DIR AER_OUT [--reverse]
#
# --reverse for a Spanish→English model: the English is force-decoded
# against the Spanish and the links are swapped.
set -euo pipefail
cli=$1 model=$2 corpus=$3 aer=$4
shift 4
scan=$(mktemp)
trap 'rm -f "$scan"' EXIT
"$cli" align-eval --model "$model" --corpus "$corpus" --split dev --scan "$@" > "$scan"
heads=$(awk '$1 == "attention" { for (i = 3; i <= NF; i++) if ($i == "AER") print $(i+1), $2 }' "$scan" | sort -g | head -1 | cut -d' ' -f2)
python3 - "$model/config.json" "$heads" <<'PY'
import json, sys
path, heads = sys.argv[1], sys.argv[2]
c = json.load(open(path))
c["alignment_heads"] = heads
with open(path, "w") as f:
    json.dump(c, f, indent=2)
    f.write("\n")
PY
"$cli" align-eval --model "$model" --corpus "$corpus" --split test --heads "$heads" --ibm1 "$@" > "$aer"
echo "$heads"
