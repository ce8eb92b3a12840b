#!/usr/bin/python3
"""Writes the PyTorch checkpoints that nmt/torchbin's tests read.

Needs /usr/bin/python3 with Debian's python3-torch (the committed files were
made with torch 1.13.1). Every file is saved with torch.save; for each one
that should load, <name>.expected.json records what the Go reader must
return: per tensor its dtype, shape and the hex of its elements as
contiguous little-endian bytes (from torch itself).

Usage: scripts/reference/make_torchbin.py [OUT_DIR]   (default nmt/torchbin/testdata)

Every file comes out byte for byte the same on each run except legacy.bin,
whose format embeds random storage keys.
"""

import argparse
import collections
import io
import json
import os
import sys
import zipfile

import torch

DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16",
          torch.float64: "F64", torch.int64: "I64", torch.int32: "I32",
          torch.int16: "I16", torch.int8: "I8", torch.uint8: "U8", torch.bool: "BOOL"}

# Same-width integer types whose numpy view gives the raw bytes.
RAW_VIEW = {2: torch.int16, 4: torch.int32, 8: torch.int64}


def raw_hex(t):
    t = t.detach().contiguous()
    if t.dtype in (torch.float16, torch.bfloat16):
        t = t.view(torch.int16)
    return t.numpy().tobytes().hex()


def expected(state):
    return {name: {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "hex": raw_hex(t)}
            for name, t in state.items()}


def save(out, name, obj, expect=None, **kw):
    path = os.path.join(out, name + ".bin")
    torch.save(obj, path, **kw)
    if expect is not None:
        with open(os.path.join(out, name + ".expected.json"), "w") as f:
            json.dump(expected(expect), f, indent=1, sort_keys=True)
            f.write("\n")


class Tiny(torch.nn.Module):
    """A module whose state_dict looks like a small Marian checkpoint."""

    def __init__(self):
        super().__init__()
        self.shared = torch.nn.Embedding(7, 4)
        self.proj = torch.nn.Linear(4, 3)
        self.norm = torch.nn.LayerNorm(3)
        self.register_buffer("final_logits_bias", torch.zeros(1, 7))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out", nargs="?", default="nmt/torchbin/testdata")
    out = ap.parse_args().out
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)

    # Element types, shared storage, views with offsets, a transposed view,
    # a scalar, an empty tensor, an integer buffer.
    base = torch.arange(24, dtype=torch.float32) / 8 - 1
    w = torch.randn(3, 5)
    half = torch.randn(2, 3).to(torch.float16)
    state = collections.OrderedDict()
    state["f32"] = torch.randn(2, 3)
    state["f16"] = half
    state["bf16"] = torch.randn(4, 2).to(torch.bfloat16)
    state["shared.whole"] = base.view(4, 6)
    state["shared.slice"] = base[5:11]                  # storage offset 5
    state["shared.rows"] = base.view(4, 6)[1:3]         # offset 6, contiguous
    state["shared.cols"] = base.view(4, 6)[:, 2:4]      # offset 2, strided
    state["w"] = w
    state["w.t"] = w.t()                                # strides (1, 5)
    state["half.t"] = half.t()
    state["expanded"] = torch.tensor([1.5, -2.0]).expand(3, 2)  # stride 0
    state["scalar"] = torch.tensor(3.25)
    state["empty"] = torch.zeros(0, 4)
    state["f64"] = torch.randn(3, dtype=torch.float64)
    state["ids"] = torch.arange(5, dtype=torch.int64)
    state["mask"] = torch.tensor([True, False, True])
    save(out, "mixed", state, state)

    # A real module's state_dict (an OrderedDict with _metadata), the way
    # Hugging Face writes pytorch_model.bin; the embedding is tied.
    tiny = Tiny()
    sd = tiny.state_dict()
    sd["lm_head.weight"] = tiny.shared.weight.detach()
    sd = collections.OrderedDict((k, v.detach()) for k, v in sd.items())
    sd._metadata = tiny.state_dict()._metadata
    save(out, "module", sd, sd)

    # Parameters rather than tensors, and more than 256 pickled objects
    # (long memo indices).
    params = collections.OrderedDict()
    params["param"] = torch.nn.Parameter(torch.randn(2, 2))
    for i in range(300):
        params["many.%03d" % i] = torch.full((1,), float(i), dtype=torch.float16)
    save(out, "params", params, params)

    # A plain dict at the top.
    plain = {"a": torch.ones(2), "b": torch.zeros(1, dtype=torch.bfloat16)}
    save(out, "plaindict", plain, plain)

    # Pickle protocol 4 (FRAME, SHORT_BINUNICODE, STACK_GLOBAL, MEMOIZE).
    p4 = collections.OrderedDict(a=torch.randn(3, 2), b=torch.randn(2).to(torch.float16))
    p4["a.t"] = p4["a"].t()
    save(out, "proto4", p4, p4, pickle_protocol=4)

    # Saved to a buffer, as libraries do: the records are under "archive/".
    buf = io.BytesIO()
    torch.save(p4, buf)
    with open(os.path.join(out, "buffer.bin"), "wb") as f:
        f.write(buf.getvalue())
    with open(os.path.join(out, "buffer.expected.json"), "w") as f:
        json.dump(expected(p4), f, indent=1, sort_keys=True)
        f.write("\n")

    # The module checkpoint re-zipped with deflate: torch never compresses,
    # other zip tools may.
    src = zipfile.ZipFile(os.path.join(out, "module.bin"))
    with zipfile.ZipFile(os.path.join(out, "deflated.bin"), "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            dst.writestr(zi, src.read(info.filename), compress_type=zipfile.ZIP_DEFLATED)
    with open(os.path.join(out, "deflated.expected.json"), "w") as f:
        json.dump(expected(sd), f, indent=1, sort_keys=True)
        f.write("\n")

    # Files the reader must refuse.
    save(out, "legacy", collections.OrderedDict(x=torch.ones(2)), _use_new_zipfile_serialization=False)
    save(out, "namespace", argparse.Namespace(lr=0.1))
    save(out, "notensor", collections.OrderedDict(x=torch.ones(2), step=3))
    save(out, "complex", collections.OrderedDict(z=torch.ones(2, dtype=torch.complex64)))
    print("wrote", out, file=sys.stderr)


if __name__ == "__main__":
    main()
