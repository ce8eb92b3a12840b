#!/usr/bin/python3
"""Checks marian_ref.py against PyTorch's own transformer layers.

torch.nn.TransformerEncoderLayer and TransformerDecoderLayer with
norm_first=False are post-layer-norm blocks of the same shape as Marian's
(self-attention, [cross-attention,] feed-forward, each followed by
LayerNorm(x + sublayer(x))), and nn.MultiheadAttention scales q by
head_dim^-0.5 after the input projection. Loading a model's weights into
them gives a second, independent forward pass; this script compares its
encoder output and forced-decoding logits with marian_ref's, in float64,
for every golden case of every tiny model, and also compares the
cross-attention of the decoder's first block (from nn.MultiheadAttention
with per-head weights).

Usage: crosscheck.py [MODEL_DIR ...]   (default: every tiny model)
"""

import glob
import os
import sys

import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import bytebpe  # noqa: E402
import make_goldens  # noqa: E402
import marian_ref  # noqa: E402


def load_mha(mha, att):
    with torch.no_grad():
        mha.in_proj_weight.copy_(torch.cat([att.q.w, att.k.w, att.v.w]))
        mha.in_proj_bias.copy_(torch.cat([att.q.b, att.k.b, att.v.b]))
        mha.out_proj.weight.copy_(att.o.w)
        mha.out_proj.bias.copy_(att.o.b)


def load_common(t, ref, norms):
    with torch.no_grad():
        t.linear1.weight.copy_(ref.fc1.w)
        t.linear1.bias.copy_(ref.fc1.b)
        t.linear2.weight.copy_(ref.fc2.w)
        t.linear2.bias.copy_(ref.fc2.b)
        for tn, rn in norms:
            tn.weight.copy_(rn.g)
            tn.bias.copy_(rn.b)


def torch_layers(m):
    c = m.config
    act = marian_ref.activation(c["activation_function"])
    kw = dict(dropout=0.0, activation=act, layer_norm_eps=1e-5, batch_first=True, norm_first=False, dtype=torch.float64)
    enc = []
    for r in m.encoder:
        t = nn.TransformerEncoderLayer(c["d_model"], c["encoder_attention_heads"], c["encoder_ffn_dim"], **kw)
        load_mha(t.self_attn, r.attn)
        load_common(t, r, [(t.norm1, r.ln1), (t.norm2, r.ln2)])
        enc.append(t.eval())
    dec = []
    for r in m.decoder:
        t = nn.TransformerDecoderLayer(c["d_model"], c["decoder_attention_heads"], c["decoder_ffn_dim"], **kw)
        load_mha(t.self_attn, r.self_attn)
        load_mha(t.multihead_attn, r.cross)
        load_common(t, r, [(t.norm1, r.ln1), (t.norm2, r.ln2), (t.norm3, r.ln3)])
        dec.append(t.eval())
    return enc, dec


def check(model_dir):
    m = marian_ref.Marian(model_dir, torch.float64)
    enc_layers, dec_layers = torch_layers(m)
    tok = bytebpe.Tokenizer.load(os.path.join(model_dir, "tokenizer.json"))
    c = m.config
    worst = {"encoder": 0.0, "logits": 0.0, "cross_attention": 0.0}
    for _, _, src_ids, tgt_ids, _ in make_goldens.case_ids(tok, c["eos_token_id"]):
        src = torch.tensor([src_ids])
        tgt_in = torch.tensor([[c["decoder_start_token_id"]] + tgt_ids[:-1]])
        T = tgt_in.shape[1]
        with torch.inference_mode():
            ref_enc, mask, _ = m.encode(src)
            ref_logits, ref_cross = m.decode(ref_enc, mask, tgt_in)

            x = m.enc_embed[src] * m.embed_scale + m.positions[: src.shape[1]]
            for layer in enc_layers:
                x = layer(x)
            y = m.dec_embed[tgt_in] * m.embed_scale + m.positions[:T]
            causal = torch.triu(torch.full((T, T), float("-inf"), dtype=torch.float64), diagonal=1)
            # Cross-attention of block 0: its query is norm1(y + self-attention(y)).
            d0 = dec_layers[0]
            h = d0.norm1(y + d0.self_attn(y, y, y, attn_mask=causal, need_weights=False)[0])
            _, w0 = d0.multihead_attn(h, x, x, need_weights=True, average_attn_weights=False)
            for layer in dec_layers:
                y = layer(y, x, tgt_mask=causal)
            logits = y @ m.out_proj.t() + m.out_bias
        worst["encoder"] = max(worst["encoder"], (x - ref_enc).abs().max().item())
        worst["logits"] = max(worst["logits"], (logits - ref_logits).abs().max().item())
        worst["cross_attention"] = max(worst["cross_attention"], (w0 - ref_cross[0]).abs().max().item())
    return worst


def check_positions(n_pos=64, dim=48):
    """The table from its definition, element by element: dim j < D/2 holds
    sin(p / 10000^(2j/D)), dim D/2 + j holds cos of the same angle."""
    import math

    want = torch.zeros(n_pos, dim, dtype=torch.float64)
    for p in range(n_pos):
        for j in range(dim // 2):
            angle = p / math.pow(10000, 2 * j / dim)
            want[p, j] = math.sin(angle)
            want[p, dim // 2 + j] = math.cos(angle)
    got = torch.from_numpy(marian_ref.sinusoid_table(n_pos, dim))
    return (got - want).abs().max().item()


def main(argv):
    dirs = argv or sorted(os.path.dirname(p) for p in glob.glob(os.path.join(make_goldens.MODELS, "*", "config.json")))
    gap = check_positions()
    print(f"sinusoid table: largest difference {gap:.2e}")
    bad = gap > 1e-12
    for d in dirs:
        worst = check(d)
        print(f"{os.path.basename(d)}: largest difference " + ", ".join(f"{k} {v:.2e}" for k, v in worst.items()))
        bad |= any(v > 1e-9 for v in worst.values())
    if bad:
        print("marian_ref.py and torch.nn disagree", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
