#!/usr/bin/python3
"""CTranslate2 peer of translate-cli bench: the same checkpoint, the same work.

  bench_ct2.py --convert MODEL_DIR CT2_DIR     write MODEL_DIR in CTranslate2's format
  bench_ct2.py CT2_DIR [--compute-type int8] [--sentences 8] [--batch 1]
               [--beam 1] [--src-len 24] [--tgt-len 32] [--rounds 3] [--threads 2]

Needs the ctranslate2 Python package (docs/performance.md says how it was
built for the comparison there; scripts/deps.sh does not install it).

--convert reads a Hugging Face Marian directory (config.json and
model.safetensors, through marian_ref.py) and writes CTranslate2's
TransformerSpec from the tensors directly, without the transformers
library: post-norm layers, sinusoidal positions with sines first, embeddings
scaled by sqrt(d_model), shared embeddings, final_logits_bias as the bias of
the output projection, the decoder starting from the decoder start token's
embedding. Token i is named "t<i>" in both vocabularies. The weights are
stored as float32; --compute-type chooses what they become at load.

The measurement runs Translator(device="cpu", intra_threads=--threads,
inter_threads=1).translate_batch on the synthetic sources of
translate-cli bench, max_batch_size --batch, beam --beam, with
min_decoding_length = max_decoding_length = --tgt-len so that every
hypothesis takes exactly that many decoder steps, and prints one JSON line
like translate-cli bench --json.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import benchwork  # noqa: E402


def token(i):
    return f"t{i}"


def convert(model_dir, out_dir):
    import math

    import marian_ref
    import numpy as np
    from ctranslate2.specs import common_spec, transformer_spec

    c = marian_ref.read_config(model_dir)
    raw, _ = marian_ref.read_weights(model_dir)
    if not (c["share_encoder_decoder_embeddings"] and c["tie_word_embeddings"]):
        raise SystemExit("bench_ct2.py converts models with shared, tied embeddings only")

    def get(name):
        return np.ascontiguousarray(raw[name], dtype=np.float32)

    acts = {"swish": common_spec.Activation.SWISH, "silu": common_spec.Activation.SWISH,
            "relu": common_spec.Activation.RELU, "gelu": common_spec.Activation.GELU,
            "gelu_new": common_spec.Activation.GELUTanh}
    spec = transformer_spec.TransformerSpec.from_config(
        (c["encoder_layers"], c["decoder_layers"]), c["encoder_attention_heads"],
        pre_norm=False, activation=acts[c["activation_function"]])
    D = c["d_model"]
    embed = get("model.shared.weight")
    positions = marian_ref.sinusoid_table(c["max_position_embeddings"], D).astype(np.float32)
    scale = math.sqrt(D) if c["scale_embedding"] else 1.0

    def linear(s, *prefixes):
        s.weight = np.concatenate([get(p + ".weight") for p in prefixes])
        s.bias = np.concatenate([get(p + ".bias") for p in prefixes])

    def norm(s, prefix):
        s.gamma, s.beta = get(prefix + ".weight"), get(prefix + ".bias")

    def attention(s, p, cross):
        names = [p + n for n in ("q_proj", "k_proj", "v_proj")]
        if cross:
            linear(s.linear[0], names[0])
            linear(s.linear[1], *names[1:])
        else:
            linear(s.linear[0], *names)
        linear(s.linear[-1], p + "out_proj")

    for side, layers in (("encoder", spec.encoder), ("decoder", spec.decoder)):
        layers.scale_embeddings = scale
        layers.position_encodings.encodings = positions
        emb = layers.embeddings[0] if side == "encoder" else layers.embeddings
        emb.weight = embed
        for i, ls in enumerate(layers.layer):
            p = f"model.{side}.layers.{i}."
            attention(ls.self_attention, p + "self_attn.", False)
            norm(ls.self_attention.layer_norm, p + "self_attn_layer_norm")
            if side == "decoder":
                attention(ls.attention, p + "encoder_attn.", True)
                norm(ls.attention.layer_norm, p + "encoder_attn_layer_norm")
            linear(ls.ffn.linear_0, p + "fc1")
            linear(ls.ffn.linear_1, p + "fc2")
            norm(ls.ffn.layer_norm, p + "final_layer_norm")
    spec.decoder.projection.weight = embed
    if "final_logits_bias" in raw:
        spec.decoder.projection.bias = get("final_logits_bias").reshape(-1)

    vocab = [token(i) for i in range(c["vocab_size"])]
    spec.register_source_vocabulary(vocab)
    spec.register_target_vocabulary(vocab)
    spec.config.eos_token = token(c["eos_token_id"])
    spec.config.unk_token = token(1 if c["eos_token_id"] != 1 else 2)
    spec.config.bos_token = token(c["decoder_start_token_id"])
    spec.config.decoder_start_token = token(c["decoder_start_token_id"])
    spec.config.layer_norm_epsilon = 1e-5
    spec.validate()
    spec.optimize(quantization=None)
    os.makedirs(out_dir, exist_ok=True)
    spec.save(out_dir)
    with open(os.path.join(out_dir, "marian_config.json"), "w") as f:
        import json

        json.dump(c, f)


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--convert":
        convert(sys.argv[2], sys.argv[3])
        return 0
    ap = benchwork.arguments("CTranslate2 peer of translate-cli bench.")
    ap.add_argument("--compute-type", default="int8", help="int8, float32, ...")
    a = ap.parse_args()

    import json

    import ctranslate2

    with open(os.path.join(a.model_dir, "marian_config.json")) as f:
        c = json.load(f)
    t0 = time.perf_counter()
    tr = ctranslate2.Translator(a.model_dir, device="cpu", compute_type=a.compute_type,
                                intra_threads=a.threads, inter_threads=1)
    load = time.perf_counter() - t0
    src = [[token(i) for i in s] for s in benchwork.sources(c, a.sentences, a.src_len)]

    def one_round():
        out = tr.translate_batch(src, max_batch_size=a.batch, beam_size=a.beam,
                                 min_decoding_length=a.tgt_len, max_decoding_length=a.tgt_len)
        assert all(len(r.hypotheses[0]) == a.tgt_len for r in out), [len(r.hypotheses[0]) for r in out]

    times = benchwork.measure(a, one_round)
    benchwork.report("ctranslate2-" + a.compute_type, a, load, times, ctranslate2=ctranslate2.__version__)
    return 0


if __name__ == "__main__":
    sys.exit(main())
