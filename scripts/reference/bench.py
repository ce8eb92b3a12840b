#!/usr/bin/python3
"""PyTorch peer benchmark for the Go forward pass (marian_ref.py in float32).

  bench.py MODEL_DIR [--steps 32] [--sentences 16] [--src-len 30] [--rounds 5] [--threads 2]

PyTorch runs with --threads intra-op threads (default 2) and OpenBLAS
pinned to 1 thread (set before torch is imported, otherwise the two thread
pools fight over the cores), under torch.inference_mode. Each figure is the
best of --rounds rounds (after one warm-up), to report the machine rather
than its noise, followed by the process CPU time of that round (all
threads). On a machine shared with other work, PyTorch's OpenMP threads
wait for each other at every small operation (softmax, embedding lookup):
compare --threads 1 as well, and the CPU times.

Work measured, identical to what the Go benchmarks should do:

  source sentences  sentence i (0-based) has src-len ids: for j < src-len-1
                    id = 3 + (7*i + 13*j) % (vocab_size - 3), then eos_token_id
  encoder           one forward pass over sentence 0 (batch 1), and over
                    sentences 0..15 (batch 16, no padding: all have the same length)
  decoder step      one step at batch 1 for sentence 0, with 15 target
                    tokens already in the self-attention cache and the
                    cross-attention keys/values computed
  translate         greedy search in fixed-steps mode: exactly --steps
                    decoder steps for every sentence, ignoring eos (pad id
                    masked, argmax fed back); self-attention key/value cache,
                    cross-attention keys/values computed once per sentence.
                    The encoder pass is included. Done at batch 1 (sentence
                    after sentence) and at batch 16 (all at once); prints
                    target tokens per second = sentences * steps / seconds.
"""

import os

os.environ["OPENBLAS_NUM_THREADS"] = "1"  # before torch loads OpenBLAS

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import torch  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import marian_ref  # noqa: E402


def sources(config, n, length):
    V, eos = config["vocab_size"], config["eos_token_id"]
    rows = [[3 + (7 * i + 13 * j) % (V - 3) for j in range(length - 1)] + [eos] for i in range(n)]
    return torch.tensor(rows)


def best_time(fn, rounds):
    """(wall seconds, CPU seconds) of the fastest of rounds calls."""
    fn()  # warm-up
    best = (float("inf"), 0.0)
    for _ in range(rounds):
        c0, t0 = time.process_time(), time.perf_counter()
        fn()
        t, c = time.perf_counter() - t0, time.process_time() - c0
        best = min(best, (t, c))
    return best


def line(what, t, count=None, unit=""):
    rate = f"({count / t[0]:9.0f} {unit}/s)" if count else ""
    return f"{what:<23}{t[0] * 1e3:9.3f} ms  cpu {t[1] * 1e3:9.3f} ms  {rate}"


def translate(m, src, steps):
    """Greedy, fixed number of steps, no early stop. Returns ids [B, steps]."""
    c = m.config
    enc, mask, _ = m.encode(src)
    cache = m.start_cache(enc)
    tok = torch.full((src.shape[0],), c["decoder_start_token_id"], dtype=torch.long)
    out = []
    for _ in range(steps):
        logits, _ = m.step(cache, mask, tok)
        logits[:, c["pad_token_id"]] = -float("inf")
        tok = logits.argmax(dim=-1)
        out.append(tok)
    return torch.stack(out, dim=1)


def main():
    ap = argparse.ArgumentParser(description="PyTorch peer benchmark of the MarianMT forward pass.")
    ap.add_argument("model_dir")
    ap.add_argument("--steps", type=int, default=32, help="decoder steps per sentence (eos ignored)")
    ap.add_argument("--sentences", type=int, default=16)
    ap.add_argument("--src-len", type=int, default=30, help="source length including eos")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2, help="torch intra-op threads")
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    m = marian_ref.Marian(a.model_dir, torch.float32)
    c = m.config
    src = sources(c, max(a.sentences, 16), a.src_len)
    print(f"model {a.model_dir}: d_model {c['d_model']}, layers {c['encoder_layers']}+{c['decoder_layers']}, "
          f"vocab {c['vocab_size']}; torch {torch.__version__}, {torch.get_num_threads()} threads")
    print(f"sources: {a.sentences} sentences of {a.src_len} tokens; {a.steps} decoder steps each; best of {a.rounds}")

    with torch.inference_mode():
        t = best_time(lambda: m.encode(src[:1]), a.rounds * 4)
        print(line("encoder, batch 1:", t, a.src_len, "source tokens"))
        t = best_time(lambda: m.encode(src[:16]), a.rounds)
        print(line("encoder, batch 16:", t, 16 * a.src_len, "source tokens"))

        enc, mask, _ = m.encode(src[:1])
        cache = m.start_cache(enc)
        tok = torch.tensor([c["decoder_start_token_id"]])
        for _ in range(15):
            logits, _ = m.step(cache, mask, tok)
            tok = logits.argmax(dim=-1)
        prefix = list(cache["self"])

        def one_step():
            cache["self"], cache["t"] = list(prefix), 15
            m.step(cache, mask, tok)

        t = best_time(one_step, a.rounds * 20)
        print(line("decoder step, batch 1:", t) + "(position 15, cached keys/values)")

        def sequential():
            for i in range(a.sentences):
                translate(m, src[i : i + 1], a.steps)

        t = best_time(sequential, a.rounds)
        print(line("translate, batch 1:", t, a.sentences * a.steps, "target tokens"))
        n = 16
        t = best_time(lambda: translate(m, src[:n], a.steps), a.rounds)
        print(line("translate, batch 16:", t, n * a.steps, "target tokens"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
