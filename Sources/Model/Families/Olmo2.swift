/// `olmo2`: OLMo 2 (llama.cpp's models/olmo2.cpp).
///
/// No pre-norms: attention and the MLP read the residual stream itself, and their outputs are
/// RMS-normed (`post_attention_norm`, `post_ffw_norm`) before being added to it. q and k are RMS-normed
/// over the whole projection (dim and kvDim weights), before split-half RoPE. The output matrix is
/// required (never tied). With `attention.sliding_window` > 0, three local layers then one global
/// (local layers: base `rope.freq_base_swa`, no scaling).
enum Olmo2: Family {
    static let architecture = "olmo2"

    static func configure(_ c: inout ModelConfig, _ m: MetadataReader) throws(ModelError) {
        c.ropeStyle = .splitHalf
        c.preNorms = false
        c.postNorms = true
        c.qkNorm = .whole
        try requireWholeHeads(c, m)
        try c.requireScaling(in: [.none, .linear, .yarn])
        c.ropeLocal = RopeParameters(base: c.rope.base)
        if let window = try m.int("attention.sliding_window"), window != 0 {
            c.slidingWindow = window
            try c.decodeSlidingWindowPattern(m, defaultPeriod: 4)
            c.ropeLocal.base = Float(try m.double("rope.freq_base_swa") ?? Double(c.rope.base))
        }
    }

    static func block(_ l: Int, _ c: ModelConfig, _ w: WeightLoader) throws(ModelError) -> BlockWeights {
        let p = "blk.\(l)."
        return BlockWeights(
            attnNorm: nil,
            attention: try w.attention(l, c),
            wo: try w.linear(p + "attn_output.weight", out: c.dim, in: c.qDim),
            qNorm: try w.vector(p + "attn_q_norm.weight", count: c.qDim),
            kNorm: try w.vector(p + "attn_k_norm.weight", count: c.kvDim),
            postAttnNorm: try w.vector(p + "post_attention_norm.weight", count: c.dim),
            ffnNorm: nil,
            mlp: try w.mlp(l, c),
            postFfnNorm: try w.vector(p + "post_ffw_norm.weight", count: c.dim))
    }

    static func output(_ c: ModelConfig, _ w: WeightLoader) throws(ModelError) -> (matrix: Linear?, bias: [Float]?) {
        (try w.linear("output.weight", out: c.vocabSize, in: c.dim), nil)
    }
}
