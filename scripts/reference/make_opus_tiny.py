#!/usr/bin/python3
"""Builds two miniature OPUS-MT model directories in testdata/models/opus-tiny/
and their greedy goldens.

Each directory has the layout of a Helsinki-NLP OPUS-MT download from the
Hugging Face hub, only with tiny random weights:

  en-ROMANCE/  a multi-target model in the style of the 2020 conversions:
               swish, </s> = 0, <unk> = 1, language tokens >>es<< ... in
               vocab.json, a config.json that carries the generation fields
               (num_beams, max_length, bad_words_ids) and lacks
               decoder_vocab_size and share_encoder_decoder_embeddings;
               weights saved twice, as pytorch_model.bin (torch.save of the
               state dict: every tied name on one storage, with the
               sinusoidal position tables) and as model.safetensors (the
               shared matrix once, no position tables), both F32.
  en-es/       a single-target model in the style of the "tc-big" models:
               relu, an end-of-sentence id that is not 0 (SentencePiece
               order: <unk> 0, <s> 1, </s> 2), every config field spelled
               out, weights only as an F16 pytorch_model.bin.

Both have source.spm (a unigram model with the OPUS-MT default
normalization nmt_nfkc, trained on English), target.spm (unigram, identity
normalization to keep the file small, trained on Spanish; decoding only
needs its pieces), vocab.json built from the pieces of both the way
Marian's vocabularies are (specials first, source pieces, target pieces not
already present, <pad> last, written with \\u escapes as transformers
writes it), generation_config.json and tokenizer_config.json.

The goldens (greedy_golden.json in each directory) come from the PyTorch
reference scripts/reference/marian_ref.py in float64 on the stored weights
(F16 widened exactly): each case's text is cut into pieces by Debian's
spm_encode with source.spm, the pieces are looked up in vocab.json (a piece
it lacks is <unk>), a multi-target case puts its language token first, and
</s> is appended, as transformers' MarianTokenizer does. Greedy search
bans the pad id (bad_words_ids) and ends a hypothesis at its length limit
with </s> (forced_eos_token_id). Per step the golden keeps the five best
logits, the </s> logit and the log-sum-exp of all allowed logits (raw
logits with final_logits_bias, before any softmax; 7 significant digits),
and per case the output text: the output pieces without </s>, <pad>,
<unk> and language tokens, joined by spm_decode with target.spm.

Seeds are searched as in make_tiny.py: a seed is kept only when every
greedy step's top-1 minus top-2 margin exceeds MIN_MARGIN, float32 gives the
same ids, one case stops at </s> after other tokens and one runs to its
limit with at least MIN_DISTINCT different tokens.

Needs /usr/bin/python3 with python3-torch and python3-numpy, and the
sentencepiece command-line tools (Debian sentencepiece 0.1.97: spm_train,
spm_encode, spm_decode, spm_export_vocab), and the parallel corpus
(bible.en-es.tsv, see /work/shared/corpus/README.md); the test and dev books
(Ruth, Jonah, Hab, Phil, Jas, 2Pet, 1John, Joel, Titus, Col) are left out.
Running it again rewrites the same files byte for byte.

Usage: make_opus_tiny.py [--corpus path/to/bible.en-es.tsv]
"""

import argparse
import collections
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import make_tiny  # noqa: E402  (write_safetensors, TINY_STD)
import marian_ref  # noqa: E402

REPO = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(REPO, "testdata", "models", "opus-tiny")
HELD_OUT = {"Ruth", "Jonah", "Hab", "Phil", "Jas", "2Pet", "1John", "Joel", "Titus", "Col"}

SPM_VOCAB = 400
MIN_MARGIN = 5e-3
MIN_DISTINCT = 3
EOS_GAIN = 2.0
TOP = 5

# (text, target language of the multi-target model, greedy length limit).
# Every text is one sentence for nmt's splitter, and every limit stays
# under the translator's default ratio limit ⌊3 × source tokens⌋ + 10.
CASES = [
    ("", "it", 6),
    ("Jesus wept.", "fr", 10),
    ("In the beginning, God created the heavens and the earth.", "es", 14),
    ("NFD: Jose\u0301 said \u201c\ufb01ne\u201d to \uff21\uff22\uff23 \u2014 \U0001F600 \u65e5\u672c!", "pt_br", 16),
    ("  And Ruth said,   Whither thou goest, I will go  ", "ro", 16),
]

MODELS = {
    "en-ROMANCE": dict(
        seed=1, d_model=16, encoder_layers=2, decoder_layers=2, encoder_attention_heads=4,
        decoder_attention_heads=2, encoder_ffn_dim=32, decoder_ffn_dim=32, activation_function="swish",
        max_position_embeddings=64, embed_std=0.3, layout="marian", languages=["es", "fr", "it", "pt", "pt_br", "ro"],
        weights=[("model.safetensors", "F32"), ("pytorch_model.bin", "F32")], bin_positions=True,
        num_beams=4, max_length=64, old_config=True,
    ),
    "en-es": dict(
        seed=1, d_model=16, encoder_layers=2, decoder_layers=2, encoder_attention_heads=4,
        decoder_attention_heads=4, encoder_ffn_dim=48, decoder_ffn_dim=48, activation_function="relu",
        max_position_embeddings=64, embed_std=0.3, layout="spm", languages=[],
        weights=[("pytorch_model.bin", "F16")], bin_positions=False,
        num_beams=6, max_length=64, old_config=False,
    ),
}


# ------------------------------------------------------------------ sentencepiece


def run(*cmd, stdin=None):
    r = subprocess.run(cmd, input=stdin, capture_output=True, check=True)
    return r.stdout


def train_spm(corpus, tmp):
    """Trains source.spm (English, nmt_nfkc) and target.spm (Spanish,
    identity) on every 8th verse of the training books."""
    en, es = [], []
    with open(corpus, encoding="utf-8") as f:
        for i, line in enumerate(f):
            cols = line.rstrip("\n").split("\t")
            if len(cols) < 4 or cols[1] in HELD_OUT or i % 8 != 0:
                continue
            en.append(cols[2])
            es.append(cols[3])
    for name, lines in (("en", en), ("es", es)):
        with open(os.path.join(tmp, name + ".txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
    common = ["--model_type=unigram", f"--vocab_size={SPM_VOCAB}", "--character_coverage=1.0",
              "--num_threads=1", "--random_seed=1", "--minloglevel=2"]
    # Relative paths: the model records them, and they must not vary.
    subprocess.run(["spm_train", "--input=en.txt", "--model_prefix=source", *common], cwd=tmp, check=True)
    subprocess.run(["spm_train", "--input=es.txt", "--model_prefix=target", "--normalization_rule_name=identity",
                    *common], cwd=tmp, check=True)
    return os.path.join(tmp, "source.model"), os.path.join(tmp, "target.model")


def spm_pieces(model):
    """The pieces of a model in id order, without <unk>, <s> and </s>."""
    out = run("spm_export_vocab", f"--model={model}").decode("utf-8")
    pieces = [line.split("\t")[0] for line in out.split("\n") if line]
    return [p for p in pieces if p not in ("<unk>", "<s>", "</s>")]


def build_vocab(spec, source_pieces, target_pieces):
    if spec["layout"] == "marian":
        specials = ["</s>", "<unk>"] + [f">>{lang}<<" for lang in spec["languages"]]
    else:
        specials = ["<unk>", "<s>", "</s>"]
    vocab = {}
    for p in specials + source_pieces + target_pieces + ["<pad>"]:
        if p not in vocab:
            vocab[p] = len(vocab)
    return vocab


def encode(source_spm, vocab, spec):
    """Pieces and ids of every case, as MarianTokenizer makes them."""
    text = "".join(c[0] + "\n" for c in CASES).encode("utf-8")
    lines = run("spm_encode", f"--model={source_spm}", "--output_format=piece", stdin=text).decode("utf-8").split("\n")
    out = []
    for (src, lang, max_len), line in zip(CASES, lines):
        pieces = line.split(" ") if line else []
        ids = [vocab.get(p, vocab["<unk>"]) for p in pieces]
        if spec["languages"]:
            pieces, ids = [f">>{lang}<<"] + pieces, [vocab[f">>{lang}<<"]] + ids
        out.append((pieces, ids + [vocab["</s>"]]))
    return out


def decode(target_spm, vocab, ids):
    """Output ids to text: specials and language tokens dropped, the rest
    joined by spm_decode, ▁ read as a space, surrounding space trimmed."""
    inverse = {i: p for p, i in vocab.items()}
    skip = {vocab["</s>"], vocab["<unk>"], vocab["<pad>"]}
    pieces = [inverse[i] for i in ids if i not in skip and not (inverse[i].startswith(">>") and inverse[i].endswith("<<"))]
    if not pieces:
        return ""
    text = run("spm_decode", f"--model={target_spm}", "--input_format=piece",
               stdin=(" ".join(pieces) + "\n").encode("utf-8")).decode("utf-8")
    return text.rstrip("\n").replace("\u2581", " ").strip()


# -------------------------------------------------------------------- weights


def random_state(spec, vocab, seed):
    """[(name, float32 array)] in Hugging Face names, the tied embedding
    once under model.shared.weight."""
    rng = np.random.Generator(np.random.PCG64(seed))
    std = make_tiny.TINY_STD
    D, V = spec["d_model"], len(vocab)
    out = []

    def normal(shape, s):
        return (rng.standard_normal(shape) * s).astype(np.float32)

    def linear(prefix, n_out, n_in, s):
        out.append((prefix + ".weight", normal((n_out, n_in), s)))
        out.append((prefix + ".bias", normal((n_out,), std["bias"])))

    def layer_norm(prefix):
        out.append((prefix + ".weight", (1.0 + normal((D,), 0.1)).astype(np.float32)))
        out.append((prefix + ".bias", normal((D,), std["bias"])))

    def attention(prefix):
        qk = std["qk"] * (32.0 / D) ** 0.5
        for p, s in (("q_proj", qk), ("k_proj", qk), ("v_proj", std["vo"]), ("out_proj", std["vo"])):
            linear(f"{prefix}.{p}", D, D, s)

    shared = normal((V, D), spec["embed_std"])
    shared[vocab["<pad>"]] = 0.0  # Marian's pad row is zero
    shared[vocab["</s>"]] *= EOS_GAIN  # so that random models sometimes stop
    out.append(("model.shared.weight", shared))
    for i in range(spec["encoder_layers"]):
        p = f"model.encoder.layers.{i}"
        attention(p + ".self_attn")
        layer_norm(p + ".self_attn_layer_norm")
        linear(p + ".fc1", spec["encoder_ffn_dim"], D, std["fc1"])
        linear(p + ".fc2", D, spec["encoder_ffn_dim"], std["fc2"])
        layer_norm(p + ".final_layer_norm")
    for i in range(spec["decoder_layers"]):
        p = f"model.decoder.layers.{i}"
        attention(p + ".self_attn")
        layer_norm(p + ".self_attn_layer_norm")
        attention(p + ".encoder_attn")
        layer_norm(p + ".encoder_attn_layer_norm")
        linear(p + ".fc1", spec["decoder_ffn_dim"], D, std["fc1"])
        linear(p + ".fc2", D, spec["decoder_ffn_dim"], std["fc2"])
        layer_norm(p + ".final_layer_norm")
    out.append(("final_logits_bias", np.zeros((1, V), np.float32)))  # zero, as the conversions store it
    return out


def torch_state_dict(spec, state, dtype):
    """The state dict of a MarianMTModel as torch.save writes it: buffers of
    the top module first, the tied embedding under four names on one
    storage, optional position tables, and the _metadata of a real
    module's state_dict()."""
    t = {name: torch.from_numpy(arr.copy()).to(dtype) for name, arr in state}
    shared = t.pop("model.shared.weight")
    table = torch.from_numpy(marian_ref.sinusoid_table(spec["max_position_embeddings"], spec["d_model"])).to(torch.float32).to(dtype)
    sd = collections.OrderedDict()
    sd["final_logits_bias"] = t.pop("final_logits_bias")
    sd["model.shared.weight"] = shared
    sd["model.encoder.embed_tokens.weight"] = shared
    if spec["bin_positions"]:
        sd["model.encoder.embed_positions.weight"] = table
    for name in [n for n in t if n.startswith("model.encoder.")]:
        sd[name] = t.pop(name)
    sd["model.decoder.embed_tokens.weight"] = shared
    if spec["bin_positions"]:
        sd["model.decoder.embed_positions.weight"] = table.clone()
    for name in list(t):
        sd[name] = t.pop(name)
    sd["lm_head.weight"] = shared
    meta = collections.OrderedDict()
    for name in sd:
        parts = name.split(".")[:-1]
        for k in range(len(parts) + 1):
            meta.setdefault(".".join(parts[:k]), {"version": 1})
    sd._metadata = meta
    return sd


def write_weights(spec, state, model_dir):
    for name, dtype in spec["weights"]:
        path = os.path.join(model_dir, name)
        if name.endswith(".safetensors"):
            make_tiny.write_safetensors(path, [(n, a, dtype) for n, a in state], {"format": "pt"})
        else:
            torch.save(torch_state_dict(spec, state, {"F32": torch.float32, "F16": torch.float16}[dtype]), path)


# --------------------------------------------------------------------- config


def config_json(spec, vocab):
    V, pad, eos = len(vocab), vocab["<pad>"], vocab["</s>"]
    c = {
        "activation_dropout": 0.0,
        "activation_function": spec["activation_function"],
        "architectures": ["MarianMTModel"],
        "attention_dropout": 0.0,
        "bad_words_ids": [[pad]],
        "bos_token_id": 0,
        "d_model": spec["d_model"],
        "decoder_attention_heads": spec["decoder_attention_heads"],
        "decoder_ffn_dim": spec["decoder_ffn_dim"],
        "decoder_layerdrop": 0.0,
        "decoder_layers": spec["decoder_layers"],
        "decoder_start_token_id": pad,
        "dropout": 0.1,
        "encoder_attention_heads": spec["encoder_attention_heads"],
        "encoder_ffn_dim": spec["encoder_ffn_dim"],
        "encoder_layerdrop": 0.0,
        "encoder_layers": spec["encoder_layers"],
        "eos_token_id": eos,
        "forced_eos_token_id": eos,
        "init_std": 0.02,
        "is_encoder_decoder": True,
        "max_length": spec["max_length"],
        "max_position_embeddings": spec["max_position_embeddings"],
        "model_type": "marian",
        "normalize_embedding": False,
        "num_beams": spec["num_beams"],
        "num_hidden_layers": spec["encoder_layers"],
        "pad_token_id": pad,
        "scale_embedding": True,
        "static_position_embeddings": True,
        "vocab_size": V,
    }
    if spec["old_config"]:
        # transformers 3.x spelled out the BART switches and had no
        # decoder_vocab_size or share_encoder_decoder_embeddings.
        c.update({"add_bias_logits": False, "add_final_layer_norm": False, "normalize_before": False,
                  "transformers_version": "3.0.2"})
    else:
        c.update({"decoder_vocab_size": V, "share_encoder_decoder_embeddings": True, "torch_dtype": "float16",
                  "transformers_version": "4.18.0.dev0", "use_cache": True})
    return dict(sorted(c.items()))


def generation_config_json(spec, vocab):
    pad, eos = vocab["<pad>"], vocab["</s>"]
    return {
        "bad_words_ids": [[pad]],
        "bos_token_id": 0,
        "decoder_start_token_id": pad,
        "eos_token_id": eos,
        "forced_eos_token_id": eos,
        "max_length": spec["max_length"],
        "num_beams": spec["num_beams"],
        "pad_token_id": pad,
        "renormalize_logits": True,
        "transformers_version": "4.32.0.dev0",
    }


def write_json(path, obj, **kw):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=2, **kw)
        f.write("\n")


# -------------------------------------------------------------------- goldens


def greedy_case(model, src_ids, max_len, banned):
    with torch.inference_mode():
        ids, steps = model.greedy(torch.tensor([src_ids]), max_len=max_len, banned=banned, force_eos=True)
        # Raw logits of every step, for the step statistics: decoding the
        # greedy output again in one pass gives the same values.
        enc, mask, _ = model.encode(torch.tensor([src_ids]))
        c = model.config
        raw, _ = model.decode(enc, mask, torch.tensor([[c["decoder_start_token_id"]] + ids[0][:-1]]))
    return ids[0], raw[0], [float(s["margin"][0]) for s in steps]  # inf on the forced last step


def step_stats(raw, allowed, eos):
    out = []
    for row in raw:
        row = row.double()
        vals = row[allowed]
        order = torch.sort(vals, descending=True, stable=True).indices[:TOP]
        out.append({
            "top": [[int(allowed[k]), float(f"{float(vals[k]):.7g}")] for k in order],
            "eos": float(f"{float(row[eos]):.7g}"),
            "logsumexp": float(f"{float(torch.logsumexp(vals, dim=0)):.7g}"),
        })
    return out


def check_seed(model_dir, spec, vocab, cases):
    """Runs every case from every weights file in float64 and float32.
    Returns (results per case from the first file, report)."""
    banned = [vocab["<pad>"]]
    eos = vocab["</s>"]
    allowed = torch.tensor([i for i in range(len(vocab)) if i not in banned])
    report = {"min_margin": math.inf, "same_files": True, "same_f32": True, "f32_logit_dev": 0.0,
              "late_eos": 0, "limit_runs": 0, "min_distinct": 99}
    first = None
    for name, _ in spec["weights"]:
        m64 = marian_ref.Marian(model_dir, torch.float64, name)
        m32 = marian_ref.Marian(model_dir, torch.float32, name)
        results = []
        for (pieces, ids), (text, lang, max_len) in zip(cases, CASES):
            g64, raw64, margins = greedy_case(m64, ids, max_len, banned)
            g32, raw32, _ = greedy_case(m32, ids, max_len, banned)
            report["min_margin"] = min(report["min_margin"], min(margins))
            report["same_f32"] &= g64 == g32
            if g64 == g32:
                report["f32_logit_dev"] = max(report["f32_logit_dev"], float((raw64 - raw32.double()).abs().max()))
            results.append((g64, raw64))
        if first is None:
            first = results
        else:
            report["same_files"] &= all(a[0] == b[0] and torch.equal(a[1], b[1]) for a, b in zip(first, results))
    for (g, _), (_, _, max_len) in zip(first, CASES):
        if len(g) < max_len and len(g) > 1:
            report["late_eos"] += 1
        if len(g) == max_len:
            report["limit_runs"] += 1
            report["min_distinct"] = min(report["min_distinct"], len(set(g)))
    report["stats"] = [step_stats(raw, allowed, eos) for _, raw in first]
    return first, report


def acceptable(r):
    return (r["min_margin"] > MIN_MARGIN and r["same_files"] and r["same_f32"] and r["late_eos"] >= 1
            and r["limit_runs"] >= 1 and r["min_distinct"] >= MIN_DISTINCT)


def dump(obj, indent=0):
    """JSON with one line per innermost list or flat object."""
    pad = " " * indent

    def nested(v):
        return isinstance(v, dict) or (isinstance(v, list) and bool(v) and isinstance(v[0], dict))

    if isinstance(obj, dict) and any(nested(v) for v in obj.values()):
        items = [f"{pad} {json.dumps(k)}: {dump(v, indent + 1).lstrip()}" for k, v in obj.items()]
        return pad + "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, list) and nested(obj):
        return pad + "[\n" + ",\n".join(dump(x, indent + 1) for x in obj) + "\n" + pad + "]"
    return pad + json.dumps(obj, ensure_ascii=False)


def build(name, spec, source_spm, target_spm, source_pieces, target_pieces):
    vocab = build_vocab(spec, source_pieces, target_pieces)
    cases = encode(source_spm, vocab, spec)
    final = os.path.join(OUT, name)
    tmp = tempfile.mkdtemp(prefix=name + ".", dir=OUT)
    try:
        shutil.copyfile(source_spm, os.path.join(tmp, "source.spm"))
        shutil.copyfile(target_spm, os.path.join(tmp, "target.spm"))
        write_json(os.path.join(tmp, "vocab.json"), vocab)  # \\u escapes, as transformers writes it
        write_json(os.path.join(tmp, "config.json"), config_json(spec, vocab))
        write_json(os.path.join(tmp, "generation_config.json"), generation_config_json(spec, vocab))
        src_lang, tgt_lang = name.split("-")
        write_json(os.path.join(tmp, "tokenizer_config.json"),
                   {"separate_vocabs": False, "source_lang": src_lang, "target_lang": tgt_lang})
        seed = spec["seed"]
        while True:
            state = random_state(spec, vocab, seed)
            write_weights(spec, state, tmp)
            results, report = check_seed(tmp, spec, vocab, cases)
            if acceptable(report):
                break
            seed += 1
            if seed > spec["seed"] + 500:
                raise SystemExit(f"{name}: no acceptable seed in 500 tries")
        golden = {
            "generated_by": f"scripts/reference/make_opus_tiny.py (seed {seed}, torch {torch.__version__}, sentencepiece 0.1.97 tools)",
            "precision": "float64 forward pass over the stored weights; logits rounded to 7 significant digits",
            "banned": [vocab["<pad>"]],
            "cases": [],
        }
        for (pieces, ids), (text, lang, max_len), (g, _), stats in zip(cases, CASES, results, report["stats"]):
            golden["cases"].append({
                "text": text,
                "target_language": lang if spec["languages"] else "",
                "src_pieces": pieces,
                "src_ids": ids,
                "max_len": max_len,
                "greedy_ids": g,
                "translation": decode(target_spm, vocab, g),
                "steps": stats,
            })
        with open(os.path.join(tmp, "greedy_golden.json"), "w", encoding="utf-8") as f:
            f.write(dump(golden) + "\n")
        if os.path.exists(final):
            shutil.rmtree(final)
        os.rename(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    del report["stats"]
    print(f"{name}: seed {seed}, vocab {len(vocab)}; " +
          ", ".join(f"{k} {v:.3g}" if isinstance(v, float) else f"{k} {v}" for k, v in report.items()))
    for (pieces, ids), (g, _) in zip(cases, results):
        print(f"  src {len(ids):2d} -> {g}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", default="/work/shared/corpus/bible.en-es.tsv")
    a = ap.parse_args()
    os.makedirs(OUT, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        source_spm, target_spm = train_spm(a.corpus, tmp)
        source_pieces, target_pieces = spm_pieces(source_spm), spm_pieces(target_spm)
        for name, spec in MODELS.items():
            build(name, spec, source_spm, target_spm, source_pieces, target_pieces)
    return 0


if __name__ == "__main__":
    sys.exit(main())
