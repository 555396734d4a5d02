#!/usr/bin/env python3
"""Float64 numpy reference forward pass for GGUF models (architectures `llama` and `gemma3`).

Independent of llama.cpp and of the Swift engine: weights come from `gguf.GGUFReader` and are
dequantized with `gguf.quants.dequantize`; all arithmetic is float64. It is the exact reference
the Swift engine's logits and per-block hidden states are compared against.

    model = Reference("/path/model.gguf")
    out = model.forward([ids...], all_logits=False)
    out.embedding   float64 [T, D]      input to block 0 (for gemma3: already scaled by sqrt(D))
    out.blocks      float64 [L, T, D]   residual stream after block l ("block l output")
    out.logits      float64 [V]         next-token logits after the last position
                    (or [T, V] with all_logits=True)

Run it directly to print the top-5 of a few id lists:  reference.py MODEL.gguf 504 3575 282 4649 314
Dequantized weights are cached in memory only (Gemma-3: ~2 GB, 1.3 GB of it the embedding).
"""
from __future__ import annotations

import math
import sys
from dataclasses import dataclass

import numpy as np
import gguf
from gguf.quants import dequantize


# ----------------------------------------------------------------------------------------------
# Configuration read from the GGUF metadata
# ----------------------------------------------------------------------------------------------

@dataclass
class Config:
    arch: str
    n_layers: int
    dim: int
    n_heads: int
    n_kv_heads: int
    head_dim: int           # key_length (gemma3: 256) or dim / n_heads (llama)
    ffn_dim: int
    vocab: int
    norm_eps: float
    rope_base: float        # llama: every layer; gemma3: the global layers
    rope_base_local: float  # gemma3 sliding-window layers (10000, not in the metadata)
    sliding_window: int     # gemma3 only; 0 = none
    add_bos: bool
    bos_id: int


def _field(reader: gguf.GGUFReader, key: str, default=None):
    f = reader.fields.get(key)
    return default if f is None else f.contents()


def read_config(reader: gguf.GGUFReader) -> Config:
    arch = _field(reader, "general.architecture")
    if arch not in ("llama", "gemma3"):
        raise SystemExit(f"reference.py: unsupported architecture {arch!r}")
    p = arch + "."
    dim = int(_field(reader, p + "embedding_length"))
    n_heads = int(_field(reader, p + "attention.head_count"))
    tok_embd = next(t for t in reader.tensors if t.name == "token_embd.weight")
    return Config(
        arch=arch,
        n_layers=int(_field(reader, p + "block_count")),
        dim=dim,
        n_heads=n_heads,
        n_kv_heads=int(_field(reader, p + "attention.head_count_kv", n_heads)),
        head_dim=int(_field(reader, p + "attention.key_length", dim // n_heads)),
        ffn_dim=int(_field(reader, p + "feed_forward_length")),
        vocab=int(tok_embd.shape[1]),
        norm_eps=float(_field(reader, p + "attention.layer_norm_rms_epsilon")),
        rope_base=float(_field(reader, p + "rope.freq_base", 10000.0)),
        rope_base_local=10000.0,
        sliding_window=int(_field(reader, p + "attention.sliding_window", 0)),
        add_bos=bool(_field(reader, "tokenizer.ggml.add_bos_token", False)),
        bos_id=int(_field(reader, "tokenizer.ggml.bos_token_id", 0)),
    )


# ----------------------------------------------------------------------------------------------
# Building blocks (all float64; x has shape [..., n])
# ----------------------------------------------------------------------------------------------

def rms_norm(x: np.ndarray, weight: np.ndarray, eps: float) -> np.ndarray:
    """x / sqrt(mean(x^2) + eps) * weight, over the last axis."""
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * weight


def silu(x: np.ndarray) -> np.ndarray:
    return x / (1.0 + np.exp(-x))


def gelu_tanh(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def rope(x: np.ndarray, positions: np.ndarray, base: float, style: str) -> np.ndarray:
    """Rotary embedding. x: [T, heads, hd]. Pair i (i < hd/2) rotates by angle pos * base^(-2i/hd).

    style "adjacent": pairs are (x[2i], x[2i+1])   (llama GGUFs: the converter permuted Q/K rows)
    style "neox":     pairs are (x[i], x[i+hd/2])  (gemma3, qwen2)
    """
    hd = x.shape[-1]
    inv_freq = base ** (-np.arange(0, hd // 2, dtype=np.float64) * 2.0 / hd)   # [hd/2]
    angle = positions[:, None].astype(np.float64) * inv_freq[None, :]          # [T, hd/2]
    cos = np.cos(angle)[:, None, :].astype(x.dtype)                            # [T, 1, hd/2]
    sin = np.sin(angle)[:, None, :].astype(x.dtype)
    if style == "adjacent":
        a, b = x[..., 0::2], x[..., 1::2]
    else:
        a, b = x[..., : hd // 2], x[..., hd // 2:]
    ra, rb = a * cos - b * sin, a * sin + b * cos
    out = np.empty_like(x)
    if style == "adjacent":
        out[..., 0::2], out[..., 1::2] = ra, rb
    else:
        out[..., : hd // 2], out[..., hd // 2:] = ra, rb
    return out


def attention(q: np.ndarray, k: np.ndarray, v: np.ndarray, scale: float, window: int) -> np.ndarray:
    """Causal grouped-query attention.
    q: [T, H, hd]; k, v: [T, Hkv, hd]; returns [T, H*hd].
    window > 0: query t sees key s iff 0 <= t - s < window (llama.cpp's standard sliding window).
    """
    T, H, hd = q.shape
    group = H // k.shape[1]
    k = np.repeat(k, group, axis=1)                                   # [T, H, hd]
    v = np.repeat(v, group, axis=1)
    scores = np.einsum("thd,shd->hts", q, k) * scale                  # [H, T(query), T(key)]
    t = np.arange(T)
    visible = t[None, :] <= t[:, None]                                # key s <= query t
    if window > 0:
        visible &= (t[:, None] - t[None, :]) < window
    scores = np.where(visible[None], scores, -np.inf)
    scores -= scores.max(axis=-1, keepdims=True)
    p = np.exp(scores)
    p /= p.sum(axis=-1, keepdims=True)
    return np.einsum("hts,shd->thd", p, v).reshape(T, H * hd)


# ----------------------------------------------------------------------------------------------
# The model
# ----------------------------------------------------------------------------------------------

@dataclass
class Output:
    embedding: np.ndarray   # [T, D]
    blocks: np.ndarray      # [L, T, D]
    logits: np.ndarray      # [V] (last position) or [T, V]


class Reference:
    def __init__(self, path: str, gemma_norm_shift: float = 0.0, dtype=np.float64):
        """gemma_norm_shift: added to every gemma3 RMSNorm weight. 0 is right (the GGUF weights
        already hold 1 + w); 1.0 exists only to test that finding against llama.cpp.
        dtype: float64 for the reference; float32 only to estimate how far f32 arithmetic drifts."""
        self.path = path
        self.dtype = dtype
        self.gemma_norm_shift = gemma_norm_shift
        self.reader = gguf.GGUFReader(path)
        self.cfg = read_config(self.reader)
        self.tensors = {t.name: t for t in self.reader.tensors}
        self._cache: dict[str, np.ndarray] = {}

    # -- weights -------------------------------------------------------------------------------
    def w(self, name: str) -> np.ndarray:
        """Dequantized tensor (float64 by default), shape (ne[n-1], ..., ne[0]); a Linear is [out, in]."""
        if name not in self._cache:
            t = self.tensors[name]
            w = dequantize(t.data, t.tensor_type).astype(self.dtype)
            if self.cfg.arch == "gemma3" and name.endswith("norm.weight"):
                w = w + self.gemma_norm_shift
            self._cache[name] = w
        return self._cache[name]

    def has(self, name: str) -> bool:
        return name in self.tensors

    def embedding_matrix(self) -> np.ndarray:
        """token_embd [V, D] (Gemma-3: 262144 x 640, 1.3 GB in float64)."""
        return self.w("token_embd.weight")

    def unembed(self, h: np.ndarray) -> np.ndarray:
        """h: [T, D] (already final-normed) -> logits [T, V]."""
        if self.has("output.weight"):
            return h @ self.w("output.weight").T
        return h @ self.embedding_matrix().T                          # tied: [V, D]

    # -- forward -------------------------------------------------------------------------------
    def forward(self, ids: list[int], all_logits: bool = False) -> Output:
        c = self.cfg
        T, D, H, Hkv, hd = len(ids), c.dim, c.n_heads, c.n_kv_heads, c.head_dim
        gemma = c.arch == "gemma3"
        pos = np.arange(T)

        # Embedding: [T, D]. Gemma multiplies by sqrt(D) (as a float, not rounded to bf16).
        x = self.embedding_matrix()[np.asarray(ids)].astype(self.dtype)
        if gemma:
            x = x * math.sqrt(D)
        embedding = x.copy()

        blocks = np.empty((c.n_layers, T, D), dtype=self.dtype)
        for l in range(c.n_layers):
            b = f"blk.{l}."

            # ---- attention sublayer ----
            h = rms_norm(x, self.w(b + "attn_norm.weight"), c.norm_eps)          # [T, D]
            q = (h @ self.w(b + "attn_q.weight").T).reshape(T, H, hd)            # [T, H, hd]
            k = (h @ self.w(b + "attn_k.weight").T).reshape(T, Hkv, hd)          # [T, Hkv, hd]
            v = (h @ self.w(b + "attn_v.weight").T).reshape(T, Hkv, hd)          # [T, Hkv, hd]
            if gemma:
                # per-head RMS norm of q and k (weights over hd, +1 already in the GGUF)
                q = rms_norm(q, self.w(b + "attn_q_norm.weight"), c.norm_eps)
                k = rms_norm(k, self.w(b + "attn_k_norm.weight"), c.norm_eps)
                is_global = (l + 1) % 6 == 0                                    # layers 5, 11, 17
                base = c.rope_base if is_global else c.rope_base_local
                window = 0 if is_global else c.sliding_window
                q, k = rope(q, pos, base, "neox"), rope(k, pos, base, "neox")
            else:
                window = 0
                q, k = rope(q, pos, c.rope_base, "adjacent"), rope(k, pos, c.rope_base, "adjacent")
            a = attention(q, k, v, 1.0 / math.sqrt(hd), window)                  # [T, H*hd]
            a = a @ self.w(b + "attn_output.weight").T                           # [T, D]
            if gemma:
                a = rms_norm(a, self.w(b + "post_attention_norm.weight"), c.norm_eps)
            x = x + a

            # ---- feed-forward sublayer ----
            h = rms_norm(x, self.w(b + "ffn_norm.weight"), c.norm_eps)           # [T, D]
            gate = h @ self.w(b + "ffn_gate.weight").T                           # [T, F]
            up = h @ self.w(b + "ffn_up.weight").T                               # [T, F]
            act = gelu_tanh(gate) if gemma else silu(gate)
            m = (act * up) @ self.w(b + "ffn_down.weight").T                     # [T, D]
            if gemma:
                m = rms_norm(m, self.w(b + "post_ffw_norm.weight"), c.norm_eps)
            x = x + m

            blocks[l] = x                                                        # block l output

        # Final norm + unembedding (tied to token_embd when output.weight is absent).
        hf = rms_norm(x if all_logits else x[-1:], self.w("output_norm.weight"), c.norm_eps)
        logits = self.unembed(hf)                                                # [T or 1, V]
        return Output(embedding, blocks, logits if all_logits else logits[0])


def top_k(logits: np.ndarray, k: int) -> list[int]:
    """Indices of the k largest logits, largest first; ties broken by the lower id (deterministic)."""
    order = np.lexsort((np.arange(len(logits)), -logits))
    return [int(i) for i in order[:k]]


if __name__ == "__main__":
    if len(sys.argv) < 3:
        print(__doc__)
        sys.exit(2)
    m = Reference(sys.argv[1])
    ids = [int(s) for s in sys.argv[2:]]
    out = m.forward(ids)
    for i in top_k(out.logits, 5):
        print(i, f"{out.logits[i]:.4f}")
