/// `phi3`: Phi-3 / Phi-3.5 / Phi-4 mini (llama.cpp's models/phi3.cpp).
///
/// RMSNorm → attention from one fused `attn_qkv` (q, then k, then v rows; separate matrices are
/// allowed too) with split-half RoPE → SwiGLU MLP whose `ffn_up` holds gate then up (2·ffn rows).
/// Long-context files carry `rope_factors_long` / `rope_factors_short` (LongRope). llama.cpp reads
/// `attention.sliding_window` and then disables it ("Phi SWA is currently disabled"); hopscope does the
/// same, so prompts are attended globally, as llama.cpp computes them.
enum Phi3: Family {
    static let architecture = "phi3"

    static func configure(_ c: inout ModelConfig, _ m: MetadataReader) throws(ModelError) {
        c.ropeStyle = .splitHalf
        try requireWholeHeads(c, m)
        _ = try m.int("attention.sliding_window")   // disabled, as in llama.cpp (see above)
        try c.requireScaling(in: [.none, .linear, .longrope])
        try LongRope.configure(&c, m)
        c.ropeLocal = c.rope
    }

    static func block(_ l: Int, _ c: ModelConfig, _ w: WeightLoader) throws(ModelError) -> BlockWeights {
        let p = "blk.\(l)."
        let gateUp = try w.fusedLinear(p + "ffn_up.weight", parts: [c.ffnDim, c.ffnDim], in: c.dim)
        let mlp = MLPWeights(gate: gateUp[0], up: gateUp[1], down: try w.linear(p + "ffn_down.weight", out: c.dim, in: c.ffnDim))
        return BlockWeights(
            attnNorm: try w.vector(p + "attn_norm.weight", count: c.dim),
            attention: try w.attention(l, c),
            wo: try w.linear(p + "attn_output.weight", out: c.dim, in: c.qDim),
            ffnNorm: try w.vector(p + "ffn_norm.weight", count: c.dim),
            mlp: mlp)
    }

    static func ropeFactors(_ c: ModelConfig, _ w: WeightLoader) throws(ModelError) -> [Float]? {
        try LongRope.factors(c, w)
    }
}
