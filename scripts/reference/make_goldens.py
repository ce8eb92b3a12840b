#!/usr/bin/python3
"""Writes testdata/models/<name>/golden.json for each tiny test model.

For every case (a source sentence and a reference translation, both
encoded with the model's tokenizer.json and ended with </s>) it records,
computed by marian_ref.py in float64 from the stored weights:

  logits           [t][V]  forced decoding: the decoder input at step t is
                           [decoder_start] + tgt_ids[:t]; raw logits with
                           final_logits_bias, before any softmax
  cross_attention  [t][layer][head][src_pos] of the same forced decoding
  encoder_output   [src_pos][d_model]
  greedy_ids       greedy decoding with the pad id masked to -inf, stopping
                   after </s> (included) or after greedy_max_len tokens
  greedy_cross_attention [t][layer][head][src_pos] of the greedy steps

Floats are rounded to 7 significant digits. The greedy search is checked
against float32 (same ids) and every step's top-1 minus top-2 logit margin
must exceed MIN_MARGIN, so float32 implementations cannot flip a token.

Usage: make_goldens.py [MODEL_DIR ...]   (default: every model under
testdata/models that has a config.json)
"""

import glob
import json
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import bytebpe  # noqa: E402
import marian_ref  # noqa: E402

REPO = os.path.dirname(os.path.dirname(HERE))
MODELS = os.path.join(REPO, "testdata", "models")
MIN_MARGIN = 1e-3

# (source, reference translation, greedy max_len). The empty source encodes
# to just </s>.
CASES = [
    ("", "Hola.", 6),
    ("Good morning.", "Buenos días.", 10),
    ("The cat sleeps on the red chair.", "El gato duerme en la silla roja.", 16),
    ("My friend reads a long book in the garden every evening.",
     "Mi amigo lee un libro largo en el jardín cada tarde.", 24),
]


def max_len_all():
    return max(c[2] for c in CASES)


def case_ids(tok, eos):
    out = []
    for src, tgt, max_len in CASES:
        out.append((src, tgt, tok.encode(src) + [eos], tok.encode(tgt) + [eos], max_len))
    return out


def run_case(model, src_ids, tgt_ids, max_len):
    """Everything the golden records for one case, as float64 numpy arrays."""
    c = model.config
    src = torch.tensor([src_ids])
    tgt_in = torch.tensor([[c["decoder_start_token_id"]] + tgt_ids[:-1]])
    with torch.inference_mode():
        enc, mask, _ = model.encode(src)
        logits, cross = model.decode(enc, mask, tgt_in)
        greedy, steps = model.greedy(src, max_len=max_len)
        # The cached step-by-step path must agree with the whole-sequence path.
        g_in = torch.tensor([[c["decoder_start_token_id"]] + greedy[0][:-1]])
        g_logits, _ = model.decode(enc, mask, g_in)
    step_logits = torch.stack([s["logits"][0] for s in steps])  # [t, V]
    finite = torch.isfinite(step_logits)
    gap = (step_logits[finite] - g_logits[0][finite]).abs().max().item()
    return {
        "logits": logits[0].double().numpy(),  # [T, V]
        "cross_attention": np.stack([w[0].double().numpy() for w in cross], axis=0).transpose(2, 0, 1, 3),  # [T, L, H, S]
        "encoder_output": enc[0].double().numpy(),  # [S, D]
        "greedy_ids": greedy[0],
        "greedy_cross_attention": np.array([[w[0].double().numpy() for w in s["cross"]] for s in steps]),  # [t, L, H, S]
        "margins": [float(s["margin"][0]) for s in steps],
        "cache_gap": gap,
    }


def check_model(model_dir, verbose=False):
    """Runs every case in float64 and float32. Returns (cases, report), where
    report has the smallest greedy margin and the largest float32 deviation."""
    tok = bytebpe.Tokenizer.load(os.path.join(model_dir, "tokenizer.json"))
    m64 = marian_ref.Marian(model_dir, torch.float64)
    m32 = marian_ref.Marian(model_dir, torch.float32)
    eos = m64.config["eos_token_id"]
    cases, report = [], {"min_margin": float("inf"), "f32_logit_dev": 0.0, "f32_attn_dev": 0.0, "f32_encoder_dev": 0.0,
                         "same_greedy": True, "cache_gap": 0.0, "eos_stops": 0, "late_eos_stops": 0, "max_len_stops": 0,
                         "min_distinct": max_len_all()}
    for src, tgt, src_ids, tgt_ids, max_len in case_ids(tok, eos):
        r64 = run_case(m64, src_ids, tgt_ids, max_len)
        r32 = run_case(m32, src_ids, tgt_ids, max_len)
        report["min_margin"] = min(report["min_margin"], min(r64["margins"]), min(r32["margins"]))
        report["same_greedy"] &= r64["greedy_ids"] == r32["greedy_ids"]
        report["f32_logit_dev"] = max(report["f32_logit_dev"], float(np.abs(r64["logits"] - r32["logits"]).max()))
        report["f32_attn_dev"] = max(report["f32_attn_dev"], float(np.abs(r64["cross_attention"] - r32["cross_attention"]).max()))
        report["f32_encoder_dev"] = max(report["f32_encoder_dev"], float(np.abs(r64["encoder_output"] - r32["encoder_output"]).max()))
        report["cache_gap"] = max(report["cache_gap"], r64["cache_gap"], r32["cache_gap"])
        if r64["greedy_ids"][-1] == eos:
            report["eos_stops"] += 1
            report["late_eos_stops"] += len(r64["greedy_ids"]) > 1
        else:
            report["max_len_stops"] += 1
            report["min_distinct"] = min(report["min_distinct"], len(set(r64["greedy_ids"])))
        cases.append((src, tgt, src_ids, tgt_ids, max_len, r64))
        if verbose:
            print(f"  src {len(src_ids):2d} tgt {len(tgt_ids):2d} greedy {r64['greedy_ids']}")
            print(f"     logits range [{r64['logits'].min():.2f}, {r64['logits'].max():.2f}] std {r64['logits'].std():.2f};"
                  f" mean max cross-attention {r64['cross_attention'].max(axis=-1).mean():.3f};"
                  f" min margin {min(r64['margins']):.4f}")
    return cases, report


def round7(a):
    if isinstance(a, np.ndarray):
        return [round7(x) for x in a] if a.ndim else round7(float(a))
    if isinstance(a, list):
        return [round7(x) for x in a]
    if isinstance(a, float):
        return float(f"{a:.7g}")
    return a


def dump(obj, indent=0):
    """JSON with one line per innermost list of numbers."""
    pad = " " * indent
    if isinstance(obj, dict):
        items = [f'{pad} {json.dumps(k)}: {dump(v, indent + 1).lstrip()}' for k, v in obj.items()]
        return pad + "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, list) and obj and isinstance(obj[0], (list, dict)):
        return pad + "[\n" + ",\n".join(dump(x, indent + 1) for x in obj) + "\n" + pad + "]"
    return pad + json.dumps(obj, ensure_ascii=False)


def write_golden(model_dir, cases):
    golden = {
        "generated_by": f"scripts/reference/make_goldens.py (torch {torch.__version__})",
        "precision": "float64 forward pass over the stored weights, rounded to 7 significant digits",
        "cases": [],
    }
    for src, tgt, src_ids, tgt_ids, max_len, r in cases:
        golden["cases"].append({
            "src_text": src,
            "tgt_text": tgt,
            "src_ids": src_ids,
            "tgt_ids": tgt_ids,
            "logits": round7(r["logits"]),
            "cross_attention": round7(r["cross_attention"]),
            "encoder_output": round7(r["encoder_output"]),
            "greedy_ids": r["greedy_ids"],
            "greedy_max_len": max_len,
            "greedy_cross_attention": round7(r["greedy_cross_attention"]),
        })
    with open(os.path.join(model_dir, "golden.json"), "w", encoding="utf-8") as f:
        f.write(dump(golden) + "\n")


def main(argv):
    dirs = argv or sorted(os.path.dirname(p) for p in glob.glob(os.path.join(MODELS, "*", "config.json")))
    if not dirs:
        print("no model directories found", file=sys.stderr)
        return 1
    for d in dirs:
        print(os.path.relpath(d, REPO))
        cases, report = check_model(d, verbose=True)
        print("  " + ", ".join(f"{k} {v:.3g}" if isinstance(v, float) else f"{k} {v}" for k, v in report.items()))
        if report["min_margin"] <= MIN_MARGIN or not report["same_greedy"]:
            print(f"  greedy decoding is fragile (margin {report['min_margin']:.2g}); pick another seed in make_tiny.py",
                  file=sys.stderr)
            return 1
        write_golden(d, cases)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
