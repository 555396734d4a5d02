import Foundation

/// `gemma3`: Gemma 3 text models (llama.cpp's models/gemma3.cpp).
///
/// As gemma2 without attention soft-capping, plus per-head q/k RMSNorm. With
/// `attention.sliding_window` > 0, five local layers then one global, repeating
/// (`attention.sliding_window_pattern` overrides); local layers use base `rope.freq_base_swa`
/// (default 10000) and no RoPE scaling, global layers `rope.freq_base` and the file's linear
/// scaling (the 4B/12B/27B conversions: factor 8). Logits soft-capped only when the file says so.
enum Gemma3: Family {
    static let architecture = "gemma3"

    static func configure(_ c: inout ModelConfig, _ m: MetadataReader) throws(ModelError) {
        try configureGemma(&c, m)
        c.qkNorm = .perHead
        try c.requireScaling(in: [.none, .linear])
        c.ropeLocal = RopeParameters(base: 10000)
        c.ropeLocal.attnFactor = c.rope.attnFactor
        if let window = try m.int("attention.sliding_window"), window != 0 {
            // Negative windows are refused by validate(); 0 means none (llama.cpp).
            c.slidingWindow = window
            try c.decodeSlidingWindowPattern(m, defaultPeriod: 6)
            c.ropeLocal.base = Float(try m.double("rope.freq_base_swa") ?? 10000)
        }
        if let cap = try m.double("final_logit_softcapping"), cap != 0 { c.finalSoftcap = Float(cap) }
        if c.layers == 62 { c.attentionScale = 1 / Float(c.dim / c.heads).squareRoot() }
    }

    static func block(_ l: Int, _ c: ModelConfig, _ w: WeightLoader) throws(ModelError) -> BlockWeights {
        try gemmaBlock(l, c, w, qkNorm: true)
    }
}
