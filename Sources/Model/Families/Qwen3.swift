/// `qwen3`: Qwen3 dense models (llama.cpp's models/qwen3.cpp).
///
/// As qwen2 without the biases Qwen2.5 has by default (optional still, as llama.cpp's
/// create_tensor_qkv allows), plus per-head RMSNorm of q and k (`attn_q_norm`, `attn_k_norm`,
/// headDim weights) before RoPE. `attention.key_length` may differ from dim/heads (Qwen3 uses 128).
enum Qwen3: Family {
    static let architecture = "qwen3"

    static func configure(_ c: inout ModelConfig, _ m: MetadataReader) throws(ModelError) {
        c.ropeStyle = .splitHalf
        c.qkNorm = .perHead
        guard c.ropeDims == c.headDim else {
            throw .unsupported("'\(m.full("rope.dimension_count"))' = \(c.ropeDims) differs from the head dim \(c.headDim) (qwen3 rotates whole heads)")
        }
        try c.requireScaling(in: [.none, .linear, .yarn])
        c.ropeLocal = c.rope
    }

    static func block(_ l: Int, _ c: ModelConfig, _ w: WeightLoader) throws(ModelError) -> BlockWeights {
        let p = "blk.\(l)."
        return BlockWeights(
            attnNorm: try w.vector(p + "attn_norm.weight", count: c.dim),
            attention: try w.attention(l, c),
            wo: try w.linear(p + "attn_output.weight", out: c.dim, in: c.qDim),
            qNorm: try w.vector(p + "attn_q_norm.weight", count: c.headDim),
            kNorm: try w.vector(p + "attn_k_norm.weight", count: c.headDim),
            ffnNorm: try w.vector(p + "ffn_norm.weight", count: c.dim),
            mlp: try w.mlp(l, c))
    }
}
