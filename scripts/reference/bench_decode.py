#!/usr/bin/python3
"""PyTorch peer of translate-cli bench: the same checkpoint, the same work.

  bench_decode.py MODEL_DIR [--sentences 8] [--batch 1] [--beam 1]
                  [--src-len 24] [--tgt-len 32] [--rounds 3] [--threads 2]

Runs marian_ref.py (the independent float32 reference of the forward pass)
with a key/value cache and the cross-attention keys and values computed
once per batch, greedy or beam search for exactly --tgt-len steps (the end
token is never chosen, as translate-cli bench masks it until the last step),
and prints one JSON line like translate-cli bench --json: target tokens per
second of the median round, load time, peak RSS. torch.set_num_threads
(--threads) with OpenBLAS held to one thread, under torch.inference_mode.
Sentences of one batch have the same length: no padding.
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before torch loads OpenBLAS

import sys  # noqa: E402
import time  # noqa: E402

import torch  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import benchwork  # noqa: E402
import marian_ref  # noqa: E402


def decode(m, src, beam, steps):
    """Beam search (greedy when beam is 1) over src [B, S] for exactly steps
    steps; returns the best ids [B, steps]."""
    c = m.config
    B = src.shape[0]
    enc, mask, _ = m.encode(src)
    cache = m.start_cache(enc)
    tok = torch.full((B,), c["decoder_start_token_id"], dtype=torch.long)
    scores = torch.zeros(B, 1)  # [B, live beams]
    hist = torch.zeros(B, 1, 0, dtype=torch.long)
    for step in range(steps):
        logits, _ = m.step(cache, mask, tok)  # [B·k, V]
        lp = torch.log_softmax(logits, dim=-1)
        lp[:, c["pad_token_id"]] = -float("inf")
        lp[:, c["eos_token_id"]] = -float("inf")
        k = scores.shape[1]
        V = lp.shape[-1]
        total = (scores.reshape(B, k, 1) + lp.reshape(B, k, V)).reshape(B, k * V)
        scores, idx = total.topk(beam, dim=-1)  # [B, beam]
        parent, tok = idx // V, idx % V
        hist = torch.cat([hist.gather(1, parent.unsqueeze(-1).expand(-1, -1, hist.shape[2])), tok.unsqueeze(-1)], dim=2)
        if beam > 1:
            rows = (torch.arange(B).unsqueeze(1) * k + parent).reshape(-1)  # [B·beam] old rows
            if step == 0:
                cache["cross"] = [(ck.index_select(0, rows), cv.index_select(0, rows)) for ck, cv in cache["cross"]]
                mask = mask.index_select(0, rows)
            cache["self"] = [(sk.index_select(0, rows), sv.index_select(0, rows)) for sk, sv in cache["self"]]
        tok = tok.reshape(-1)
    return hist[:, 0, :]


def main():
    a = benchwork.arguments("PyTorch peer of translate-cli bench.").parse_args()
    torch.set_num_threads(a.threads)
    t0 = time.perf_counter()
    m = marian_ref.Marian(a.model_dir, torch.float32)
    load = time.perf_counter() - t0
    src = torch.tensor(benchwork.sources(m.config, a.sentences, a.src_len))

    def one_round():
        for lo in range(0, a.sentences, a.batch):
            out = decode(m, src[lo : lo + a.batch], a.beam, a.tgt_len)
            assert out.shape[1] == a.tgt_len

    with torch.inference_mode():
        times = benchwork.measure(a, one_round)
    benchwork.report("pytorch", a, load, times, torch=torch.__version__)
    return 0


if __name__ == "__main__":
    sys.exit(main())
