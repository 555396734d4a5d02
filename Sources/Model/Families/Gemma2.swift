import Foundation

/// `gemma2`: Gemma 2 (llama.cpp's models/gemma2.cpp).
///
/// Embeddings × √dim; RMSNorm before and after attention and the MLP (the GGUF norm weights already
/// hold 1 + w); GELU(tanh)-gated MLP; split-half RoPE; attention scores soft-capped
/// (c·tanh(s/c), `attn_logit_softcapping`, default 50) and so are the logits
/// (`final_logit_softcapping`, default 30); a sliding window (`attention.sliding_window`, default 4096)
/// on every other layer, starting with layer 0. The query scale is 1/√headDim, except for the 27B
/// (46 layers), where llama.cpp uses 1/√(dim/heads). The output is always tied to the embedding.
enum Gemma2: Family {
    static let architecture = "gemma2"

    static func configure(_ c: inout ModelConfig, _ m: MetadataReader) throws(ModelError) {
        try configureGemma(&c, m)
        c.slidingWindow = try m.int("attention.sliding_window") ?? 4096
        try c.decodeSlidingWindowPattern(m, defaultPeriod: 2)
        c.attentionSoftcap = Float(try m.double("attn_logit_softcapping") ?? 50)
        c.finalSoftcap = Float(try m.double("final_logit_softcapping") ?? 30)
        // Local layers: base `rope.freq_base_swa` (default: the global base), the same scaling.
        try c.requireScaling(in: [.none, .linear])
        c.ropeLocal = c.rope
        c.ropeLocal.base = Float(try m.double("rope.freq_base_swa") ?? Double(c.rope.base))
        if c.layers == 46 { c.attentionScale = 1 / Float(c.dim / c.heads).squareRoot() }
    }

    static func block(_ l: Int, _ c: ModelConfig, _ w: WeightLoader) throws(ModelError) -> BlockWeights {
        try gemmaBlock(l, c, w, qkNorm: false)
    }

    /// Always tied: llama.cpp never reads an `output.weight` of a gemma2 file (refused as unread).
    static func output(_ c: ModelConfig, _ w: WeightLoader) throws(ModelError) -> (matrix: Linear?, bias: [Float]?) { (nil, nil) }
}

/// What gemma2 and gemma3 share: split-half RoPE, GELU, √dim embedding scale, post-norms.
func configureGemma(_ c: inout ModelConfig, _ m: MetadataReader) throws(ModelError) {
    c.ropeStyle = .splitHalf
    c.activation = .geluTanh
    c.postNorms = true
    c.embeddingScale = Float(c.dim).squareRoot()
}

/// A gemma block: pre- and post-norms around attention and the MLP, optional per-head q/k norms.
func gemmaBlock(_ l: Int, _ c: ModelConfig, _ w: WeightLoader, qkNorm: Bool) throws(ModelError) -> BlockWeights {
    let p = "blk.\(l)."
    return BlockWeights(
        attnNorm: try w.vector(p + "attn_norm.weight", count: c.dim),
        attention: try w.attention(l, c),
        wo: try w.linear(p + "attn_output.weight", out: c.dim, in: c.qDim),
        qNorm: qkNorm ? try w.vector(p + "attn_q_norm.weight", count: c.headDim) : nil,
        kNorm: qkNorm ? try w.vector(p + "attn_k_norm.weight", count: c.headDim) : nil,
        postAttnNorm: try w.vector(p + "post_attention_norm.weight", count: c.dim),
        ffnNorm: try w.vector(p + "ffn_norm.weight", count: c.dim),
        mlp: try w.mlp(l, c),
        postFfnNorm: try w.vector(p + "post_ffw_norm.weight", count: c.dim))
}
