#!/usr/bin/env bash
# Builds the SentencePiece test data of tokenize/spm: small unigram models
# trained by the reference implementation, a file of hard text, and that
# text encoded and decoded by the reference command-line tools.
#
# Needs Debian's `sentencepiece` package (spm_train, spm_encode, spm_decode;
# the committed files were made with 0.1.97-3) and the parallel corpus
# (bible.en-es.tsv, see /work/shared/corpus/README.md). Only training books
# are used: the test and dev books (Ruth, Jonah, Hab, Phil, Jas, 2Pet, 1John,
# Joel, Titus, Col) are left out.
#
# Usage: scripts/spm/make_testdata.sh [path/to/bible.en-es.tsv]
# Re-running it rewrites every file in tokenize/spm/testdata; the models are
# deterministic for a given spm_train version and corpus (fixed seeds).
set -euo pipefail

corpus=${1:-/work/shared/corpus/bible.en-es.tsv}
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$root/tokenize/spm/testdata
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"

# Training text: every 8th verse of the training books, English and Spanish
# on separate lines (about 7,500 lines).
awk -F'\t' '
  $2 ~ /^(Ruth|Jonah|Hab|Phil|Jas|2Pet|1John|Joel|Titus|Col)$/ { next }
  NR % 8 == 1 { print $3; print $4 }' "$corpus" >"$tmp/train.txt"

train() { # name, extra spm_train flags...
  local name=$1
  shift
  # Relative paths: the model records them, and they must not vary.
  (cd "$tmp" && spm_train --input=train.txt --model_prefix="$name" \
    --model_type=unigram --character_coverage=1.0 --num_threads=1 --random_seed=1 \
    --minloglevel=2 "$@")
  cp "$tmp/$name.model" "$out/$name.model"
}

# nmt_nfkc (the default rule, as OPUS-MT uses), no byte fallback.
train nfkc --vocab_size=1000
# nmt_nfkc with byte fallback: unknown characters become <0xNN> pieces.
train bytes --vocab_size=1200 --byte_fallback=true
# No normalization at all (the precompiled map is empty).
train identity --vocab_size=1000 --normalization_rule_name=identity
# NFKC with case folding.
train nfkccf --vocab_size=1000 --normalization_rule_name=nfkc_cf
# User-defined and control symbols; whitespace kept as typed, no dummy prefix.
train symbols --vocab_size=1000 --user_defined_symbols='foo@bar,<sep>,▁▁' \
  --control_symbols='<ctl>' --remove_extra_whitespaces=false \
  --add_dummy_prefix=false

# A MarianMT-style vocab.json for source nfkc.model and target
# nfkccf.model: </s> 0, <unk> 1, then the pieces of both models (without
# their <unk>, <s>, </s>) minus every 10th one, so that some pieces are
# unknown to the vocabulary, then two language tokens and <pad> last.
spm_export_vocab --model="$out/nfkc.model" >"$tmp/nfkc.vocab"
spm_export_vocab --model="$out/nfkccf.model" >"$tmp/nfkccf.vocab"
/usr/bin/python3 - "$tmp/nfkc.vocab" "$tmp/nfkccf.vocab" >"$out/marian.vocab.json" <<'PY'
import json, sys
pieces = []
for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as f:
        for line in f:
            p = line.rstrip("\n").split("\t")[0]
            if p not in ("<unk>", "<s>", "</s>") and p not in pieces:
                pieces.append(p)
vocab = {"</s>": 0, "<unk>": 1}
for i, p in enumerate(pieces):
    if i % 10 != 9:
        vocab[p] = len(vocab)
for p in (">>eng<<", ">>spa<<", "<pad>"):
    vocab[p] = len(vocab)
json.dump(vocab, sys.stdout, ensure_ascii=False, indent=1)
sys.stdout.write("\n")
PY

# The hard text: one case per line. Written with escapes so that control
# characters, NFD sequences and odd spaces are visible here.
{
  printf '%s\n' 'In the beginning, God created the heavens and the earth.'
  printf '%s\n' 'Y dijo Dios: Sea la luz: y fué la luz.'
  printf '%s\n' 'EN EL PRINCIPIO CRIÓ DIOS LOS CIELOS Y LA TIERRA.'
  printf '%s\n' '¿Qué? ¡Sí! «comillas» “curly” ‘single’ — dash… ellipsis'
  printf 'NFD: Jose\xcc\x81 cafe\xcc\x81 an\xcc\x83o pingu\xcc\x88ino\n'
  printf '\xcc\x81 a combining mark opens the line\n'
  printf 'stacked: a\xcc\x80\xcc\x81\xcc\x82 x\xe2\x83\x9d\n'
  printf '%s\n' 'Full width: ＡＢＣ　１２３！ ｶﾀｶﾅ'
  printf '%s\n' 'Ligatures: ﬁne ﬂower ﬀ Ⅻ ½ ㎏ ① ™ ²'
  printf '%s\n' 'Emoji: I ❤️ 🦀 and 👩‍👩‍👧 😀! 👍🏽'
  printf '%s\n' 'CJK: 日本語のテキスト 中文文本 한국어'
  printf '%s\n' 'RTL: שלום עולם مرحبا بالعالم'
  printf '%s\n' 'Digits: 3.14159 2024-01-01 1,000,000 ٣٤٥ ۱۲۳ 42'
  printf '%s\n' 'Math: 𝐀𝐁𝐂 𝔘𝔫𝔦𝔠𝔬𝔡𝔢'
  printf 'Jamo: \xe1\x84\x80\xe1\x85\xa1\xe1\x86\xa8\n'
  printf '%s\n' 'Pneumonoultramicroscopicsilicovolcanoconiosis supercalifragilisticexpialidocious'
  printf '%s\n' "$(printf 'abcdefghij%.0s' $(seq 30))"
  printf '%s\n' "$(printf 'Jehová%.0s' $(seq 20))"
  printf '%s\n' 'a    b     c'
  printf '%s\n' '   leading and trailing   '
  printf '%s\n' '     '
  printf '\n'
  printf 'tab\tseparated\t\tfields\t\n'
  printf 'controls:\x01 bell\x07 esc\x1b[0m del\x7f vt\x0b ff\x0c end\r\n'
  printf 'invisible: zero\xe2\x80\x8bwidth soft\xc2\xadhyphen bom\xef\xbb\xbf nel\xc2\x85 ls\xe2\x80\xa8\n'
  printf 'spaces: a\xc2\xa0b\xe2\x80\x83c\xe3\x80\x80d\xe2\x80\xafe\n'
  printf '%s\n' 'Straße İstanbul ǅ ΣΊΣΥΦΟΣ ﬀ'
  printf '%s\n' 'literal ▁ block ▁▁ and ▁word'
  printf '%s\n' 'specials: <unk> <s> </s> <pad> <ctl> <0x41>'
  printf '%s\n' 'symbols: send foo@bar <sep> now foo@barfoo@bar'
  printf 'private: \xee\x80\x80 \xf4\x8f\xbf\xbd \xef\xbf\xbd\n'
  printf '%s\n' 'Y aconteció en los días que gobernaban los jueces, que hubo hambre en la tierra.'
  printf '%s\n' 'In the days when the judges judged, there was a famine in the land.'
  printf '%s\n' 'Y fué palabra de Jehová á Jonás hijo de Amittai, diciendo:'
  printf '%s\n' 'Now Yahweh’s word came to Jonah the son of Amittai, saying,'
  printf '%s\n' 'x'
  printf '%s\n' '.'
} >"$out/hard.txt"

# Random text: Bible words mixed with random characters of many blocks.
/usr/bin/python3 "$root/scripts/spm/random_text.py" "$tmp/train.txt" 300 1 >"$out/random.txt"

# The goldens: <input>.<model>.piece / .id from spm_encode, .decoded from
# spm_decode of the ids.
for input in hard random; do
  for m in nfkc bytes identity nfkccf symbols; do
    g=$out/$input.$m
    spm_encode --model="$out/$m.model" --output_format=piece <"$out/$input.txt" >"$g.piece"
    spm_encode --model="$out/$m.model" --output_format=id <"$out/$input.txt" >"$g.id"
    spm_decode --model="$out/$m.model" --input_format=id <"$g.id" >"$g.decoded"
  done
done
