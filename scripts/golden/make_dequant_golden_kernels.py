#!/usr/bin/env python3
"""Golden dequantization fixtures for hopscope's GGUF tests, from the independent Python `gguf` package.

For every block type hopscope decodes, writes Tests/GGUFTests/Fixtures/dequant-<TYPE>.json holding a
few samples, each the raw bytes of one or two blocks (hex) and the floats `gguf.quants.dequantize`
returns for them (as float32 bit patterns in hex, little-endian, so the comparison is exact).
Also writes Fixtures/quantize.json: seeded float rows and the blocks `gguf.quants.quantize` makes of
them (F16, BF16, Q8_0, Q4_0, Q4_1 — the quantizers hopscope's GGUFWriter provides).
Samples come from real tensors of the two default models when the type occurs in them, and from
seeded random blocks (with sane fp16 scales) otherwise.

    pip install gguf numpy
    python3 scripts/golden/make_dequant_golden_kernels.py [--models ~/.cache/hopscope/models]
"""
import argparse
import json
import os
import numpy as np
from gguf import GGUFReader, GGMLQuantizationType as T
from gguf.quants import dequantize, quantize
from gguf.constants import GGML_QUANT_SIZES

TYPES = ["F32", "F16", "BF16", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"]
MODELS = ["SmolLM2-135M-Instruct.Q4_1.gguf", "gemma-3-270m-q4_k_m.gguf"]
# Byte offsets of fp16 scale fields inside a block (random bytes there could be NaN or huge).
SCALE_FIELDS = {"Q4_0": [0], "Q4_1": [0, 2], "Q5_0": [0], "Q5_1": [0, 2], "Q8_0": [0],
                "Q2_K": [80, 82], "Q3_K": [108], "Q4_K": [0, 2], "Q5_K": [0, 2], "Q6_K": [208]}


def sample(name, raw, source):
    qtype = T[name]
    out = dequantize(np.frombuffer(raw, dtype=np.uint8), qtype).astype(np.float32).reshape(-1)
    return {"source": source, "bytes": raw.hex(), "elements": int(out.size),
            "expected_f32_le": out.tobytes().hex(), "preview": [float(v) for v in out[:8]]}


def random_blocks(name, rng, nblocks):
    block_elems, block_bytes = GGML_QUANT_SIZES[T[name]]
    if name in ("F32", "F16", "BF16"):
        n = 64
        v = rng.standard_normal(n).astype(np.float32) * 3
        v[:4] = [0.0, -0.0, 6.0e-8, -3.0e-5]  # zeros and fp16 subnormals
        if name == "F32":
            return v.tobytes()
        if name == "F16":
            return v.astype(np.float16).tobytes()
        return (v.view(np.uint32) >> 16).astype(np.uint16).tobytes()
    raw = bytearray(rng.integers(0, 256, nblocks * block_bytes, dtype=np.uint8).tobytes())
    for b in range(nblocks):
        for off in SCALE_FIELDS[name]:
            scale = np.float16(rng.uniform(-0.05, 0.05) if off == 0 else rng.uniform(0.0, 0.02))
            raw[b * block_bytes + off: b * block_bytes + off + 2] = scale.tobytes()
    return bytes(raw)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default=os.path.expanduser("~/.cache/hopscope/models"))
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "../../Tests/GGUFTests/Fixtures"))
    args = ap.parse_args()
    rng = np.random.default_rng(20240612)
    samples = {name: [] for name in TYPES}

    for model in MODELS:
        path = os.path.join(args.models, model)
        if not os.path.exists(path):
            print(f"skipping missing {path}")
            continue
        reader = GGUFReader(path)
        seen = {}
        for t in reader.tensors:
            name = t.tensor_type.name
            if name not in samples or seen.get(name, 0) >= 2:
                continue
            seen[name] = seen.get(name, 0) + 1
            block_elems, block_bytes = GGML_QUANT_SIZES[t.tensor_type]
            row_bytes = int(t.shape[0]) // block_elems * block_bytes
            data = np.asarray(t.data).view(np.uint8).reshape(-1)
            rows = max(1, data.size // row_bytes)
            row = min(rows - 1, 3 + 7 * seen[name])
            take = min(row_bytes, block_bytes * (2 if block_elems == 32 else 1) if block_elems > 1 else 64 * block_bytes)
            start = row * row_bytes
            raw = data[start:start + take].tobytes()
            samples[name].append(sample(name, raw, f"{model} {t.name} row {row}, first {take} bytes"))

    for name in TYPES:
        while len(samples[name]) < 2:
            nblocks = 3 if GGML_QUANT_SIZES[T[name]][0] == 32 else 1
            samples[name].append(sample(name, random_blocks(name, rng, nblocks), "random blocks (seeded)"))
        path = os.path.join(args.out, f"dequant-{name}.json")
        with open(path, "w") as f:
            json.dump({"type": name, "generator": "scripts/golden/make_dequant_golden_kernels.py",
                       "reference": "gguf.quants.dequantize", "samples": samples[name]}, f, indent=1)
        print(f"{path}: {len(samples[name])} samples")

    # Quantizer goldens: 8 blocks of 32, with an all-zero block, a constant block and a tie-heavy block.
    x = (rng.standard_normal(256) * 2).astype(np.float32)
    x[32:64] = 0
    x[64:96] = 1.25
    x[96:128] = np.arange(32, dtype=np.float32) * 0.5 - 8
    cases = []
    for name in ["F16", "BF16", "Q8_0", "Q4_0", "Q4_1"]:
        q = quantize(x.reshape(1, -1), T[name])
        cases.append({"type": name, "bytes": np.asarray(q).view(np.uint8).tobytes().hex()})
    path = os.path.join(args.out, "quantize.json")
    with open(path, "w") as f:
        json.dump({"generator": "scripts/golden/make_dequant_golden_kernels.py", "reference": "gguf.quants.quantize",
                   "input_f32_le": x.tobytes().hex(), "cases": cases}, f, indent=1)
    print(f"{path}: {len(cases)} types")


if __name__ == "__main__":
    main()
