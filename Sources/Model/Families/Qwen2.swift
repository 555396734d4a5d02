/// `qwen2`: Qwen2 / Qwen2.5 (llama.cpp's models/qwen2.cpp).
///
/// As llama with split-half (NEOX) RoPE; Q/K/V biases optional (Qwen2.5 has them), an optional
/// `output.bias`; heads · headDim must equal dim (llama.cpp's tensor shapes).
enum Qwen2: Family {
    static let architecture = "qwen2"

    static func configure(_ c: inout ModelConfig, _ m: MetadataReader) throws(ModelError) {
        c.ropeStyle = .splitHalf
        try requireWholeHeads(c, m)
        try c.requireScaling(in: [.none, .linear, .yarn])
        c.ropeLocal = c.rope
    }

    static func block(_ l: Int, _ c: ModelConfig, _ w: WeightLoader) throws(ModelError) -> BlockWeights {
        let p = "blk.\(l)."
        return BlockWeights(
            attnNorm: try w.vector(p + "attn_norm.weight", count: c.dim),
            attention: try w.attention(l, c),
            wo: try w.linear(p + "attn_output.weight", out: c.dim, in: c.qDim),
            ffnNorm: try w.vector(p + "ffn_norm.weight", count: c.dim),
            mlp: try w.mlp(l, c))
    }

    static func output(_ c: ModelConfig, _ w: WeightLoader) throws(ModelError) -> (matrix: Linear?, bias: [Float]?) {
        (try w.optionalLinear("output.weight", out: c.vocabSize, in: c.dim),
         try w.optionalVector("output.bias", count: c.vocabSize))
    }
}

/// llama.cpp's qwen2, phi3 and olmo2 size Q as dim and rotate whole heads: other shapes are refused.
func requireWholeHeads(_ c: ModelConfig, _ m: MetadataReader) throws(ModelError) {
    guard c.heads * c.headDim == c.dim else {
        throw .unsupported("'\(m.full("attention.key_length"))' = \(c.headDim): \(c.heads) heads × \(c.headDim) ≠ dim \(c.dim), which llama.cpp's \(c.architecture) does not allow")
    }
    guard c.ropeDims == c.headDim || c.architecture == "phi3" else {
        throw .unsupported("'\(m.full("rope.dimension_count"))' = \(c.ropeDims) differs from the head dim \(c.headDim) (\(c.architecture) rotates whole heads)")
    }
}
