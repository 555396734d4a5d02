#!/usr/bin/env python3
"""Settle the gemma3 details of reference.py against llama.cpp, by ablation. Produces no files.

Each variant changes one detail of the float64 reference (reference.py) and is scored against
llama.cpp's last-position logits on the golden prompts: top-1 agreement and the mean over prompts of
max |reference − llama.cpp| over the reference's top-5 ids. The right variant has the smallest error
(llama.cpp's own noise, from 8-bit activation quantization, is a few tenths).

Short prompts (< 512 tokens) cannot see the sliding window, so two long prompts are checked too:
513 tokens (the last query is at position 512: with a 512 window it must NOT see position 0, the BOS
token, which is an attention sink, so an off-by-one in the window shows) and 700 tokens.

Usage: check_gemma3_details.py [--models DIR] [--quick]
"""
from __future__ import annotations

import os
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import contextlib
import math
import sys
import types
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import reference  # noqa: E402
from reference import Reference, top_k  # noqa: E402
from make_logits_golden import CHAT, GEMMA3, PROMPTS, LlamaCpp, long_prompt_ids  # noqa: E402


@contextlib.contextmanager
def patched(obj, name, value):
    old = getattr(obj, name)
    setattr(obj, name, value)
    try:
        yield
    finally:
        setattr(obj, name, old)


@contextlib.contextmanager
def norm_shift(m: Reference, shift: float):
    """Re-read the norm weights with `shift` added (they are cached after the first read)."""
    def drop():
        for k in [k for k in m._cache if k.endswith("norm.weight")]:
            del m._cache[k]
    drop()
    with patched(m, "gemma_norm_shift", shift):
        yield
    drop()


def gelu_erf(x):
    try:
        from scipy.special import erf
    except ImportError:
        erf = np.vectorize(math.erf)
    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


def variants(m: Reference):
    """(name, context manager factory) for each one-detail change of the reference."""
    rope, attention = reference.rope, reference.attention
    c = m.cfg
    bf16_math = types.SimpleNamespace(**{k: getattr(math, k) for k in ("pi", "tanh")},
                                      sqrt=lambda v: 25.25 if v == c.dim else math.sqrt(v))
    return [
        ("as in reference.py", contextlib.nullcontext),
        ("norm weights + 1", lambda: norm_shift(m, 1.0)),
        ("adjacent-pair RoPE", lambda: patched(reference, "rope", lambda x, p, b, s: rope(x, p, b, "adjacent"))),
        ("local RoPE base = freq_base (1e6)", lambda: patched(c, "rope_base_local", c.rope_base)),
        ("global RoPE base = 10000", lambda: patched(c, "rope_base", 10000.0)),
        ("GELU erf instead of tanh", lambda: patched(reference, "gelu_tanh", gelu_erf)),
        ("embedding scale bf16(sqrt(640)) = 25.25", lambda: patched(reference, "math", bf16_math)),
        ("query scale 1/sqrt(dim/heads)", lambda: patched(reference, "attention",
            lambda q, k, v, s, w: attention(q, k, v, 1.0 / math.sqrt(c.dim / c.n_heads), w))),
        ("no sliding window", lambda: patched(reference, "attention",
            lambda q, k, v, s, w: attention(q, k, v, s, 0))),
        ("window one wider (t - s <= 512)", lambda: patched(reference, "attention",
            lambda q, k, v, s, w: attention(q, k, v, s, w + 1 if w else 0))),
    ]


def score(ref_logits, cpp_logits):
    agree = sum(top_k(r, 1)[0] == top_k(c, 1)[0] for r, c in zip(ref_logits, cpp_logits))
    err = [float(np.max(np.abs(r[top_k(r, 5)] - c[top_k(r, 5)]))) for r, c in zip(ref_logits, cpp_logits)]
    return agree, float(np.mean(err))


def main() -> None:
    home = Path(os.environ.get("HOPSCOPE_HOME", Path.home() / ".cache" / "hopscope"))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", type=Path, default=home / "models")
    ap.add_argument("--quick", action="store_true", help="8 short prompts instead of 24")
    args = ap.parse_args()
    path = args.models / GEMMA3
    m = Reference(str(path))
    cpp = LlamaCpp(path, m.cfg.add_bos, n_ctx=1024)
    texts = PROMPTS + [CHAT[GEMMA3]]
    if args.quick:
        texts = texts[:: 3]
    short = [cpp.tokenize(t) for t in texts]
    long = long_prompt_ids(cpp)
    cpp_short = [cpp.last_logits(p) for p in short]
    cpp_long = [cpp.last_logits(p) for p in long]

    print(f"{'variant':<42} {'short: top1':>11} {'mean err':>8}   {'long: top1':>10} {'errs':>14}")
    for name, ctx in variants(m):
        with ctx():
            if name.startswith(("no sliding", "window one")):
                s_agree, s_err = None, None          # identical to the reference below 512 tokens
            else:
                s_agree, s_err = score([m.forward(p).logits for p in short], cpp_short)
            long_ref = [m.forward(p).logits for p in long]
        l_agree, _ = score(long_ref, cpp_long)
        l_errs = [score([r], [c])[1] for r, c in zip(long_ref, cpp_long)]
        s = "—" if s_agree is None else f"{s_agree}/{len(short)}"
        e = "—" if s_err is None else f"{s_err:.3f}"
        print(f"{name:<42} {s:>11} {e:>8}   {l_agree}/{len(long):>8} "
              f"{' '.join(f'{x:.3f}' for x in l_errs):>14}", flush=True)


if __name__ == "__main__":
    main()
