import Foundation

/// The families' variant features of a synthetic model: tensor names and metadata keys as
/// llama.cpp's converter writes them, so that tiny random-weight files of each family can be run by
/// hopscope and by llama.cpp alike (the family fidelity tests and `scripts/golden/make_families_golden.py`).
public struct FamilyFeatures: Sendable, Equatable {
    /// `general.architecture`: llama, qwen2, qwen3, gemma2, gemma3, phi3, olmo2.
    public var architecture = "llama"
    /// `attention.key_length` (and value_length) when it differs from dim/heads.
    public var headDim: Int?
    /// `rope.dimension_count` when it differs from the head dim (phi3 may rotate part of a head).
    public var ropeDims: Int?
    /// Llama-3 RoPE frequency factors (`rope_freqs.weight`).
    public var ropeFreqs = false
    /// LongRoPE factor sets (`rope_factors_long` / `rope_factors_short`).
    public var longRopeFactors = false
    /// `rope.scaling.type` (linear, yarn, longrope), its factor and original context length.
    public var ropeScaling: String?
    public var ropeScalingFactor: Float = 1
    public var ropeOriginalContext: Int?
    public var ropeAttnFactor: Float?
    /// Q/K/V biases (fused into `attn_qkv.bias` when `fusedQKV`).
    public var qkvBiases = false
    /// Attention output and MLP biases (llama allows them).
    public var outputBiases = false
    /// One `attn_qkv` matrix instead of three.
    public var fusedQKV = false
    /// `attention.sliding_window`.
    public var slidingWindow: Int?
    public var attnSoftcap: Float?
    public var finalSoftcap: Float?

    public init() {}
}

extension SyntheticModel {
    /// The tiny test files, one per family feature to exercise, by name (`hopscope synthetic --family`).
    ///
    /// Shapes: dim 64, 4 heads, 2 kv heads, ffn 128, vocab 512 (byte tokens), F32; long enough
    /// context for a 160-token prompt, windows and YaRN's original context below it.
    /// `NAME-wide` is the same case with every matrix row a multiple of 256 (`wideCase`).
    public static func familyCase(_ name: String, seed: UInt64 = 1) -> SyntheticModel? {
        if name.hasSuffix(wideSuffix) { return wideCase(String(name.dropLast(wideSuffix.count)), seed: seed) }
        var m = SyntheticModel(dim: 64, layers: 3, ffn: 128, heads: 4, kvHeads: 2, vocab: 512)
        m.type = .f32
        m.seed = seed
        m.context = 512
        // Not "phi3" in the name: llama.cpp's vocabulary loader then expects Phi-3's special tokens.
        m.name = "tiny " + name.replacingOccurrences(of: "phi3", with: "phi 3")
        var f = FamilyFeatures()
        switch name {
        case "llama3":
            // Llama 3.2 shape: rope_freqs factors, tied output, GQA, head dim ≠ dim/heads.
            f.ropeFreqs = true
            f.headDim = 24
            m.ropeBase = 500000
        case "llama-linear":
            f.ropeScaling = "linear"; f.ropeScalingFactor = 4
            f.qkvBiases = true; f.outputBiases = true
            m.untiedOutput = true
        case "llama-yarn":
            f.ropeScaling = "yarn"; f.ropeScalingFactor = 4; f.ropeOriginalContext = 64
            f.fusedQKV = true
        case "qwen2":
            f.architecture = "qwen2"
            f.qkvBiases = true
            m.untiedOutput = true
            m.ropeBase = 1000000
        case "qwen3":
            f.architecture = "qwen3"
            f.headDim = 32
            f.ropeScaling = "yarn"; f.ropeScalingFactor = 2; f.ropeOriginalContext = 128
        case "gemma2":
            f.architecture = "gemma2"
            f.slidingWindow = 40
            f.attnSoftcap = 50; f.finalSoftcap = 30
            m.layers = 4
            m.rmsEpsilon = 1e-6
        case "gemma3":
            f.architecture = "gemma3"
            f.headDim = 32
            f.slidingWindow = 40
            f.ropeScaling = "linear"; f.ropeScalingFactor = 8
            m.layers = 6
            m.ropeBase = 1000000
            m.rmsEpsilon = 1e-6
        case "phi3":
            f.architecture = "phi3"
            f.fusedQKV = true
            f.longRopeFactors = true
            f.ropeScaling = "longrope"; f.ropeOriginalContext = 256; f.ropeAttnFactor = 1.19
            m.untiedOutput = true
        case "olmo2":
            f.architecture = "olmo2"
            m.untiedOutput = true
            m.ropeBase = 500000
            m.rmsEpsilon = 1e-6
        default:
            return nil
        }
        m.family = f
        return m
    }

    /// The names `familyCase` knows, in the order of the README's table.
    public static let familyCases = ["llama3", "llama-linear", "llama-yarn", "qwen2", "qwen3", "gemma2", "gemma3", "phi3", "olmo2"]

    /// The wide variants, `familyCases` with this suffix (the K-quant checks).
    public static let wideSuffix = "-wide"

    /// A case widened so that llama.cpp's quantizer can use K-quants (256-element blocks) on every
    /// matrix: dim 256, ffn 512, and a head dim of 128 where the case sets one (4 × 128 = 512 query
    /// rows), so every matrix's input width (ne[0]) is a multiple of 256 — otherwise llama.cpp falls
    /// back to other types for that tensor.
    static func wideCase(_ name: String, seed: UInt64) -> SyntheticModel? {
        guard var m = familyCase(name, seed: seed) else { return nil }
        m.dim = 256
        m.ffn = 512
        if m.family.headDim != nil { m.family.headDim = 128 }
        m.name += wideSuffix
        return m
    }

    var familyTensorList: [(name: String, shape: [Int], type: GGMLType)] {
        let f = family, arch = f.architecture
        let hd = headDim, qDim = heads * hd, kvDim = kvHeads * hd
        let gemma = arch == "gemma2" || arch == "gemma3"
        var out: [(String, [Int], GGMLType)] = [("token_embd.weight", [dim, vocab], embeddingType ?? type)]
        for l in 0..<layers {
            let p = "blk.\(l)."
            if arch != "olmo2" { out.append((p + "attn_norm.weight", [dim], .f32)) }
            if f.fusedQKV {
                out.append((p + "attn_qkv.weight", [dim, qDim + 2 * kvDim], type))
                if f.qkvBiases { out.append((p + "attn_qkv.bias", [qDim + 2 * kvDim], .f32)) }
            } else {
                out += [(p + "attn_q.weight", [dim, qDim], type), (p + "attn_k.weight", [dim, kvDim], type),
                        (p + "attn_v.weight", [dim, kvDim], type)]
                if f.qkvBiases {
                    out += [(p + "attn_q.bias", [qDim], .f32), (p + "attn_k.bias", [kvDim], .f32), (p + "attn_v.bias", [kvDim], .f32)]
                }
            }
            if arch == "qwen3" || arch == "gemma3" {
                out += [(p + "attn_q_norm.weight", [hd], .f32), (p + "attn_k_norm.weight", [hd], .f32)]
            }
            if arch == "olmo2" {
                out += [(p + "attn_q_norm.weight", [qDim], .f32), (p + "attn_k_norm.weight", [kvDim], .f32)]
            }
            out.append((p + "attn_output.weight", [qDim, dim], type))
            if f.outputBiases { out.append((p + "attn_output.bias", [dim], .f32)) }
            if gemma || arch == "olmo2" { out.append((p + "post_attention_norm.weight", [dim], .f32)) }
            if arch != "olmo2" { out.append((p + "ffn_norm.weight", [dim], .f32)) }
            if arch == "phi3" {
                out.append((p + "ffn_up.weight", [dim, 2 * ffn], type))
            } else {
                out += [(p + "ffn_gate.weight", [dim, ffn], type), (p + "ffn_up.weight", [dim, ffn], type)]
            }
            out.append((p + "ffn_down.weight", [ffn, dim], type))
            if f.outputBiases {
                out += [(p + "ffn_gate.bias", [ffn], .f32), (p + "ffn_up.bias", [ffn], .f32), (p + "ffn_down.bias", [dim], .f32)]
            }
            if gemma || arch == "olmo2" { out.append((p + "post_ffw_norm.weight", [dim], .f32)) }
        }
        out.append(("output_norm.weight", [dim], .f32))
        if untiedOutput && arch != "gemma2" { out.append(("output.weight", [dim, vocab], type)) }
        let pairs = (f.ropeDims ?? hd) / 2
        if f.ropeFreqs { out.append(("rope_freqs.weight", [pairs], .f32)) }
        if f.longRopeFactors {
            out += [("rope_factors_long.weight", [pairs], .f32), ("rope_factors_short.weight", [pairs], .f32)]
        }
        return out
    }

    func addFamilyMetadata(to w: inout GGUFWriter) {
        let f = family, a = f.architecture + "."
        if let hd = f.headDim {
            w.set(a + "attention.key_length", .uint32(UInt32(hd)))
            w.set(a + "attention.value_length", .uint32(UInt32(hd)))
        }
        if let t = f.ropeScaling {
            w.set(a + "rope.scaling.type", .string(t))
            if t != "longrope" { w.set(a + "rope.scaling.factor", .float32(f.ropeScalingFactor)) }
        }
        if let n = f.ropeOriginalContext { w.set(a + "rope.scaling.original_context_length", .uint32(UInt32(n))) }
        if let x = f.ropeAttnFactor { w.set(a + "rope.scaling.attn_factor", .float32(x)) }
        if let n = f.slidingWindow { w.set(a + "attention.sliding_window", .uint32(UInt32(n))) }
        if let c = f.attnSoftcap { w.set(a + "attn_logit_softcapping", .float32(c)) }
        if let c = f.finalSoftcap { w.set(a + "final_logit_softcapping", .float32(c)) }
    }
}
