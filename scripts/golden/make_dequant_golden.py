#!/usr/bin/env python3
"""Golden files for the block dequantizers: Tests/GGUFTests/Fixtures/dequant-<TYPE>.json.

For every tensor type present in the two default models (SmolLM2: F32, Q4_1, Q8_0; Gemma-3 270M:
F32, Q5_0, Q8_0, Q4_K, Q6_K) one real tensor is picked (the first of that type in file order,
SmolLM2 first), and its first 4 rows (fewer if the tensor has fewer; the F32 tensors are 1-D norm
vectors, so rows = 1) are stored as raw bytes together with their dequantized values from
`gguf.quants.dequantize`.

For the types present in neither model (F16, BF16, Q4_0, Q5_1, Q2_K, Q3_K, Q5_K) raw blocks are
synthesized with a fixed numpy seed: random bytes, except that every fp16 scale (d, m, dmin) is a
finite fp16 (a random sign and magnitude 2^-14 .. 2^2, plus one block per file with a zero or a
subnormal scale), and F16/BF16 elements are random finite bit patterns (NaN/Inf excluded,
subnormals and signed zeros included).

Each file: {"model": GGUF file name or "synthetic", "tensor": name or "synthetic",
            "type": ggml type name ("Q4_K"), "type_id": ggml type id, "ne0": elements per row,
            "rows": number of rows, "raw_hex": lowercase hex of rows*row_bytes bytes,
            "values": [rows*ne0 floats, row-major, each an exact float32 written as a decimal]}

Usage: make_dequant_golden.py [--models DIR] [--out DIR]   (defaults: $HOPSCOPE_HOME/models,
Tests/GGUFTests/Fixtures). Deterministic: re-running rewrites identical files.
"""
from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import numpy as np
import gguf
from gguf import GGMLQuantizationType as QT
from gguf.quants import dequantize

REPO = Path(__file__).resolve().parents[2]
MODELS = ["SmolLM2-135M-Instruct.Q4_1.gguf", "gemma-3-270m-q4_k_m.gguf"]
ROWS = 4

# Byte offsets of the fp16 scale fields inside one block, per synthesized type (ggml-common.h).
FP16_FIELDS = {
    QT.Q4_0: [0],          # d | qs[16]
    QT.Q5_1: [0, 2],       # d, m | qh u32 | qs[16]
    QT.Q2_K: [80, 82],     # scales[16] | qs[64] | d, dmin
    QT.Q3_K: [108],        # hmask[32] | qs[64] | scales[12] | d
    QT.Q5_K: [0, 2],       # d, dmin | scales[12] | qh[32] | qs[128]
}
SYNTH_NE0 = {QT.F16: 256, QT.BF16: 256, QT.Q4_0: 64, QT.Q5_1: 64,
             QT.Q2_K: 512, QT.Q3_K: 512, QT.Q5_K: 512}


def floats(values: np.ndarray) -> list[float]:
    """float32 values as Python floats: json writes the shortest decimal that round-trips the
    float64, which is exact for a float32 and parses back to the same float32."""
    v = np.asarray(values, dtype=np.float32).ravel()
    assert np.all(np.isfinite(v)), "non-finite dequantized value"
    return [float(x) for x in v]


def write(out_dir: Path, model: str, tensor: str, qtype: QT, ne0: int, raw: np.ndarray) -> None:
    raw = np.ascontiguousarray(raw, dtype=np.uint8)
    rows = raw.shape[0]
    values = dequantize(raw, qtype).reshape(rows, -1)
    assert values.shape == (rows, ne0), (qtype.name, values.shape, ne0)
    doc = {"model": model, "tensor": tensor, "type": qtype.name, "type_id": int(qtype),
           "ne0": ne0, "rows": rows, "raw_hex": raw.tobytes().hex(), "values": floats(values)}
    path = out_dir / f"dequant-{qtype.name}.json"
    path.write_text(json.dumps(doc, separators=(",", ":")) + "\n")
    print(f"{path.relative_to(REPO) if path.is_relative_to(REPO) else path}: {model} {tensor} "
          f"{qtype.name} ne0={ne0} rows={rows} bytes={raw.size}")


def real_tensors(models_dir: Path, out_dir: Path) -> set[QT]:
    done: set[QT] = set()
    for name in MODELS:
        reader = gguf.GGUFReader(models_dir / name)
        for t in reader.tensors:
            if t.tensor_type in done:
                continue
            ne0 = int(t.shape[0])
            data = np.asarray(t.data)
            if data.ndim == 1:                      # 1-D tensor: a single row
                data = data.reshape(1, -1)
            rows = data[:ROWS].view(np.uint8).reshape(min(ROWS, data.shape[0]), -1)
            write(out_dir, name, t.name, t.tensor_type, ne0, rows)
            done.add(t.tensor_type)
    return done


def random_fp16(rng: np.random.Generator, n: int) -> np.ndarray:
    """n finite fp16 scales: random sign, magnitude 2^U(-14, 2)."""
    mag = np.exp2(rng.uniform(-14.0, 2.0, n))
    sign = np.where(rng.random(n) < 0.5, -1.0, 1.0)
    return (sign * mag).astype(np.float16)


def synthesize(qtype: QT, rng: np.random.Generator) -> np.ndarray:
    ne0 = SYNTH_NE0[qtype]
    if qtype in (QT.F16, QT.BF16):
        bits = rng.integers(0, 1 << 16, size=(ROWS, ne0), dtype=np.uint32).astype(np.uint16)
        exp_mask = 0x7C00 if qtype == QT.F16 else 0x7F80
        bits = np.where((bits & exp_mask) == exp_mask, bits & ~np.uint16(0x4000), bits).astype(np.uint16)
        bits[0, :4] = [0x0000, 0x8000, 0x0001, 0x8001]      # +0, -0, smallest subnormals
        return bits.view(np.uint8).reshape(ROWS, -1)
    block_elems, block_bytes = gguf.GGML_QUANT_SIZES[qtype]
    n_blocks = ROWS * ne0 // block_elems
    blocks = rng.integers(0, 256, size=(n_blocks, block_bytes), dtype=np.uint16).astype(np.uint8)
    for off in FP16_FIELDS[qtype]:
        scales = random_fp16(rng, n_blocks)
        scales[1] = np.float16(0.0)                      # a zero scale
        scales[2] = np.float16(6e-8)                     # an fp16 subnormal scale
        blocks[:, off:off + 2] = scales.view(np.uint8).reshape(n_blocks, 2)
    return blocks.reshape(ROWS, -1)


def main() -> None:
    home = Path(os.environ.get("HOPSCOPE_HOME", Path.home() / ".cache" / "hopscope"))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", type=Path, default=home / "models")
    ap.add_argument("--out", type=Path, default=REPO / "Tests" / "GGUFTests" / "Fixtures")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    present = real_tensors(args.models, args.out)
    rng = np.random.default_rng(20240611)
    for qtype in [QT.F16, QT.BF16, QT.Q4_0, QT.Q5_1, QT.Q2_K, QT.Q3_K, QT.Q5_K]:
        if qtype in present:
            continue
        write(args.out, "synthetic", "synthetic", qtype, SYNTH_NE0[qtype], synthesize(qtype, rng))


if __name__ == "__main__":
    main()
