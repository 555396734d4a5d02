import Foundation
import GGUF

/// How RoPE pairs the dimensions of a head.
public enum RopeStyle: String, Sendable {
    /// (x[2i], x[2i+1]): llama GGUFs, whose converter permuted the Q/K rows (ggml's "normal" mode).
    case adjacent
    /// (x[i], x[i + d/2]): NEOX style (qwen2, qwen3, gemma2, gemma3, phi3, olmo2).
    case splitHalf
}

/// The MLP's gate activation: act(gate) · up.
public enum Activation: String, Sendable {
    case silu
    /// GELU, tanh approximation (gemma).
    case geluTanh
}

/// Where q and k are RMS-normed before RoPE.
public enum QKNorm: String, Sendable {
    case none
    /// Each head over headDim (qwen3, gemma3).
    case perHead
    /// The whole projection, qDim and kvDim (olmo2).
    case whole
}

/// RoPE scaling as a GGUF's `{arch}.rope.scaling.type` names it (llama.cpp's llama_rope_scaling_type).
public enum RopeScalingType: String, Sendable, CaseIterable {
    case none, linear, yarn, longrope
}

/// The rotary angles of one kind of layer, resolved as llama.cpp's rope_yarn computes them:
/// θ_i = pos · ω_i with ω_i = base^(−2i/d) / f_i · (s·(1 − r_i) + r_i), cos and sin × mscale,
/// where f_i are the file's frequency factors (1 without), s = 1/factor (1 without scaling), and r_i
/// YaRN's ramp (0 without YaRN).
public struct RopeParameters: Sendable, Equatable {
    public var base: Float
    /// 1/factor for linear and YaRN scaling, 1 otherwise.
    public var freqScale: Float = 1
    /// YaRN's extrapolation mix (1 with YaRN, 0 otherwise).
    public var extFactor: Float = 0
    /// Multiplier of cos and sin before YaRN's own magnitude correction (llama.cpp's attn_factor).
    public var attnFactor: Float = 1
    /// Context length the model was trained with before scaling (YaRN's correction dimensions).
    public var originalContext: Int = 0
    public var betaFast: Float = 32
    public var betaSlow: Float = 1
    /// Divide pair i's angle by the file's frequency factor i (`rope_freqs.weight`, phi3's short factors).
    public var usesFactors = false

    public init(base: Float) { self.base = base }
}

/// Hyper-parameters of a model, decoded once from GGUF metadata (`{arch}.*` keys) by its family.
///
/// The shared fields are read by `decodeShared` with llama.cpp's defaults; each family
/// (Sources/Model/Families/) then sets its variant choices. Every `{arch}.*` key of the file must have
/// been read by then, or the load fails naming it (MetadataReader.refuseUnread).
public struct ModelConfig: Sendable {
    /// `general.architecture`: the family's name ("llama", "qwen3", …).
    public var architecture: String
    public var vocabSize: Int
    public var dim: Int              // residual stream width
    public var layers: Int
    public var heads: Int
    public var kvHeads: Int
    public var headDim: Int          // per head, for Q and K (and V)
    public var ffnDim: Int
    public var contextLength: Int
    public var normEps: Float
    public var ropeDims: Int         // rotated dimensions per head (≤ headDim)
    public var ropeStyle: RopeStyle = .adjacent
    /// RoPE of global layers, and of sliding-window layers.
    public var rope: RopeParameters
    public var ropeLocal: RopeParameters
    /// The scaling type the file names (for display; `rope` holds its effect).
    public var ropeScaling: RopeScalingType = .none
    /// Sliding-window size of local layers; nil = every layer attends globally.
    public var slidingWindow: Int?
    /// localLayers[l]: block l uses the sliding window (all false without one).
    public var localLayers: [Bool]
    /// Multiplier of the embedding output (gemma: √dim).
    public var embeddingScale: Float = 1
    /// Multiplier of q·k (1/√headDim, or gemma's 1/√(dim/heads) for its 27B).
    public var attentionScale: Float
    public var activation: Activation = .silu
    public var qkNorm: QKNorm = .none
    /// RMSNorm before attention and before the MLP (olmo2 has none).
    public var preNorms = true
    /// RMSNorm of the attention output and of the MLP output before the residual add (gemma, olmo2).
    public var postNorms = false
    /// Attention scores ← c·tanh(scores/c) (gemma2).
    public var attentionSoftcap: Float?
    /// Logits ← c·tanh(logits/c) (gemma2; gemma3 when its file says so).
    public var finalSoftcap: Float?

    public var qDim: Int { heads * headDim }
    public var kvDim: Int { kvHeads * headDim }

    /// True when `layer` uses the sliding window.
    public func isLocal(_ layer: Int) -> Bool { slidingWindow != nil && localLayers[layer] }

    /// The RoPE of `layer`.
    public func rope(layer: Int) -> RopeParameters { isLocal(layer) ? ropeLocal : rope }

    /// Decodes the config of the file's architecture, refusing unsupported ones, and any
    /// `{arch}.*` key the family does not read, by name.
    public init(gguf f: GGUFFile) throws(ModelError) {
        let archName: String
        do { archName = try f.requireString("general.architecture") } catch { throw .gguf(error) }
        guard let family = Families.named(archName) else { throw .unsupportedArchitecture(archName) }
        let m = MetadataReader(file: f, architecture: archName)
        self = try ModelConfig.decodeShared(m, file: f)
        try family.configure(&self, m)
        try m.refuseUnread()
        try validate()
    }

    /// A config given field by field (tests).
    public init(architecture: String, vocabSize: Int, dim: Int, layers: Int, heads: Int, kvHeads: Int,
                headDim: Int, ffnDim: Int, contextLength: Int = 2048, normEps: Float = 1e-5, ropeBase: Float = 10000) {
        self.architecture = architecture
        self.vocabSize = vocabSize
        self.dim = dim
        self.layers = layers
        self.heads = heads
        self.kvHeads = kvHeads
        self.headDim = headDim
        self.ffnDim = ffnDim
        self.contextLength = contextLength
        self.normEps = normEps
        self.ropeDims = headDim
        self.rope = RopeParameters(base: ropeBase)
        self.ropeLocal = rope
        self.localLayers = Array(repeating: false, count: layers)
        self.attentionScale = 1 / Float(headDim).squareRoot()
    }

    // MARK: Shared keys

    /// The keys every family shares, with llama.cpp's defaults (llama_model_base::load_hparams).
    static func decodeShared(_ m: MetadataReader, file f: GGUFFile) throws(ModelError) -> ModelConfig {
        let layers = try m.requireInt("block_count")
        guard layers > 0, layers <= 1024 else { throw .badConfig("\(m.architecture): dimensions beyond any supported model (layers \(layers))") }
        let dim = try m.requireInt("embedding_length")
        guard let heads = try m.uniformInt("attention.head_count", layers: layers) else {
            throw .gguf(GGUFError(.missing, "missing metadata key '\(m.full("attention.head_count"))'", path: f.path))
        }
        let kvHeads = try m.uniformInt("attention.head_count_kv", layers: layers) ?? heads
        guard let ffn = try m.uniformInt("feed_forward_length", layers: layers) else {
            throw .gguf(GGUFError(.missing, "missing metadata key '\(m.full("feed_forward_length"))'", path: f.path))
        }
        let headDim = try m.int("attention.key_length") ?? (dim / max(heads, 1))
        if let v = try m.int("attention.value_length"), v != headDim {
            throw .unsupported("'\(m.full("attention.value_length"))' = \(v) differs from the key length \(headDim): value heads of another width are not implemented")
        }
        let vocab: Int
        if let v = try m.int("vocab_size") { vocab = v } else {
            do { vocab = try f.requireArray("tokenizer.ggml.tokens").count } catch { throw .gguf(error) }
        }
        var c = ModelConfig(architecture: m.architecture, vocabSize: vocab, dim: dim, layers: layers, heads: heads,
                            kvHeads: kvHeads, headDim: headDim, ffnDim: ffn)
        c.contextLength = try m.int("context_length") ?? 2048
        guard let eps = try m.double("attention.layer_norm_rms_epsilon") else {
            throw .gguf(GGUFError(.missing, "missing metadata key '\(m.full("attention.layer_norm_rms_epsilon"))'", path: f.path))
        }
        c.normEps = Float(eps)
        c.ropeDims = try m.int("rope.dimension_count") ?? headDim
        try c.validate()   // dimensions first: the families' checks below assume them sane

        // Mixture of experts: a different MLP.
        let experts = try m.int("expert_count") ?? 0
        let used = try m.uniformInt("expert_used_count", layers: layers) ?? 0
        if experts > 0 { throw .unsupported("mixture-of-experts models (\(experts) experts, \(used) used) are not supported") }
        if let causal = try m.bool("attention.causal"), !causal {
            throw .unsupported("'\(m.full("attention.causal"))' = false: non-causal (encoder) attention is not implemented")
        }

        // RoPE: base, scaling (llama.cpp's default type is "linear", its default factor 0 = none).
        var rope = RopeParameters(base: Float(try m.double("rope.freq_base") ?? 10000))
        let typeName = try m.string("rope.scaling.type") ?? "linear"
        guard let type = RopeScalingType(rawValue: typeName) else {
            throw .unsupported("'\(m.full("rope.scaling.type"))' = '\(typeName)' is not a RoPE scaling hopscope implements (none, linear, yarn, longrope)")
        }
        var factor = Float(try m.double("rope.scaling.factor") ?? 0)
        if factor == 0 { factor = Float(try m.double("rope.scale_linear") ?? 0) }
        else { _ = try m.double("rope.scale_linear") }
        rope.freqScale = (factor == 0 || type == .none) ? 1 : 1 / factor
        rope.originalContext = try m.int("rope.scaling.original_context_length") ?? c.contextLength
        let ropeAttnFactor = Float(try m.double("rope.scaling.attn_factor") ?? 1)
        rope.attnFactor = ropeAttnFactor
        if type == .yarn {
            // llama.cpp (llama_context): ext_factor 1; attn_factor = mscale(factor) / (1 + 0.1 ln factor),
            // which rope_yarn then multiplies by (1 + 0.1 ln factor) again.
            rope.extFactor = 1
            let f = 1 / rope.freqScale
            let mscale: Float = f <= 1 ? 1 : 0.1 * logf(f) + 1
            rope.attnFactor = mscale * (1 / (1 + 0.1 * logf(f))) * ropeAttnFactor
        }
        c.ropeScaling = (type == .linear && rope.freqScale == 1) ? .none : type
        c.rope = rope
        c.ropeLocal = rope
        return c
    }

    /// Reads the sliding window as llama.cpp's `load_swa_pattern` does: a per-layer array, or every
    /// `period`-th layer global (the period from the key, else `defaultPeriod`).
    mutating func decodeSlidingWindowPattern(_ m: MetadataReader, defaultPeriod: Int) throws(ModelError) {
        let key = "attention.sliding_window_pattern"
        if let flags = try m.layerFlags(key, layers: layers) {
            localLayers = flags
            return
        }
        let period = try m.int(key) ?? defaultPeriod
        guard period >= 0 else { throw .badConfig("'\(m.full(key))' = \(period) must not be negative") }
        // llama_hparams::set_swa_pattern: layer l is local iff l % n < n − 1 (n = 0: all local).
        localLayers = (0..<layers).map { period == 0 || $0 % period < period - 1 }
    }

    /// Refuses a RoPE scaling type this family's code does not implement.
    func requireScaling(in allowed: Set<RopeScalingType>) throws(ModelError) {
        guard allowed.contains(ropeScaling) else {
            throw .unsupported("'\(architecture).rope.scaling.type' = '\(ropeScaling.rawValue)' is not implemented for the \(architecture) family (it implements: \(RopeScalingType.allCases.filter(allowed.contains).map(\.rawValue).joined(separator: ", ")))")
        }
    }

    func validate() throws(ModelError) {
        func bad(_ what: String) -> ModelError { .badConfig("\(architecture): \(what)") }
        guard dim > 0, layers > 0, heads > 0, kvHeads > 0, headDim > 0, ffnDim > 0, vocabSize > 0 else {
            throw bad("dimensions must be positive (dim \(dim), layers \(layers), heads \(heads), kv heads \(kvHeads), head dim \(headDim), ffn \(ffnDim), vocab \(vocabSize))")
        }
        guard heads % kvHeads == 0 else { throw bad("head_count \(heads) is not a multiple of head_count_kv \(kvHeads)") }
        guard ropeDims >= 0, ropeDims <= headDim, ropeDims % 2 == 0 else { throw bad("rope.dimension_count \(ropeDims) must be even and ≤ head dim \(headDim)") }
        guard dim <= 65536, layers <= 1024, heads <= 65536, headDim <= 4096, ffnDim <= 1 << 20, vocabSize <= 1 << 24 else {
            throw bad("dimensions beyond any supported model (dim \(dim), layers \(layers), heads \(heads), head dim \(headDim), ffn \(ffnDim), vocab \(vocabSize))")
        }
        if let w = slidingWindow, w <= 0 { throw bad("attention.sliding_window \(w) must be positive") }
        guard contextLength > 0 else { throw bad("context_length \(contextLength) must be positive") }
        guard rope.base > 0, ropeLocal.base > 0, rope.freqScale > 0 else { throw bad("rope.freq_base and rope.scaling.factor must be positive") }
    }
}

/// Why a model could not be loaded or run; every case names the file, key, tensor or limit.
public enum ModelError: Error, CustomStringConvertible, Equatable, Sendable {
    case gguf(GGUFError)
    case unsupportedArchitecture(String)
    case badConfig(String)
    case badTensor(String)
    /// A feature of the file (a key's value, a tensor) that hopscope does not compute.
    case unsupported(String)
    case tokenizer(String)
    case contextOverflow(needed: Int, limit: Int)
    case badInput(String)
    case tooLarge(String)

    public var description: String {
        switch self {
        case .gguf(let e): return e.description
        case .unsupportedArchitecture(let a):
            return "unsupported architecture '\(a)' (supported: \(Families.supportedList))"
        case .badConfig(let m): return "bad model configuration: \(m)"
        case .badTensor(let m): return m
        case .unsupported(let m): return "not supported: \(m)"
        case .tokenizer(let m): return "tokenizer: \(m)"
        case .contextOverflow(let n, let limit): return "prompt needs \(n) positions, beyond the context of \(limit)"
        case .badInput(let m): return m
        case .tooLarge(let m): return m
        }
    }
}
