#!/usr/bin/env python3
"""Golden logits for the family fidelity tests (Tests/ModelTests/Fixtures/families/).

For each tiny case of `hopscope synthetic --family NAME` (F32 random weights, byte vocabulary), the
same bytes the Swift tests write in-process are run by:
  - llama.cpp (llama-cpp-python; F32 KV cache, no flash attention, single sequence, n_threads 2):
    next-token logits after each prompt;
  - family_reference.py (float64 numpy, llama.cpp's semantics re-implemented): the same logits, and
    block outputs for the long prompt.
and, for Q8_0 made by llama.cpp's own quantizer from the F32 file, llama.cpp's top-1 and logits.

For each wide case (`<case>-wide`: the same features at dim 256 / ffn 512, so that every matrix row is
a whole number of 256-element K-quant blocks), the F32 file is quantized to Q4_K_M by llama.cpp's own
quantizer (llama_model_quantize, ftype 15, no importance matrix) and run by llama.cpp and by the
float64 reference (on the weights dequantized by the gguf package).

Writes, per case:
  <case>.json        {"case", "seed", "sha256", "fnv1a64" (of the F32 file), "n_ctx", "prompts": [[ids]],
                      "llama_cpp": [[V floats]], "reference": [[V floats]],
                      "q8_0": {"sha256", "llama_cpp": [[V floats]]},
                      "blocks_prompt": index of the long prompt, "blocks_file": "<case>-blocks.npy"}
  <case>-blocks.npy  float32 [L, T, D] reference block outputs of the long prompt
  <case>-wide.json   {"case", "seed", "fnv1a64" (of the F32 file), "n_ctx", "prompts",
                      "q4_k_m": {"sha256", "tensors_fnv1a64", "tensor_types", "llama_cpp": [[V floats]],
                                 "reference": [[V floats]] (float64 reference on the Q4_K_M file's weights)}}

Usage: make_families_golden.py [--hopscope BIN] [--out DIR] [--only CASE ...]   (CASE may end in -wide)
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from family_reference import FamilyReference  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
CASES = ["llama3", "llama-linear", "llama-yarn", "qwen2", "qwen3", "gemma2", "gemma3", "phi3", "olmo2"]
WIDE = [c + "-wide" for c in CASES]
SEED = 1
VOCAB = 512
LENGTHS = [1, 5, 17, 64, 160]    # the last one beyond the windows (40) and YaRN's original context (64, 128)


def prompts() -> list[list[int]]:
    """Deterministic token ids (a 64-bit LCG), the same for every case."""
    state = 12345
    out = []
    for n in LENGTHS:
        ids = []
        for _ in range(n):
            state = (state * 6364136223846793005 + 1442695040888963407) % (1 << 64)
            ids.append((state >> 33) % VOCAB)
        out.append(ids)
    return out


def sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def fnv1a64(path: str) -> str:
    """FNV-1a 64 of the file's bytes (the Swift test checks it wrote the same bytes; no SHA in Foundation)."""
    h = 0xCBF29CE484222325
    for b in Path(path).read_bytes():
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


def tensor_fnv1a64(path: str) -> tuple[str, list[str]]:
    """FNV-1a 64 over every tensor's bytes in file order, and the (name, type) list: the Swift test
    quantizes the F32 file itself and checks it made the very tensors llama.cpp's quantizer made."""
    import gguf
    r = gguf.GGUFReader(path)
    h = 0xCBF29CE484222325
    types = []
    for t in r.tensors:
        for b in bytes(t.data.tobytes()):
            h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
        types.append(f"{t.name}:{t.tensor_type.name}")
    return f"{h:016x}", types


def llama_cpp_logits(path: str, ps: list[list[int]], n_ctx: int) -> list[list[float]]:
    from llama_cpp import Llama
    llm = Llama(model_path=path, n_ctx=n_ctx, n_batch=n_ctx, n_ubatch=n_ctx, n_threads=2, logits_all=True,
                type_k=0, type_v=0, flash_attn=False, verbose=False)   # type 0 = GGML_TYPE_F32
    out = []
    for ids in ps:
        llm.reset()
        llm._ctx.kv_cache_clear() if hasattr(llm._ctx, "kv_cache_clear") else None
        llm.eval(ids)
        out.append([float(v) for v in np.asarray(llm.scores[len(ids) - 1], dtype=np.float32)])
    del llm
    return out


def quantize(src: str, dst: str, ftype: int) -> None:
    import llama_cpp
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = ftype
    params.nthread = 2
    rc = llama_cpp.llama_model_quantize(src.encode(), dst.encode(), params)
    if rc != 0:
        raise SystemExit(f"llama_model_quantize({src}) failed with {rc}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--hopscope", default=os.environ.get("HOPSCOPE_BIN"))
    ap.add_argument("--out", default=str(REPO / "Tests/ModelTests/Fixtures/families"))
    ap.add_argument("--only", nargs="*")
    a = ap.parse_args()
    if not a.hopscope:
        a.hopscope = subprocess.check_output(["swift", "build", "-c", "release", "--show-bin-path"], cwd=REPO, text=True).strip() + "/hopscope"
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    ps = prompts()
    for case in a.only or CASES + WIDE:
        if case.endswith("-wide"):
            wide_case(case, a.hopscope, out, ps)
            continue
        with tempfile.TemporaryDirectory() as tmp:
            f32 = os.path.join(tmp, f"{case}.gguf")
            subprocess.run([a.hopscope, "synthetic", "--family", case, "--seed", str(SEED), "--out", f32], check=True)
            n_ctx = 256 if case == "phi3" else 512
            ref = FamilyReference(f32, n_ctx=n_ctx)
            reference, blocks = [], None
            for i, ids in enumerate(ps):
                o = ref.forward(ids)
                reference.append([float(v) for v in o.logits])
                if i == len(ps) - 1:
                    blocks = o.blocks.astype(np.float32)
            lc = llama_cpp_logits(f32, ps, n_ctx)
            q8 = os.path.join(tmp, f"{case}-q8_0.gguf")
            quantize(f32, q8, 7)          # LLAMA_FTYPE_MOSTLY_Q8_0
            lc_q8 = llama_cpp_logits(q8, ps, n_ctx)
            doc = {
                "case": case, "seed": SEED, "sha256": sha256(f32), "fnv1a64": fnv1a64(f32), "n_ctx": n_ctx, "prompts": ps,
                "llama_cpp": lc, "reference": reference,
                "q8_0": {"sha256": sha256(q8), "tensors_fnv1a64": tensor_fnv1a64(q8)[0],
                         "tensor_types": tensor_fnv1a64(q8)[1], "llama_cpp": lc_q8},
                "blocks_prompt": len(ps) - 1, "blocks_file": f"{case}-blocks.npy",
            }
            np.save(out / f"{case}-blocks.npy", blocks)
            (out / f"{case}.json").write_text(json.dumps(doc) + "\n")
            # Report: llama.cpp vs the float64 reference.
            worst = max(np.max(np.abs(np.array(x) - np.array(r))) / np.max(np.abs(r)) for x, r in zip(lc, reference))
            top = sum(int(np.argmax(x) == np.argmax(r)) for x, r in zip(lc, reference))
            worst_q8 = max(np.max(np.abs(np.array(x) - np.array(r))) / np.max(np.abs(r)) for x, r in zip(lc_q8, reference))
            print(f"{case:14s} llama.cpp vs float64: max|Δ|/max|logit| = {worst:.2e}, top-1 {top}/{len(ps)};"
                  f" Q8_0 llama.cpp vs f32 float64: {worst_q8:.2e}", file=sys.stderr)


def wide_case(case: str, hopscope: str, out: Path, ps: list[list[int]]) -> None:
    """Q4_K_M by llama.cpp's quantizer from the wide F32 file, and llama.cpp's logits on it."""
    with tempfile.TemporaryDirectory() as tmp:
        f32 = os.path.join(tmp, f"{case}.gguf")
        subprocess.run([hopscope, "synthetic", "--family", case, "--seed", str(SEED), "--out", f32], check=True)
        n_ctx = 256 if case.startswith("phi3") else 512
        q4 = os.path.join(tmp, f"{case}-q4_k_m.gguf")
        quantize(f32, q4, 15)             # LLAMA_FTYPE_MOSTLY_Q4_K_M
        fnv, types = tensor_fnv1a64(q4)
        lc = llama_cpp_logits(q4, ps, n_ctx)
        # The float64 reference on the quantized file's weights (dequantized by the gguf package).
        ref = FamilyReference(q4, n_ctx=n_ctx)
        reference = [ref.forward(ids).logits for ids in ps]
        doc = {
            "case": case, "seed": SEED, "fnv1a64": fnv1a64(f32), "n_ctx": n_ctx, "prompts": ps,
            "q4_k_m": {"sha256": sha256(q4), "tensors_fnv1a64": fnv, "tensor_types": types,
                       "llama_cpp": "@LLAMA@", "reference": "@REFERENCE@"},
        }

        def floats(rows) -> str:
            """Each value as the shortest decimal that reads back as the same float32 (keeps the file small)."""
            return "[" + ", ".join("[" + ", ".join(np.format_float_positional(np.float32(v), unique=True, trim="-")
                                                   for v in x) + "]" for x in rows) + "]"
        text = json.dumps(doc).replace('"@LLAMA@"', floats(lc)).replace('"@REFERENCE@"', floats(reference))
        (out / f"{case}.json").write_text(text + "\n")
        kinds = sorted({t.split(":")[1] for t in types})
        print(f"{case:18s} Q4_K_M tensor types {kinds}", file=sys.stderr)


if __name__ == "__main__":
    main()
