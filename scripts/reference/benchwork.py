"""The work of translate-cli bench, shared by its peers (bench_decode.py for
PyTorch, bench_ct2.py for CTranslate2): the synthetic sources, the timed
rounds and the one-line JSON report. Imports neither torch nor ctranslate2.
"""

import argparse
import json
import resource
import statistics
import time


def arguments(description):
    """The flags of translate-cli bench that describe the work."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("model_dir")
    ap.add_argument("--sentences", type=int, default=8, help="source sentences per round")
    ap.add_argument("--batch", type=int, default=1, help="sentences decoded together")
    ap.add_argument("--beam", type=int, default=1, help="beam size (1: greedy)")
    ap.add_argument("--src-len", type=int, default=24, help="tokens per source sentence, eos included")
    ap.add_argument("--tgt-len", type=int, default=32, help="exact decoder steps per sentence")
    ap.add_argument("--rounds", type=int, default=3, help="timed rounds after one warm-up round")
    ap.add_argument("--threads", type=int, default=2, help="intra-op threads")
    return ap


def sources(config, n, length):
    """Sentence i holds 3 + (7i + 13j) mod (V - 3) for j < length - 1, then eos
    (nmt.Bench and scripts/reference/bench.py make the same)."""
    V, eos = config["vocab_size"], config["eos_token_id"]
    return [[3 + (7 * i + 13 * j) % (V - 3) for j in range(length - 1)] + [eos] for i in range(n)]


def measure(a, translate_round):
    """Runs one warm-up round and a.rounds timed rounds; returns their times."""
    translate_round()
    times = []
    for _ in range(a.rounds):
        t0 = time.perf_counter()
        translate_round()
        times.append(time.perf_counter() - t0)
    return times


def report(system, a, load_s, times, **extra):
    """Prints the JSON line translate-cli bench --json prints."""
    med = statistics.median_high(times)
    out = {
        "system": system,
        "model": a.model_dir,
        "load_s": load_s,
        "sentences": a.sentences,
        "batch": a.batch,
        "beam": a.beam,
        "src_len": a.src_len,
        "tgt_len": a.tgt_len,
        "threads": a.threads,
        "round_s": times,
        "tok_s": a.sentences * a.tgt_len / med,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6,
    }
    out.update(extra)
    print(json.dumps(out))
