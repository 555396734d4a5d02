/// `llama`: Llama 2/3/3.1/3.2/3.3, Mistral, SmolLM2 (llama.cpp's models/llama.cpp).
///
/// RMSNorm → attention (adjacent-pair RoPE, grouped-query) → SwiGLU MLP. Optional as llama.cpp allows:
/// a fused `attn_qkv`, Q/K/V/output and MLP biases, an untied `output.weight`, `attention.key_length`
/// ≠ dim/heads. RoPE: Llama-3 frequency factors (`rope_freqs.weight`), and linear, YaRN or LongRoPE
/// scaling (`rope.scaling.*`). Mixture-of-experts (Mixtral) files are refused.
enum Llama: Family {
    static let architecture = "llama"

    static func configure(_ c: inout ModelConfig, _ m: MetadataReader) throws(ModelError) {
        c.ropeStyle = .adjacent
        // llama.cpp: "invalid n_rot" unless the whole head rotates.
        guard c.ropeDims == c.headDim else {
            throw .unsupported("'\(m.full("rope.dimension_count"))' = \(c.ropeDims) differs from the head dim \(c.headDim) (llama rotates whole heads)")
        }
        try c.requireScaling(in: [.none, .linear, .yarn, .longrope])
        if c.ropeScaling == .longrope {
            try LongRope.configure(&c, m)
        } else {
            c.rope.usesFactors = m.file.tensor("rope_freqs.weight") != nil
        }
        c.ropeLocal = c.rope
    }

    static func block(_ l: Int, _ c: ModelConfig, _ w: WeightLoader) throws(ModelError) -> BlockWeights {
        let p = "blk.\(l)."
        var mlp = try w.mlp(l, c)
        mlp.bGate = try w.optionalVector(p + "ffn_gate.bias", count: c.ffnDim)
        mlp.bUp = try w.optionalVector(p + "ffn_up.bias", count: c.ffnDim)
        mlp.bDown = try w.optionalVector(p + "ffn_down.bias", count: c.dim)
        return BlockWeights(
            attnNorm: try w.vector(p + "attn_norm.weight", count: c.dim),
            attention: try w.attention(l, c),
            wo: try w.linear(p + "attn_output.weight", out: c.dim, in: c.qDim),
            bo: try w.optionalVector(p + "attn_output.bias", count: c.dim),
            ffnNorm: try w.vector(p + "ffn_norm.weight", count: c.dim),
            mlp: mlp)
    }

    static func ropeFactors(_ c: ModelConfig, _ w: WeightLoader) throws(ModelError) -> [Float]? {
        if c.ropeScaling == .longrope { return try LongRope.factors(c, w) }
        return try w.optionalVector("rope_freqs.weight", count: c.ropeDims / 2)
    }
}

/// LongRoPE's two factor sets (`rope_factors_long` / `rope_factors_short`), shared by llama and phi3.
///
/// llama.cpp picks the long factors when the context it was given exceeds
/// `rope.scaling.original_context_length`, else the short ones. hopscope uses the short factors and
/// limits the context to the original length, so a prompt longer than that is refused
/// (`contextOverflow`) rather than computed with the wrong factors.
enum LongRope {
    static func configure(_ c: inout ModelConfig, _ m: MetadataReader) throws(ModelError) {
        guard m.file.tensor("rope_factors_short.weight") != nil || m.file.tensor("rope_factors_long.weight") != nil else { return }
        c.contextLength = min(c.contextLength, c.rope.originalContext)
        c.rope.usesFactors = m.file.tensor("rope_factors_short.weight") != nil
    }

    static func factors(_ c: ModelConfig, _ w: WeightLoader) throws(ModelError) -> [Float]? {
        // Read (shape-checked) but not used: the context never exceeds original_context_length.
        _ = try w.optionalVector("rope_factors_long.weight", count: c.ropeDims / 2)
        return try w.optionalVector("rope_factors_short.weight", count: c.ropeDims / 2)
    }
}
