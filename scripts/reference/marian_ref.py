#!/usr/bin/python3
"""Independent PyTorch reference of the MarianMT forward pass.

Reads a Hugging Face MarianMT-layout directory (config.json and
model.safetensors, or pytorch_model.bin when there is no model.safetensors)
without the transformers library and computes what
transformers.MarianMTModel computes in evaluation mode:

  encoder   x = embed(src) * sqrt(D) [if scale_embedding] + sinusoid(0..S-1)
            per layer: x = LN(x + SelfAttn(x, key padding mask))
                       x = LN(x + fc2(act(fc1(x))))
  decoder   y = embed(tgt_in) * sqrt(D) [if scale_embedding] + sinusoid(0..T-1)
            per layer: y = LN(y + SelfAttn(y, causal mask))
                       y = LN(y + CrossAttn(y, x, key padding mask))
                       y = LN(y + fc2(act(fc1(y))))
  logits    y @ E_dec^T + final_logits_bias   (tied), or y @ lm_head^T + bias

There is no embedding layer norm and no final layer norm. Attention
scales q (after q_proj and its bias) by head_dim^-0.5; masked scores get
the most negative finite value of the dtype, as transformers does. The
sinusoidal table puts all sines in the first half of the vector and all
cosines in the second: dim j < D/2 is sin(p / 10000^(2j/D)) and dim
D/2 + j is cos of the same angle. Positions start at 0 on both sides.

Needs only /usr/bin/python3 with python3-torch and python3-numpy (Debian).

Greedy search masks the pad id (and any further banned ids, such as the
bad_words_ids of a generation config) to -inf before the argmax; with
force_eos it also ends a hypothesis that reaches its length limit with
</s>, as generate() does with forced_eos_token_id.

Command line (a quick look at a model):
  marian_ref.py MODEL_DIR --src 5,9,1 [--max-len 20] [--dtype float64]
                [--weights pytorch_model.bin] [--ban 3,4] [--force-eos]
"""

import argparse
import json
import math
import os
import struct
import sys

import numpy as np
import torch

# ---------------------------------------------------------------- safetensors


def read_safetensors(path):
    """Returns {name: float32 numpy array}. F32, F16 and BF16 are widened."""
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 8:
        raise ValueError(f"{path}: shorter than the 8-byte header length")
    (hlen,) = struct.unpack("<Q", blob[:8])
    if 8 + hlen > len(blob):
        raise ValueError(f"{path}: header length {hlen} runs past the end")
    header = json.loads(blob[8 : 8 + hlen].decode("utf-8"))
    data = memoryview(blob)[8 + hlen :]
    out = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        dtype, shape = entry["dtype"], tuple(entry["shape"])
        begin, end = entry["data_offsets"]
        if not 0 <= begin <= end <= len(data):
            raise ValueError(f"{path}: {name}: data_offsets {begin}..{end} outside the data")
        raw = data[begin:end]
        count = int(np.prod(shape)) if shape else 1
        if dtype == "F32":
            arr = np.frombuffer(raw, dtype="<f4", count=count).astype(np.float32)
        elif dtype == "F16":
            arr = np.frombuffer(raw, dtype="<f2", count=count).astype(np.float32)
        elif dtype == "BF16":
            # bfloat16 is the upper half of a float32.
            bits = np.frombuffer(raw, dtype="<u2", count=count).astype(np.uint32) << 16
            arr = bits.view(np.float32)
        else:
            raise ValueError(f"{path}: {name}: dtype {dtype} is not F32, F16 or BF16")
        if arr.size * {"F32": 4}.get(dtype, 2) != end - begin:
            raise ValueError(f"{path}: {name}: {end - begin} bytes do not hold shape {shape} of {dtype}")
        out[name] = arr.reshape(shape)
    return out


def read_torch(path):
    """Returns {name: float32 numpy array} from a torch.save archive
    (pytorch_model.bin). F16 and BF16 are widened exactly."""
    sd = torch.load(path, map_location="cpu")
    out = {}
    for name, t in sd.items():
        if not isinstance(t, torch.Tensor):
            raise ValueError(f"{path}: {name} is a {type(t).__name__}, not a tensor")
        if t.dtype not in (torch.float32, torch.float16, torch.bfloat16):
            raise ValueError(f"{path}: {name}: dtype {t.dtype} is not float32, float16 or bfloat16")
        out[name] = t.detach().to(torch.float32).contiguous().numpy()
    return out


def read_weights(model_dir, weights=None):
    """Reads weights (a file name inside model_dir; default model.safetensors,
    or pytorch_model.bin when the directory has no model.safetensors).
    Returns ({name: float32 array}, file name)."""
    if weights is None:
        weights = "model.safetensors"
        if not os.path.exists(os.path.join(model_dir, weights)) and os.path.exists(os.path.join(model_dir, "pytorch_model.bin")):
            weights = "pytorch_model.bin"
    path = os.path.join(model_dir, weights)
    if weights.endswith(".safetensors"):
        return read_safetensors(path), weights
    return read_torch(path), weights


# --------------------------------------------------------------------- config


def read_config(model_dir):
    with open(os.path.join(model_dir, "config.json")) as f:
        raw = json.load(f)
    c = dict(raw)
    c.setdefault("activation_function", "swish")
    c.setdefault("scale_embedding", True)
    c.setdefault("share_encoder_decoder_embeddings", True)
    c.setdefault("tie_word_embeddings", True)
    c.setdefault("decoder_start_token_id", c["pad_token_id"])
    if not c.get("decoder_vocab_size"):
        c["decoder_vocab_size"] = c["vocab_size"]
    return c


def sinusoid_table(n_pos, dim):
    """[n_pos, dim] float64: sines in [:dim/2], cosines in [dim/2:]."""
    half = dim // 2
    j = np.arange(half, dtype=np.float64)
    inv = np.power(10000.0, -2.0 * j / dim)  # [half]
    angle = np.arange(n_pos, dtype=np.float64)[:, None] * inv[None, :]  # [n_pos, half]
    return np.concatenate([np.sin(angle), np.cos(angle)], axis=1)


def activation(name):
    if name in ("swish", "silu"):
        return lambda x: x * torch.sigmoid(x)
    if name == "relu":
        return lambda x: torch.clamp(x, min=0)
    if name == "gelu":
        return lambda x: 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))
    if name == "gelu_new":
        c = math.sqrt(2.0 / math.pi)
        return lambda x: 0.5 * x * (1.0 + torch.tanh(c * (x + 0.044715 * x * x * x)))
    raise ValueError(f"activation_function {name!r} is not supported")


# ---------------------------------------------------------------------- model


class Linear:
    def __init__(self, w, b):
        self.w, self.b = w, b  # [out, in], [out]

    def __call__(self, x):
        return torch.nn.functional.linear(x, self.w, self.b)  # x @ w^T + b


class LayerNorm:
    def __init__(self, g, b, eps=1e-5):
        self.g, self.b, self.eps = g, b, eps

    def __call__(self, x):
        mean = x.mean(dim=-1, keepdim=True)
        var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)  # biased, as nn.LayerNorm
        return (x - mean) / torch.sqrt(var + self.eps) * self.g + self.b


class Attention:
    def __init__(self, get, prefix, heads):
        self.q = Linear(get(prefix + "q_proj.weight"), get(prefix + "q_proj.bias"))
        self.k = Linear(get(prefix + "k_proj.weight"), get(prefix + "k_proj.bias"))
        self.v = Linear(get(prefix + "v_proj.weight"), get(prefix + "v_proj.bias"))
        self.o = Linear(get(prefix + "out_proj.weight"), get(prefix + "out_proj.bias"))
        self.heads = heads

    def split(self, x):
        b, t, d = x.shape  # [B, T, D] -> [B, H, T, hd]
        return x.view(b, t, self.heads, d // self.heads).transpose(1, 2)

    def keys_values(self, x):
        return self.split(self.k(x)), self.split(self.v(x))

    def __call__(self, x, k, v, mask):
        """x [B, T, D]; k, v [B, H, S, hd]; mask additive, broadcast to [B, H, T, S].
        Returns (output [B, T, D], weights [B, H, T, S])."""
        b, t, d = x.shape
        hd = d // self.heads
        q = self.split(self.q(x)) * (hd ** -0.5)  # [B, H, T, hd]
        scores = torch.matmul(q, k.transpose(-1, -2))  # [B, H, T, S]
        if mask is not None:
            scores = scores + mask
        w = torch.softmax(scores, dim=-1)
        ctx = torch.matmul(w, v).transpose(1, 2).reshape(b, t, d)  # [B, T, D]
        return self.o(ctx), w


class EncoderLayer:
    def __init__(self, get, p, c, act):
        self.attn = Attention(get, p + "self_attn.", c["encoder_attention_heads"])
        self.ln1 = LayerNorm(get(p + "self_attn_layer_norm.weight"), get(p + "self_attn_layer_norm.bias"))
        self.fc1 = Linear(get(p + "fc1.weight"), get(p + "fc1.bias"))
        self.fc2 = Linear(get(p + "fc2.weight"), get(p + "fc2.bias"))
        self.ln2 = LayerNorm(get(p + "final_layer_norm.weight"), get(p + "final_layer_norm.bias"))
        self.act = act

    def __call__(self, x, mask):
        k, v = self.attn.keys_values(x)
        a, w = self.attn(x, k, v, mask)
        x = self.ln1(x + a)
        x = self.ln2(x + self.fc2(self.act(self.fc1(x))))
        return x, w


class DecoderLayer:
    def __init__(self, get, p, c, act):
        h = c["decoder_attention_heads"]
        self.self_attn = Attention(get, p + "self_attn.", h)
        self.ln1 = LayerNorm(get(p + "self_attn_layer_norm.weight"), get(p + "self_attn_layer_norm.bias"))
        self.cross = Attention(get, p + "encoder_attn.", h)
        self.ln2 = LayerNorm(get(p + "encoder_attn_layer_norm.weight"), get(p + "encoder_attn_layer_norm.bias"))
        self.fc1 = Linear(get(p + "fc1.weight"), get(p + "fc1.bias"))
        self.fc2 = Linear(get(p + "fc2.weight"), get(p + "fc2.bias"))
        self.ln3 = LayerNorm(get(p + "final_layer_norm.weight"), get(p + "final_layer_norm.bias"))
        self.act = act

    def __call__(self, y, self_k, self_v, self_mask, cross_k, cross_v, cross_mask):
        a, _ = self.self_attn(y, self_k, self_v, self_mask)
        y = self.ln1(y + a)
        a, w = self.cross(y, cross_k, cross_v, cross_mask)
        y = self.ln2(y + a)
        y = self.ln3(y + self.fc2(self.act(self.fc1(y))))
        return y, w


class Marian:
    """A loaded model. All tensors have the dtype given at load time."""

    def __init__(self, model_dir, dtype=torch.float32, weights=None):
        """weights: the weights file inside model_dir (see read_weights)."""
        c = read_config(model_dir)
        raw, weights = read_weights(model_dir, weights)
        self.config, self.dtype = c, dtype
        self.names = set(raw)

        def get(name):
            if name not in raw:
                raise KeyError(f"{model_dir}: {weights} has no tensor {name}")
            return torch.from_numpy(raw[name].astype(np.float64)).to(dtype)

        def first(*names):
            for n in names:
                if n in raw:
                    return get(n)
            raise KeyError(f"{model_dir}: {weights} has none of {names}")

        D = c["d_model"]
        V, Vd = c["vocab_size"], c["decoder_vocab_size"]
        if c["share_encoder_decoder_embeddings"]:
            shared = first("model.shared.weight", "model.encoder.embed_tokens.weight", "model.decoder.embed_tokens.weight")
            self.enc_embed = self.dec_embed = shared
        else:
            self.enc_embed = get("model.encoder.embed_tokens.weight")
            self.dec_embed = get("model.decoder.embed_tokens.weight")
        check_shape("encoder embedding", self.enc_embed, (V, D))
        check_shape("decoder embedding", self.dec_embed, (Vd, D))
        if c["tie_word_embeddings"]:
            self.out_proj = self.dec_embed
        else:
            self.out_proj = get("lm_head.weight")
        check_shape("output projection", self.out_proj, (Vd, D))
        if "final_logits_bias" in raw:
            self.out_bias = get("final_logits_bias").reshape(-1)
        else:
            self.out_bias = torch.zeros(Vd, dtype=dtype)
        check_shape("final_logits_bias", self.out_bias, (Vd,))

        self.embed_scale = math.sqrt(D) if c["scale_embedding"] else 1.0
        self.positions = torch.from_numpy(sinusoid_table(c["max_position_embeddings"], D)).to(dtype)
        act = activation(c["activation_function"])
        self.encoder = [EncoderLayer(get, f"model.encoder.layers.{i}.", c, act) for i in range(c["encoder_layers"])]
        self.decoder = [DecoderLayer(get, f"model.decoder.layers.{i}.", c, act) for i in range(c["decoder_layers"])]
        self.neg = torch.finfo(dtype).min

    # -- encoder

    def padding_mask(self, src_lens, S):
        """Additive key mask [B, 1, 1, S] hiding positions >= each length."""
        lens = torch.tensor(src_lens).view(-1, 1)
        hide = torch.arange(S).view(1, S) >= lens  # [B, S]
        mask = torch.zeros(hide.shape, dtype=self.dtype).masked_fill(hide, self.neg)
        return mask.view(len(src_lens), 1, 1, S)

    def encode(self, src, src_lens=None):
        """src: LongTensor [B, S] (padded with pad_token_id past src_lens).
        Returns (states [B, S, D], key mask [B, 1, 1, S], self-attention per layer)."""
        B, S = src.shape
        if src_lens is None:
            src_lens = [S] * B
        mask = self.padding_mask(src_lens, S)
        x = self.enc_embed[src] * self.embed_scale + self.positions[:S]  # [B, S, D]
        attn = []
        for layer in self.encoder:
            x, w = layer(x, mask)
            attn.append(w)
        return x, mask, attn

    # -- decoder, whole sequence (forced decoding)

    def decode(self, enc, enc_mask, tgt_in):
        """tgt_in: LongTensor [B, T]. Returns (logits [B, T, Vd],
        cross-attention [layers] of [B, H, T, S])."""
        B, T = tgt_in.shape
        causal = torch.triu(torch.full((T, T), self.neg, dtype=self.dtype), diagonal=1).view(1, 1, T, T)
        y = self.dec_embed[tgt_in] * self.embed_scale + self.positions[:T]  # [B, T, D]
        cross = []
        for layer in self.decoder:
            k, v = layer.self_attn.keys_values(y)
            ck, cv = layer.cross.keys_values(enc)
            y, w = layer(y, k, v, causal, ck, cv, enc_mask)
            cross.append(w)
        return self.logits(y), cross

    def logits(self, y):
        return torch.matmul(y, self.out_proj.t()) + self.out_bias  # [B, T, Vd]

    # -- decoder, one step at a time with a key/value cache

    def start_cache(self, enc):
        """Cross-attention keys and values, computed once per source."""
        return {"cross": [layer.cross.keys_values(enc) for layer in self.decoder], "self": [None] * len(self.decoder), "t": 0}

    def step(self, cache, enc_mask, tokens):
        """tokens: LongTensor [B] at position cache['t']. Returns
        (logits [B, Vd], cross-attention [layers] of [B, H, S]); updates cache."""
        t = cache["t"]
        y = self.dec_embed[tokens.view(-1, 1)] * self.embed_scale + self.positions[t : t + 1]  # [B, 1, D]
        cross = []
        for i, layer in enumerate(self.decoder):
            k, v = layer.self_attn.keys_values(y)  # [B, H, 1, hd]
            if cache["self"][i] is not None:
                pk, pv = cache["self"][i]
                k, v = torch.cat([pk, k], dim=2), torch.cat([pv, v], dim=2)
            cache["self"][i] = (k, v)
            ck, cv = cache["cross"][i]
            y, w = layer(y, k, v, None, ck, cv, enc_mask)
            cross.append(w[:, :, 0, :])
        cache["t"] = t + 1
        return self.logits(y)[:, 0, :], cross

    # -- greedy decoding

    def greedy(self, src, src_lens=None, max_len=20, stop_at_eos=True, banned=None, force_eos=False):
        """Greedy search with the pad id and the ids in banned masked out.
        With force_eos, the last of max_len steps may only produce eos.
        Returns per sentence the generated ids (eos included when
        produced), and for batch 1 also the per-step cross-attention
        [t][layer][head][S], logits [t][Vd] (masked entries -inf) and the
        top-1 minus top-2 margin of every step (inf on a forced step)."""
        c = self.config
        enc, mask, _ = self.encode(src, src_lens)
        B = src.shape[0]
        cache = self.start_cache(enc)
        tokens = torch.full((B,), c["decoder_start_token_id"], dtype=torch.long)
        out = [[] for _ in range(B)]
        done = [False] * B
        steps = []
        for t in range(max_len):
            logits, cross = self.step(cache, mask, tokens)
            logits = logits.clone()
            logits[:, c["pad_token_id"]] = -math.inf
            for b in banned or ():
                logits[:, b] = -math.inf
            if force_eos and t == max_len - 1:
                keep = logits[:, c["eos_token_id"]].clone()
                logits[:, :] = -math.inf
                logits[:, c["eos_token_id"]] = keep
            top2 = torch.topk(logits, 2, dim=-1)
            tokens = top2.indices[:, 0]
            steps.append({
                "logits": logits, "cross": cross,
                "margin": (top2.values[:, 0] - top2.values[:, 1]),
            })
            for b in range(B):
                if not done[b]:
                    out[b].append(int(tokens[b]))
                    if stop_at_eos and tokens[b] == c["eos_token_id"]:
                        done[b] = True
            if stop_at_eos and all(done):
                break
        return out, steps


def check_shape(what, t, shape):
    if tuple(t.shape) != tuple(shape):
        raise ValueError(f"{what} has shape {tuple(t.shape)}, want {tuple(shape)}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model_dir")
    ap.add_argument("--src", required=True, help="comma-separated source ids (end with eos)")
    ap.add_argument("--max-len", type=int, default=20)
    ap.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    ap.add_argument("--weights", help="weights file in MODEL_DIR (default model.safetensors, else pytorch_model.bin)")
    ap.add_argument("--ban", default="", help="comma-separated ids never generated (besides the pad id)")
    ap.add_argument("--force-eos", action="store_true", help="end at the length limit with </s>")
    a = ap.parse_args()
    m = Marian(a.model_dir, getattr(torch, a.dtype), a.weights)
    src = torch.tensor([[int(s) for s in a.src.split(",")]])
    banned = [int(b) for b in a.ban.split(",") if b]
    with torch.inference_mode():
        ids, steps = m.greedy(src, max_len=a.max_len, banned=banned, force_eos=a.force_eos)
    print("greedy:", " ".join(map(str, ids[0])))
    print("margins:", " ".join(f"{float(s['margin'][0]):.4g}" for s in steps))


if __name__ == "__main__":
    sys.exit(main())
