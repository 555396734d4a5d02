#!/usr/bin/env python3
"""Golden logits and hidden states for the Swift forward pass (Tests/ModelTests/Fixtures/).

Prompts (PROMPTS below, 24 per model) are tokenized by llama.cpp (llama-cpp-python, vocab_only,
add_bos as the GGUF metadata says, special=True). Then:

SmolLM2-135M-Instruct Q4_1 (arch llama):
  smollm2-logits.json   {"model", "sha256", "add_bos", "vocab", "layers", "dim",
                         "logits_file": "smollm2-logits.npy",
                         "prompts": [{"text", "ids", "reference_top5": [ids], "llama_cpp_top5": [ids],
                                      "llama_cpp_top5_logits": [floats]}],
                         "blocks": [{"prompt_index", "file"}]}
  smollm2-logits.npy    float32 [n_prompts, vocab]: last-position logits of the float64 reference
                        (reference.py), cast to float32
  smollm2-blocks-<k>.npy  float32 [layers, tokens, dim]: block outputs (residual after block l) of
                        the float64 reference for prompt k, for the 3 prompts listed under "blocks"

Gemma-3 270M Q4_K_M (arch gemma3):
  gemma3-top1.json      {"model", "sha256", "add_bos", "vocab", "near_tie_threshold": 0.5,
                         "reference_agrees": bool,
                         "prompts": [{"text", "ids",
                                      "llama_cpp": {"top_ids": [2 ids], "top_logits": [2 floats]},
                                      "near_tie": bool,      # llama.cpp top1 - top2 < 0.5
                                      "reference": {"top_ids": [50], "top_logits": [50]}}],
                         "long_prompts": [{"tokens": 513 | 700, "ids", "llama_cpp", "near_tie",
                                           "reference"}]}
                        ("reference" is present only when the float64 reference agrees with
                        llama.cpp's top-1 on every non-near-tie prompt, i.e. reference_agrees.)
                        The long prompts are LONG_TEXT tokenized and cut to 513 and 700 tokens
                        (llama.cpp context 1024): beyond gemma3's 512-token sliding window.

It also prints, per prompt, the comparison of the float64 reference with llama.cpp (top-1 agreement,
top-5 overlap, logit differences). check_gemma3_details.py settles each gemma3 detail by ablation.

Usage: make_logits_golden.py [--models DIR] [--out DIR] [--only smollm2|gemma3]
Deterministic (float64 numpy; llama.cpp run single-sequence, n_threads=2).
"""
from __future__ import annotations

import os
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")   # the reference is small; stay lean
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from reference import Reference, top_k  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
SMOLLM2 = "SmolLM2-135M-Instruct.Q4_1.gguf"
GEMMA3 = "gemma-3-270m-q4_k_m.gguf"
NEAR_TIE = 0.5

# Shared prompts: facts (one- and two-hop), code, numbers, punctuation, whitespace, non-English text,
# a longer paragraph. Each model also gets its own chat-template prompt (CHAT below).
PROMPTS = [
    "The capital of France is",
    "The currency of the country of origin of Toyota is",
    "The country of origin of Toyota is",
    "The capital of the country of origin of Toyota is",
    "The currency of Japan is",
    "The spouse of the performer of Imagine is",
    "The author of Romeo and Juliet is",
    "def fibonacci(n):\n    if n < 2:\n        return n\n    return",
    "for (int i = 0; i < 10; i++) {",
    "1, 2, 3, 4, 5,",
    "In 1969, Apollo 11 landed on the",
    "3.14159 is approximately the value of",
    "Hello, world! How are",
    "Wait... what?! (Really?) Yes \u2014 it's true; 100%",
    "La capitale de la France est",
    "Die Hauptstadt von Deutschland ist",
    "\u6771\u4eac\u306f\u65e5\u672c\u306e",
    "\u041c\u043e\u0441\u043a\u0432\u0430 \u2014 \u0441\u0442\u043e\u043b\u0438\u0446\u0430",
    "The quick brown fox jumps over the lazy",
    "Q: What is 2 + 2?\nA:",
    "  leading spaces and\ttabs\n\nnew",
    "\u00e9migr\u00e9 caf\u00e9 na\u00efve r\u00e9sum\u00e9",
    "Once upon a time, in a small village at the foot of the mountains, there lived an old "
    "clockmaker who repaired every clock in the valley. One winter morning, a stranger knocked "
    "on his door and asked him to fix a clock that",
]
CHAT = {
    SMOLLM2: "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging "
             "Face<|im_end|>\n<|im_start|>user\nWhat is the capital of Germany?<|im_end|>\n"
             "<|im_start|>assistant\n",
    GEMMA3: "<start_of_turn>user\nWhat is the capital of Germany?<end_of_turn>\n<start_of_turn>model\n",
}
BLOCK_PROMPTS = [0, 1, len(PROMPTS)]   # France, Toyota currency (two-hop), the chat prompt

# Long prompts, to exercise gemma3's 512-token sliding window: the text below, tokenized, cut to
# LONG_LENGTHS tokens. At 513 tokens the last query (position 512) must not see position 0 (BOS).
ANIMALS = ["fox", "heron", "badger", "otter", "lynx", "crow", "hare"]
PLACES = ["mill", "orchard", "bridge", "harbour", "chapel", "meadow", "quarry", "forge"]
LONG_TEXT = " ".join(
    f"On day {i}, the {ANIMALS[i % 7]} walked to the {PLACES[i % 8]} and counted {(i * 37) % 91} stones."
    for i in range(1, 80))
LONG_LENGTHS = [513, 700]


def long_prompt_ids(cpp: "LlamaCpp") -> list[list[int]]:
    ids = cpp.tokenize(LONG_TEXT)
    assert len(ids) >= max(LONG_LENGTHS), len(ids)
    return [ids[:n] for n in LONG_LENGTHS]


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def rel(p: Path) -> str:
    return str(p.relative_to(REPO)) if p.is_relative_to(REPO) else str(p)


class LlamaCpp:
    """llama.cpp via llama-cpp-python: tokenizer and next-token logits."""

    def __init__(self, path: Path, add_bos: bool, n_ctx: int = 512):
        from llama_cpp import Llama
        self.add_bos = add_bos
        self.vocab = Llama(model_path=str(path), vocab_only=True, verbose=False)
        self.llm = Llama(model_path=str(path), logits_all=False, n_ctx=n_ctx, n_threads=2,
                         n_threads_batch=2, seed=0, verbose=False)

    def tokenize(self, text: str) -> list[int]:
        return self.vocab.tokenize(text.encode("utf-8"), add_bos=self.add_bos, special=True)

    def last_logits(self, ids: list[int]) -> np.ndarray:
        # With logits_all=False, Llama.eval no longer copies logits into .scores (0.3.x); read
        # the last output row straight from the context.
        import llama_cpp
        self.llm.reset()
        self.llm.eval(ids)
        ptr = llama_cpp.llama_get_logits_ith(self.llm._ctx.ctx, -1)
        return np.ctypeslib.as_array(ptr, shape=(self.llm.n_vocab(),)).astype(np.float64)


def compare(name: str, texts: list[str], ref_logits: list[np.ndarray], cpp_logits: list[np.ndarray],
            ) -> dict:
    """Print the reference-vs-llama.cpp comparison; return summary figures."""
    n = len(texts)
    agree = overlap = 0
    near = []
    max_diff = 0.0
    print(f"\n{name}: float64 reference vs llama.cpp (last position)")
    print(f"{'#':>2} {'top1 ref':>8} {'top1 cpp':>8} {'cpp gap':>7} {'top5 ∩':>6} {'max|Δ| top5':>11}  prompt")
    for i, (t, r, c) in enumerate(zip(texts, ref_logits, cpp_logits)):
        rt, ct = top_k(r, 5), top_k(c, 5)
        gap = c[ct[0]] - c[ct[1]]
        d = float(np.max(np.abs(r[rt] - c[rt])))
        max_diff = max(max_diff, d)
        ok = rt[0] == ct[0]
        agree += ok
        overlap += len(set(rt) & set(ct))
        if gap < NEAR_TIE:
            near.append(i)
        print(f"{i:>2} {rt[0]:>8} {ct[0]:>8} {gap:>7.3f} {len(set(rt) & set(ct)):>6} {d:>11.3f}  "
              f"{'' if ok else 'MISMATCH '}{t[:50]!r}")
    non_tie = [i for i in range(n) if i not in near]
    agree_nt = sum(top_k(ref_logits[i], 1)[0] == top_k(cpp_logits[i], 1)[0] for i in non_tie)
    print(f"{name}: top-1 agreement {agree}/{n}; on non-near-tie prompts {agree_nt}/{len(non_tie)}; "
          f"mean top-5 overlap {overlap / n:.2f}/5; max |Δlogit| over reference top-5 {max_diff:.3f}")
    return {"agree": agree, "n": n, "agree_non_tie": agree_nt, "non_tie": len(non_tie),
            "near_tie": near, "max_diff": max_diff}


def make_smollm2(models: Path, out: Path) -> None:
    path = models / SMOLLM2
    ref = Reference(str(path))
    cfg = ref.cfg
    cpp = LlamaCpp(path, cfg.add_bos)
    texts = PROMPTS + [CHAT[SMOLLM2]]
    ids = [cpp.tokenize(t) for t in texts]

    ref_logits, cpp_logits, blocks_files = [], [], []
    for i, p in enumerate(ids):
        o = ref.forward(p)
        ref_logits.append(o.logits)
        cpp_logits.append(cpp.last_logits(p))
        if i in BLOCK_PROMPTS:
            f = f"smollm2-blocks-{i}.npy"
            np.save(out / f, np.ascontiguousarray(o.blocks, dtype=np.float32))
            blocks_files.append({"prompt_index": i, "file": f})
            print(f"{rel(out / f)}: float32 {list(o.blocks.shape)}")
    np.save(out / "smollm2-logits.npy", np.stack(ref_logits).astype(np.float32))
    print(f"{rel(out / 'smollm2-logits.npy')}: float32 [{len(ids)}, {cfg.vocab}]")

    prompts = []
    for t, p, r, c in zip(texts, ids, ref_logits, cpp_logits):
        ct = top_k(c, 5)
        prompts.append({"text": t, "ids": p, "reference_top5": top_k(r, 5), "llama_cpp_top5": ct,
                        "llama_cpp_top5_logits": [round(float(c[j]), 4) for j in ct]})
    doc = {"model": SMOLLM2, "sha256": sha256(path), "add_bos": cfg.add_bos, "vocab": cfg.vocab,
           "layers": cfg.n_layers, "dim": cfg.dim, "logits_file": "smollm2-logits.npy",
           "prompts": prompts, "blocks": blocks_files}
    (out / "smollm2-logits.json").write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
    print(f"{rel(out / 'smollm2-logits.json')}: {len(prompts)} prompts")
    compare("smollm2", texts, ref_logits, cpp_logits)


def make_gemma3(models: Path, out: Path) -> None:
    path = models / GEMMA3
    ref = Reference(str(path))
    cfg = ref.cfg
    cpp = LlamaCpp(path, cfg.add_bos)
    texts = PROMPTS + [CHAT[GEMMA3]]
    ids = [cpp.tokenize(t) for t in texts]
    cpp_logits = [cpp.last_logits(p) for p in ids]
    ref_logits = [ref.forward(p).logits for p in ids]
    summary = compare("gemma3", texts, ref_logits, cpp_logits)

    # Long prompts (sliding window), on a second llama.cpp context large enough for them.
    del cpp.llm
    cpp_long = LlamaCpp(path, cfg.add_bos, n_ctx=1024)
    long_ids = long_prompt_ids(cpp_long)
    long_cpp = [cpp_long.last_logits(p) for p in long_ids]
    long_ref = [ref.forward(p).logits for p in long_ids]
    long_summary = compare("gemma3 long prompts", [f"LONG_TEXT[:{len(p)} tokens]" for p in long_ids],
                           long_ref, long_cpp)

    agrees = (summary["agree_non_tie"] == summary["non_tie"]
              and long_summary["agree_non_tie"] == long_summary["non_tie"])

    def entry(p: list[int], r: np.ndarray, c: np.ndarray) -> dict:
        ct = top_k(c, 2)
        e = {"ids": p,
             "llama_cpp": {"top_ids": ct, "top_logits": [round(float(c[j]), 4) for j in ct]},
             "near_tie": bool(c[ct[0]] - c[ct[1]] < NEAR_TIE)}
        if agrees:
            rt = top_k(r, 50)
            e["reference"] = {"top_ids": rt, "top_logits": [float(np.float32(r[j])) for j in rt]}
        return e

    prompts = [{"text": t, **entry(p, r, c)} for t, p, r, c in zip(texts, ids, ref_logits, cpp_logits)]
    longs = [{"tokens": len(p), **entry(p, r, c)} for p, r, c in zip(long_ids, long_ref, long_cpp)]
    doc = {"model": GEMMA3, "sha256": sha256(path), "add_bos": cfg.add_bos, "vocab": cfg.vocab,
           "near_tie_threshold": NEAR_TIE, "reference_agrees": agrees, "prompts": prompts,
           "long_prompts": longs}
    (out / "gemma3-top1.json").write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
    print(f"{rel(out / 'gemma3-top1.json')}: {len(prompts)} + {len(longs)} long prompts, "
          f"reference stored: {agrees}")


def main() -> None:
    home = Path(os.environ.get("HOPSCOPE_HOME", Path.home() / ".cache" / "hopscope"))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", type=Path, default=home / "models")
    ap.add_argument("--out", type=Path, default=REPO / "Tests" / "ModelTests" / "Fixtures")
    ap.add_argument("--only", choices=["smollm2", "gemma3"])
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.only in (None, "smollm2"):
        make_smollm2(args.models, args.out)
    if args.only in (None, "gemma3"):
        make_gemma3(args.models, args.out)


if __name__ == "__main__":
    main()
