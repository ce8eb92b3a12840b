#!/usr/bin/python3
"""Training-speed peer for nmt/train: the same model trained with PyTorch.

Post-LN transformer encoder-decoder with the default shape of
`translate-cli train` (d_model 256, 4 heads, 3+3 layers, ffn 1024, swish,
vocabulary 8000, shared and tied embeddings scaled by sqrt(d_model),
sinusoidal positions), label smoothing 0.1, dropout 0.1, Adam
(0.9, 0.98, 1e-9), gradient clipping at 1, on a fixed random batch of the
same shape as `go test ./nmt/train -bench Step` (96 pairs x 32 tokens).
Prints seconds per step, target tokens per second and the process's CPU
seconds per step (all threads). For speed comparison only.

Run as: OPENBLAS_NUM_THREADS=1 /usr/bin/python3 scripts/reference/train_ref.py
(two thread pools on two cores otherwise fight and PyTorch looks slower).
"""
import argparse
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def positions(n, d):
    pos = torch.arange(n, dtype=torch.float64)[:, None]
    j = torch.arange(d // 2, dtype=torch.float64)[None, :]
    angle = pos / torch.pow(10000.0, 2 * j / d)
    return torch.cat([torch.sin(angle), torch.cos(angle)], dim=1).float()


class Model(nn.Module):
    def __init__(self, vocab, d, heads, enc_layers, dec_layers, ffn, dropout):
        super().__init__()
        self.d = d
        self.emb = nn.Embedding(vocab, d, padding_idx=0)
        nn.init.normal_(self.emb.weight, 0, d ** -0.5)
        self.register_buffer("pos", positions(512, d))
        self.tf = nn.Transformer(d, heads, enc_layers, dec_layers, ffn, dropout,
                                 activation=F.silu, batch_first=True, norm_first=False)
        self.drop = nn.Dropout(dropout)
        self.bias = nn.Parameter(torch.zeros(vocab), requires_grad=False)

    def embed(self, ids):
        return self.drop(self.emb(ids) * math.sqrt(self.d) + self.pos[: ids.shape[1]])

    def forward(self, src, tgt_in):
        t = tgt_in.shape[1]
        causal = torch.triu(torch.full((t, t), float("-inf")), diagonal=1)
        h = self.tf(self.embed(src), self.embed(tgt_in), tgt_mask=causal,
                    src_key_padding_mask=src.eq(0), memory_key_padding_mask=src.eq(0))
        return h @ self.emb.weight.t() + self.bias


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=96)
    ap.add_argument("--len", type=int, default=32)
    ap.add_argument("--steps", type=int, default=8)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--encoder-layers", type=int, default=3)
    ap.add_argument("--decoder-layers", type=int, default=3)
    ap.add_argument("--vocab", type=int, default=8000)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    m = Model(a.vocab, 256, 4, a.encoder_layers, a.decoder_layers, 1024, 0.1)
    opt = torch.optim.Adam([p for p in m.parameters() if p.requires_grad], lr=1e-4, betas=(0.9, 0.98), eps=1e-9)
    src = torch.randint(3, a.vocab, (a.rows, a.len))
    tgt = torch.randint(3, a.vocab, (a.rows, a.len))
    src[:, -1] = 1
    tgt[:, -1] = 1
    tgt_in = torch.cat([torch.zeros(a.rows, 1, dtype=torch.long), tgt[:, :-1]], dim=1)
    lossf = nn.CrossEntropyLoss(ignore_index=-1, label_smoothing=0.1)

    def step():
        opt.zero_grad()
        logits = m(src, tgt_in)
        loss = lossf(logits.reshape(-1, logits.shape[-1]), tgt.reshape(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(m.parameters(), 1.0)
        opt.step()
        return loss.item()

    step()  # warm-up
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(a.steps):
        step()
    el, cpu = time.perf_counter() - start, time.process_time() - cpu
    toks = a.rows * a.len * a.steps
    print(f"pytorch {torch.__version__} threads {a.threads}, {a.encoder_layers}+{a.decoder_layers} layers, vocab {a.vocab}: "
          f"{el / a.steps:.3f} s/step, {toks / el:.0f} tgt-tok/s, {cpu / a.steps:.3f} cpu-s/step")


if __name__ == "__main__":
    main()
