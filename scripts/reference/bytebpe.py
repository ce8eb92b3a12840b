"""A small byte-level BPE (GPT-2 style) for the test models.

Learns merges from a few sentences, encodes text with them, and writes and
reads a Hugging Face tokenizers `tokenizer.json`:

  ids 0, 1, 2        <pad>, </s>, <unk> (special tokens)
  ids 3 .. 258       the 256 byte symbols, in byte order 0x00..0xff, each
                     spelled in the GPT-2 byte alphabet (printable Latin-1
                     bytes stand for themselves, the others map to U+0100..)
  ids 259 ..         one entry per merge, in the order learned

Pre-tokenization follows the ByteLevel pre-tokenizer with
add_prefix_space=true: a space is put in front of text that does not start
with one, the text is split into words with the GPT-2 pattern, and each
word's UTF-8 bytes are spelled in the byte alphabet. Python's `re` has no
\\p{L} / \\p{N}: letters are approximated by [^\\W\\d_] and numbers by \\d,
which agrees with the real pattern on the Latin-script sentences used here.
No end-of-sentence token is added by the tokenizer (post_processor null):
the model code appends </s> itself.
"""

import collections
import json
import re

SPECIALS = ["<pad>", "</s>", "<unk>"]

WORD_PATTERN = re.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?[^\W\d_]+| ?\d+| ?(?:[^\s\w]|_)+|\s+(?!\S)|\s+""")


def byte_alphabet():
    """[256] the symbol that stands for each byte value."""
    keep = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAC + 1)) + list(range(0xAE, 0xFF + 1))
    table, extra = {}, 0
    for b in range(256):
        if b in keep:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + extra)
            extra += 1
    return [table[b] for b in range(256)]


ALPHABET = byte_alphabet()


def words(text):
    """Pre-tokenized words of text, each spelled in the byte alphabet. Empty
    text has no words (the prefix space is only added to non-empty text)."""
    if text == "":
        return []
    if not text.startswith(" "):
        text = " " + text
    return ["".join(ALPHABET[b] for b in w.encode("utf-8")) for w in WORD_PATTERN.findall(text)]


def merge_word(symbols, pair):
    out, i = [], 0
    while i < len(symbols):
        if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == pair:
            out.append(symbols[i] + symbols[i + 1])
            i += 2
        else:
            out.append(symbols[i])
            i += 1
    return out


def train(sentences, n_merges):
    """Returns the list of merges (pairs of symbols), most frequent first.
    Ties go to the pair that sorts first, so the result is deterministic."""
    counts = collections.Counter(w for s in sentences for w in words(s))
    split = {w: list(w) for w in counts}
    merges = []
    while len(merges) < n_merges:
        pairs = collections.Counter()
        for w, n in counts.items():
            sym = split[w]
            for a, b in zip(sym, sym[1:]):
                pairs[(a, b)] += n
        if not pairs:
            break
        best = min(pairs, key=lambda p: (-pairs[p], p))
        merges.append(best)
        for w in split:
            split[w] = merge_word(split[w], best)
    return merges


class Tokenizer:
    def __init__(self, merges):
        self.merges = list(merges)
        self.rank = {p: i for i, p in enumerate(self.merges)}
        self.vocab = {}
        for tok in SPECIALS + ALPHABET + [a + b for a, b in self.merges]:
            self.vocab.setdefault(tok, len(self.vocab))
        self.pieces = {i: t for t, i in self.vocab.items()}

    @classmethod
    def load(cls, path):
        with open(path, encoding="utf-8") as f:
            j = json.load(f)
        merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in j["model"]["merges"]]
        t = cls(merges)
        if t.vocab != j["model"]["vocab"]:
            raise ValueError(f"{path}: vocab does not follow from the merges")
        return t

    def encode(self, text):
        """Token ids of text (no special tokens)."""
        ids = []
        for w in words(text):
            sym = list(w)
            while len(sym) > 1:
                ranked = [(self.rank.get(p, len(self.rank)), p) for p in zip(sym, sym[1:])]
                r, p = min(ranked)
                if r == len(self.rank):
                    break
                sym = merge_word(sym, p)
            ids.extend(self.vocab[s] for s in sym)
        return ids

    def decode(self, ids):
        byte_of = {c: b for b, c in enumerate(ALPHABET)}
        pieces = "".join(self.pieces[i] for i in ids if i >= len(SPECIALS))
        text = bytes(byte_of[c] for c in pieces).decode("utf-8", errors="replace")
        return text[1:] if text.startswith(" ") else text

    def to_json(self):
        byte_level = {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True}
        return {
            "version": "1.0",
            "truncation": None,
            "padding": None,
            "added_tokens": [
                {"id": i, "content": s, "single_word": False, "lstrip": False, "rstrip": False,
                 "normalized": False, "special": True}
                for i, s in enumerate(SPECIALS)
            ],
            "normalizer": None,
            "pre_tokenizer": byte_level,
            "post_processor": None,
            "decoder": byte_level,
            "model": {
                "type": "BPE",
                "dropout": None,
                "unk_token": "<unk>",
                "continuing_subword_prefix": None,
                "end_of_word_suffix": None,
                "fuse_unk": False,
                "byte_fallback": False,
                "vocab": self.vocab,
                "merges": [f"{a} {b}" for a, b in self.merges],
            },
        }

    def write(self, path):
        with open(path, "w", encoding="utf-8") as f:
            json.dump(self.to_json(), f, ensure_ascii=False, indent=1)
            f.write("\n")
