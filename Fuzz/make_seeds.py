#!/usr/bin/env python3
"""Writes the committed seed corpus for the fuzz targets (Fuzz/corpus/*). Re-run to regenerate.

gguf: the first 64 KB of each real model (headers: metadata and the start of the vocabulary), a tiny
complete llama model (byte-level tokenizer with a few merges, F32/Q8_0 weights), and hand-broken
copies of it (one lie each). tokenizer: short texts; byte 0 of each file selects tokenizer and flags.
"""
import os, struct, sys

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = os.path.join(os.environ.get("HOPSCOPE_HOME", os.path.expanduser("~/.cache/hopscope")), "models")
G = os.path.join(HERE, "corpus", "gguf")
T = os.path.join(HERE, "corpus", "tokenizer")


def s(x: str) -> bytes:
    b = x.encode()
    return struct.pack("<Q", len(b)) + b


def kv(key, vtype, payload):
    return s(key) + struct.pack("<I", vtype) + payload


def gpt2_chars():
    keep = list(range(33, 127)) + list(range(161, 173)) + list(range(174, 256))
    out, k = {}, 0
    for b in range(256):
        if b in keep:
            out[b] = chr(b)
        else:
            out[b] = chr(256 + k); k += 1
    return [out[b] for b in range(256)]


def tiny(version=3, arch="llama", extra_kv=b"", n_extra=0):
    dim, ffn, heads, kvh, vocab = 32, 64, 2, 1, 260
    tokens = gpt2_chars() + ["<s>", "</s>", "Ġt", "he"]
    merges = ["Ġ t", "h e"]
    meta = [
        kv("general.architecture", 8, s(arch)),
        kv(f"{arch}.block_count", 4, struct.pack("<I", 1)),
        kv(f"{arch}.context_length", 4, struct.pack("<I", 64)),
        kv(f"{arch}.embedding_length", 4, struct.pack("<I", dim)),
        kv(f"{arch}.feed_forward_length", 4, struct.pack("<I", ffn)),
        kv(f"{arch}.attention.head_count", 4, struct.pack("<I", heads)),
        kv(f"{arch}.attention.head_count_kv", 4, struct.pack("<I", kvh)),
        kv(f"{arch}.attention.layer_norm_rms_epsilon", 6, struct.pack("<f", 1e-5)),
        kv("tokenizer.ggml.model", 8, s("gpt2")),
        kv("tokenizer.ggml.pre", 8, s("gpt-2")),
        kv("tokenizer.ggml.tokens", 9, struct.pack("<IQ", 8, vocab) + b"".join(s(t) for t in tokens)),
        kv("tokenizer.ggml.token_type", 9, struct.pack("<IQ", 5, vocab) + struct.pack("<256i", *([1] * 256)) + struct.pack("<4i", 3, 3, 1, 1)),
        kv("tokenizer.ggml.merges", 9, struct.pack("<IQ", 8, len(merges)) + b"".join(s(m) for m in merges)),
        kv("tokenizer.ggml.bos_token_id", 4, struct.pack("<I", 256)),
        kv("tokenizer.ggml.eos_token_id", 4, struct.pack("<I", 257)),
        kv("tokenizer.ggml.add_bos_token", 7, b"\x00"),
    ]
    kvd = kvh * dim // heads
    tensors = [("token_embd.weight", [dim, vocab], 8), ("blk.0.attn_norm.weight", [dim], 0),
               ("blk.0.attn_q.weight", [dim, dim], 8), ("blk.0.attn_k.weight", [dim, kvd], 8),
               ("blk.0.attn_v.weight", [dim, kvd], 8), ("blk.0.attn_output.weight", [dim, dim], 8),
               ("blk.0.ffn_norm.weight", [dim], 0), ("blk.0.ffn_gate.weight", [dim, ffn], 8),
               ("blk.0.ffn_up.weight", [dim, ffn], 8), ("blk.0.ffn_down.weight", [ffn, dim], 8),
               ("output_norm.weight", [dim], 0)]
    infos, data = b"", b""
    for name, shape, t in tensors:
        n = 1
        for d in shape: n *= d
        if t == 0:
            blob = struct.pack(f"<{n}f", *([1.0] * n))
        else:  # Q8_0: fp16 scale 1/64, then 32 int8
            blob = b"".join(struct.pack("<e", 1 / 64) + bytes((i * 7 + j) % 256 for j in range(32)) for i in range(n // 32))
        data += b"\0" * (-len(data) % 32)
        infos += s(name) + struct.pack("<I", len(shape)) + b"".join(struct.pack("<q", d) for d in shape) + struct.pack("<IQ", t, len(data))
        data += blob
    head = b"GGUF" + struct.pack("<IQQ", version, len(tensors), len(meta) + n_extra) + b"".join(meta) + extra_kv + infos
    return head + b"\0" * (-len(head) % 32) + data


def write(d, name, blob):
    with open(os.path.join(d, name), "wb") as f:
        f.write(blob)


def main():
    os.makedirs(G, exist_ok=True); os.makedirs(T, exist_ok=True)
    for name in ["SmolLM2-135M-Instruct.Q4_1.gguf", "gemma-3-270m-q4_k_m.gguf"]:
        p = os.path.join(MODELS, name)
        if os.path.exists(p):
            with open(p, "rb") as f:
                write(G, name.split("-")[0].lower() + "-head64k.gguf", f.read(65536))
        else:
            print(f"make_seeds: {p} missing, skipping its header seed", file=sys.stderr)
    good = tiny()
    write(G, "tiny-llama.gguf", good)
    write(G, "tiny-v2.gguf", tiny(version=2))
    write(G, "tiny-gemma3-arch.gguf", tiny(arch="gemma3"))
    write(G, "tiny-mamba.gguf", tiny(arch="mamba"))
    write(G, "broken-truncated.gguf", good[: len(good) // 2])
    write(G, "broken-magic.gguf", b"GGML" + good[4:2048])
    write(G, "broken-nested-array.gguf", tiny(extra_kv=kv("x.nested", 9, struct.pack("<IQ", 9, 1) + struct.pack("<IQ", 4, 1) + b"\0" * 4), n_extra=1))
    write(G, "broken-bool.gguf", tiny(extra_kv=kv("x.flag", 7, b"\x05"), n_extra=1))
    write(G, "broken-huge-count.gguf", good[:8] + struct.pack("<Q", 1 << 62) + good[16:4096])
    write(G, "broken-alignment.gguf", tiny(extra_kv=kv("general.alignment", 4, struct.pack("<I", 48)), n_extra=1))
    write(G, "empty.gguf", b"")

    texts = {
        "hello": "Hello world! 123",
        "chat": "<|im_start|>user\nWhat is the capital of France?<|im_end|>\n<|im_start|>assistant\n",
        "gemma-chat": "<start_of_turn>user\nWho wrote Hamlet?<end_of_turn>\n<start_of_turn>model\n",
        "unicode": "naïve café — 東京 🚀 Привет مرحبا ∑x² \u200b\ufeff",
        "spaces": "  leading\t\ttabs\n\n\nand   runs of spaces   ",
        "digits": "3.14159 1,000,000 2024-06-01 0x1F 12345678901234567890",
        "contractions": "I'm sure they're fine, it's what we've said ' quoted ' ok . , ! ?",
        "control": "\x00\x01\x1b[31mred\x1b[0m\x7f\r\n",
        "code": "func f(_ x: Int) -> Int { return x &* 2 } // ▁ Ġ Ċ <0x0A>",
        "specials": "<s></s><bos><eos><pad><unk><mask>[UNK_BYTE_0x e2]",
    }
    for i, (name, text) in enumerate(texts.items()):
        for mode in (0, 1, 6, 7):  # smollm / gemma, with and without special tokens
            write(T, f"{name}-{mode}.txt", bytes([mode]) + text.encode())
    write(T, "invalid-utf8-1.bin", bytes([1]) + b"\xff\xfe\xc3\x28\xe2\x82\xf0\x9f\x98")


if __name__ == "__main__":
    main()
