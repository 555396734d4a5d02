#!/usr/bin/env python3
"""Float64 numpy reference forward pass for every family hopscope runs (llama, qwen2, qwen3, gemma2,
gemma3, phi3, olmo2), written from llama.cpp's semantics (src/models/<family>.cpp, src/llama-model.cpp,
ggml-cpu ops.cpp rope_yarn), independent of llama.cpp's code and of the Swift engine.

Weights come from gguf.GGUFReader + gguf.quants.dequantize; all arithmetic is float64.

    ref = FamilyReference("/path/tiny.gguf")
    out = ref.forward([ids...])
    out.blocks   float64 [L, T, D]  residual stream after block l
    out.logits   float64 [V]        next-token logits after the last position

Context: `n_ctx` is the context llama.cpp is run with; it only matters for LongRoPE (short factors
when n_ctx <= rope.scaling.original_context_length, which is what hopscope does).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import gguf
from gguf.quants import dequantize


def _f32(x) -> float:
    return float(np.float32(x))


class FamilyReference:
    def __init__(self, path: str, n_ctx: int = 512):
        self.reader = gguf.GGUFReader(path)
        self.t = {t.name: t for t in self.reader.tensors}
        self._cache: dict[str, np.ndarray] = {}
        r = self.reader
        arch = self.get("general.architecture")
        self.arch = arch
        g = lambda k, d=None: self.get(arch + "." + k, d)
        self.L = int(g("block_count"))
        self.D = int(g("embedding_length"))
        self.H = int(g("attention.head_count"))
        self.Hkv = int(g("attention.head_count_kv", self.H))
        self.hd = int(g("attention.key_length", self.D // self.H))
        self.F = int(g("feed_forward_length"))
        self.eps = float(g("attention.layer_norm_rms_epsilon"))
        self.n_rot = int(g("rope.dimension_count", self.hd))
        self.n_ctx_train = int(g("context_length", 2048))
        self.base = float(g("rope.freq_base", 10000.0))
        self.scaling = g("rope.scaling.type", "linear")
        factor = float(g("rope.scaling.factor", 0.0) or 0.0)
        self.freq_scale = 1.0 if (factor == 0.0 or self.scaling == "none") else 1.0 / factor
        self.orig_ctx = int(g("rope.scaling.original_context_length", self.n_ctx_train))
        self.rope_attn_factor = float(g("rope.scaling.attn_factor", 1.0))
        self.n_ctx = n_ctx
        self.gelu16 = False   # True: emulate llama.cpp's fp16 GELU table (see forward)
        self.vocab = self.t["token_embd.weight"].shape[1]

        # Family choices (llama.cpp semantics).
        a = arch
        self.neox = a != "llama"
        self.gemma = a in ("gemma2", "gemma3")
        self.gelu = self.gemma
        self.pre_norm = a != "olmo2"
        self.post_norm = self.gemma or a == "olmo2"
        self.qk_norm = {"qwen3": "head", "gemma3": "head", "olmo2": "whole"}.get(a)
        self.attn_softcap = float(g("attn_logit_softcapping", 50.0)) if a == "gemma2" else None
        fsc = None
        if a == "gemma2":
            fsc = float(g("final_logit_softcapping", 30.0))
        elif a == "gemma3":
            v = g("final_logit_softcapping", 0.0)
            fsc = float(v) if v else None
        self.final_softcap = fsc
        self.q_scale = 1.0 / math.sqrt(self.hd)
        if (a == "gemma2" and self.L == 46) or (a == "gemma3" and self.L == 62):
            self.q_scale = 1.0 / math.sqrt(self.D // self.H)

        # Sliding window: which layers, which window, which local RoPE.
        self.window = 0
        self.is_swa = [False] * self.L
        self.base_swa = self.base
        self.local_scaled = True          # local layers use the global freq_scale (gemma2)
        period = None
        if a == "gemma2":
            self.window = int(g("attention.sliding_window", 4096)); period = 2
            self.base_swa = float(g("rope.freq_base_swa", self.base))
        elif a in ("gemma3", "olmo2"):
            w = int(g("attention.sliding_window", 0) or 0)
            if w > 0:
                self.window = w; period = 6 if a == "gemma3" else 4
                self.base_swa = float(g("rope.freq_base_swa", 10000.0 if a == "gemma3" else self.base))
            self.local_scaled = False
        if period:
            n = int(g("attention.sliding_window_pattern", period))
            self.is_swa = [n == 0 or (l % n) < (n - 1) for l in range(self.L)]

        # RoPE factors.
        self.factors = None
        if "rope_freqs.weight" in self.t:
            self.factors = self.w("rope_freqs.weight")
        elif "rope_factors_short.weight" in self.t or "rope_factors_long.weight" in self.t:
            name = "rope_factors_long.weight" if n_ctx > self.orig_ctx else "rope_factors_short.weight"
            self.factors = self.w(name) if name in self.t else None

    def get(self, key, default=None):
        f = self.reader.fields.get(key)
        return default if f is None else f.contents()

    def w(self, name: str) -> np.ndarray:
        if name not in self._cache:
            t = self.t[name]
            self._cache[name] = dequantize(t.data, t.tensor_type).astype(np.float64)
        return self._cache[name]

    def has(self, name: str) -> bool:
        return name in self.t

    # -- pieces -----------------------------------------------------------------------------------
    def norm(self, x, name):
        return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + self.eps) * self.w(name)

    def rope_angles(self, local: bool):
        """omega [n_rot/2] (radians per position) and mscale, as ggml's rope_yarn computes them."""
        n = self.n_rot
        base = self.base_swa if local else self.base
        fs = self.freq_scale if (not local or self.local_scaled) else 1.0
        yarn = self.scaling == "yarn" and not (local and not self.local_scaled)
        ext = 1.0 if yarn else 0.0
        attn = self.rope_attn_factor
        if yarn:
            f = 1.0 / self.freq_scale
            ms = 1.0 if f <= 1 else 0.1 * math.log(f) + 1.0
            attn = ms * (1.0 / (1.0 + 0.1 * math.log(f))) * self.rope_attn_factor
        i = np.arange(n // 2, dtype=np.float64)
        w = base ** (-2.0 * i / n)
        if self.factors is not None:
            w = w / self.factors[: n // 2]
        mscale = attn
        if ext != 0.0:
            def corr(rot):
                return n * math.log(self.orig_ctx / (rot * 2 * math.pi)) / (2 * math.log(base))
            low = max(0.0, math.floor(corr(32.0)))
            high = min(n - 1.0, math.ceil(corr(1.0)))
            y = (i - low) / max(0.001, high - low)
            mix = (1.0 - np.minimum(1.0, np.maximum(0.0, y))) * ext
            w = w * (fs * (1 - mix) + mix)
            mscale *= 1.0 + 0.1 * math.log(1.0 / fs)
        else:
            w = w * fs
        return w, mscale

    def rope(self, x, local):
        """x [T, heads, hd]: rotate the first n_rot dims of each head."""
        T = x.shape[0]
        n = self.n_rot
        w, ms = self.rope_angles(local)
        ang = np.arange(T, dtype=np.float64)[:, None] * w[None, :]
        cos = (np.cos(ang) * ms)[:, None, :]
        sin = (np.sin(ang) * ms)[:, None, :]
        out = x.copy()
        if self.neox:
            a, b = x[..., : n // 2], x[..., n // 2: n]
            out[..., : n // 2] = a * cos - b * sin
            out[..., n // 2: n] = a * sin + b * cos
        else:
            a, b = x[..., 0:n:2], x[..., 1:n:2]
            out[..., 0:n:2] = a * cos - b * sin
            out[..., 1:n:2] = a * sin + b * cos
        return out

    def attention(self, q, k, v, window, softcap):
        T, H, hd = q.shape
        group = H // k.shape[1]
        k = np.repeat(k, group, axis=1)
        v = np.repeat(v, group, axis=1)
        s = np.einsum("thd,shd->hts", q, k) * self.q_scale
        if softcap:
            s = softcap * np.tanh(s / softcap)
        t = np.arange(T)
        vis = t[None, :] <= t[:, None]
        if window > 0:
            vis &= (t[:, None] - t[None, :]) < window
        s = np.where(vis[None], s, -np.inf)
        s -= s.max(axis=-1, keepdims=True)
        p = np.exp(s)
        p /= p.sum(axis=-1, keepdims=True)
        return np.einsum("hts,shd->thd", p, v).reshape(T, H * hd)

    def bias(self, name):
        return self.w(name) if self.has(name) else 0.0

    # -- forward ----------------------------------------------------------------------------------
    def forward(self, ids):
        T, D, H, Hkv, hd, F = len(ids), self.D, self.H, self.Hkv, self.hd, self.F
        x = self.w("token_embd.weight")[np.asarray(ids)].copy()
        if self.gemma:
            x = x * _f32(math.sqrt(D))
        blocks = np.empty((self.L, T, D))
        qd, kd = H * hd, Hkv * hd
        for l in range(self.L):
            b = f"blk.{l}."
            h = self.norm(x, b + "attn_norm.weight") if self.pre_norm else x
            if self.has(b + "attn_qkv.weight"):
                qkv = h @ self.w(b + "attn_qkv.weight").T
                if self.has(b + "attn_qkv.bias"):
                    qkv = qkv + self.w(b + "attn_qkv.bias")
                q, k, v = qkv[:, :qd], qkv[:, qd:qd + kd], qkv[:, qd + kd:]
                if not self.has(b + "attn_qkv.bias") and self.has(b + "attn_q.bias"):
                    q, k, v = q + self.w(b + "attn_q.bias"), k + self.w(b + "attn_k.bias"), v + self.w(b + "attn_v.bias")
            else:
                q = h @ self.w(b + "attn_q.weight").T + self.bias(b + "attn_q.bias")
                k = h @ self.w(b + "attn_k.weight").T + self.bias(b + "attn_k.bias")
                v = h @ self.w(b + "attn_v.weight").T + self.bias(b + "attn_v.bias")
            if self.qk_norm == "whole":
                q = self.norm(q, b + "attn_q_norm.weight")
                k = self.norm(k, b + "attn_k_norm.weight")
            q, k, v = q.reshape(T, H, hd), k.reshape(T, Hkv, hd), v.reshape(T, Hkv, hd)
            if self.qk_norm == "head":
                q = self.norm(q, b + "attn_q_norm.weight")
                k = self.norm(k, b + "attn_k_norm.weight")
            local = self.is_swa[l] and self.window > 0
            q, k = self.rope(q, local), self.rope(k, local)
            a = self.attention(q, k, v, self.window if local else 0, self.attn_softcap)
            a = a @ self.w(b + "attn_output.weight").T + self.bias(b + "attn_output.bias")
            if self.post_norm:
                a = self.norm(a, b + "post_attention_norm.weight")
            x = x + a
            h = self.norm(x, b + "ffn_norm.weight") if self.pre_norm else x
            if self.arch == "phi3":
                gu = h @ self.w(b + "ffn_up.weight").T
                gate, up = gu[:, :F], gu[:, F:]
            else:
                gate = h @ self.w(b + "ffn_gate.weight").T + self.bias(b + "ffn_gate.bias")
                up = h @ self.w(b + "ffn_up.weight").T + self.bias(b + "ffn_up.bias")
            if self.gelu and self.gelu16:
                # ggml's CPU GELU (GGML_GELU_FP16): a table of fp16 outputs indexed by fp16(x), exact
                # outside [-10, 10]. Only to explain llama.cpp's distance from the exact reference.
                x16 = gate.astype(np.float16).astype(np.float64)
                y = 0.5 * x16 * (1 + np.tanh(math.sqrt(2 / math.pi) * (x16 + 0.044715 * x16 ** 3)))
                act = np.where(gate <= -10, 0.0, np.where(gate >= 10, gate, y.astype(np.float16).astype(np.float64)))
            elif self.gelu:
                act = 0.5 * gate * (1 + np.tanh(math.sqrt(2 / math.pi) * (gate + 0.044715 * gate ** 3)))
            else:
                act = gate / (1 + np.exp(-gate))
            m = (act * up) @ self.w(b + "ffn_down.weight").T + self.bias(b + "ffn_down.bias")
            if self.post_norm:
                m = self.norm(m, b + "post_ffw_norm.weight")
            x = x + m
            blocks[l] = x
        hf = self.norm(x[-1:], "output_norm.weight")
        out_w = self.w("output.weight") if (self.has("output.weight") and self.arch != "gemma2") else self.w("token_embd.weight")
        logits = (hf @ out_w.T)[0] + self.bias("output.bias")
        if self.final_softcap:
            logits = self.final_softcap * np.tanh(logits / self.final_softcap)

        @dataclass
        class Out:
            blocks: np.ndarray
            logits: np.ndarray
        return Out(blocks, logits)
