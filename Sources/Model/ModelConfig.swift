import GGUF

/// The transformer families hopscope runs; anything else is refused by name.
public enum Architecture: String, Sendable, CaseIterable {
    case llama, qwen2, gemma3

    /// "llama, qwen2, gemma3": for error messages.
    public static var supportedList: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

/// How RoPE pairs the dimensions of a head.
public enum RopeStyle: Sendable {
    /// (x[2i], x[2i+1]): llama GGUFs, whose converter permuted the Q/K rows.
    case adjacent
    /// (x[i], x[i + d/2]): NEOX style, qwen2 and gemma3.
    case splitHalf
}

/// Hyper-parameters of a model, decoded once from GGUF metadata (`<arch>.*` keys).
public struct ModelConfig: Sendable {
    public var architecture: Architecture
    public var vocabSize: Int
    public var dim: Int              // residual stream width
    public var layers: Int
    public var heads: Int
    public var kvHeads: Int
    public var headDim: Int          // per head, for Q and K (and V)
    public var ffnDim: Int
    public var contextLength: Int
    public var normEps: Float
    public var ropeBase: Float
    /// RoPE base of sliding-window layers (gemma3: 10000); nil = `ropeBase` everywhere.
    public var ropeBaseLocal: Float?
    public var ropeDims: Int         // rotated dimensions per head (≤ headDim)
    public var ropeStyle: RopeStyle
    /// Sliding-window size for local layers; nil = every layer attends globally.
    public var slidingWindow: Int?
    /// Every n-th layer (1-based) is global when `slidingWindow` is set (gemma3: 6).
    public var globalLayerPeriod: Int
    /// Multiplier of the embedding output (gemma3: √dim).
    public var embeddingScale: Float
    /// Multiplier of q·k (1/√headDim, or gemma3's 1/√query_pre_attn_scalar).
    public var attentionScale: Float

    public var qDim: Int { heads * headDim }
    public var kvDim: Int { kvHeads * headDim }

    /// True when `layer` uses the sliding window.
    public func isLocal(_ layer: Int) -> Bool {
        guard slidingWindow != nil else { return false }
        return (layer + 1) % globalLayerPeriod != 0
    }

    /// Decodes the config of the file's architecture, refusing unsupported ones by name.
    public init(gguf f: GGUFFile) throws(ModelError) {
        let archName: String
        do { archName = try f.requireString("general.architecture") } catch { throw .gguf(error) }
        guard let arch = Architecture(rawValue: archName) else {
            throw .unsupportedArchitecture(archName)
        }
        architecture = arch
        let p = archName + "."
        do {
            dim = try f.requireInt(p + "embedding_length")
            layers = try f.requireInt(p + "block_count")
            heads = try f.requireInt(p + "attention.head_count")
            kvHeads = try f.int(p + "attention.head_count_kv") ?? heads
            ffnDim = try f.requireInt(p + "feed_forward_length")
            contextLength = try f.int(p + "context_length") ?? 2048
            normEps = Float(try f.double(p + "attention.layer_norm_rms_epsilon") ?? 1e-5)
            ropeBase = Float(try f.double(p + "rope.freq_base") ?? 10000)
            headDim = try f.int(p + "attention.key_length") ?? (dim / max(heads, 1))
            ropeDims = try f.int(p + "rope.dimension_count") ?? headDim
            if let v = try f.int(p + "vocab_size") { vocabSize = v } else { vocabSize = try f.requireArray("tokenizer.ggml.tokens").count }
            let window = try f.int(p + "attention.sliding_window")
            switch arch {
            case .llama:
                ropeStyle = .adjacent
                ropeBaseLocal = nil
                slidingWindow = nil
                embeddingScale = 1
            case .qwen2:
                ropeStyle = .splitHalf
                ropeBaseLocal = nil
                slidingWindow = nil
                embeddingScale = 1
            case .gemma3:
                ropeStyle = .splitHalf
                ropeBaseLocal = 10000
                slidingWindow = window ?? 512
                embeddingScale = Float(dim).squareRoot()
            }
        } catch { throw .gguf(error) }
        globalLayerPeriod = 6
        attentionScale = 1 / Float(headDim).squareRoot()
        try validate()
    }

    /// A config given field by field (tests, synthetic models).
    public init(architecture: Architecture, vocabSize: Int, dim: Int, layers: Int, heads: Int, kvHeads: Int,
                headDim: Int, ffnDim: Int, contextLength: Int = 2048, normEps: Float = 1e-5,
                ropeBase: Float = 10000, ropeBaseLocal: Float? = nil, ropeStyle: RopeStyle = .adjacent,
                slidingWindow: Int? = nil, globalLayerPeriod: Int = 6, embeddingScale: Float = 1) {
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
        self.ropeBase = ropeBase
        self.ropeBaseLocal = ropeBaseLocal
        self.ropeDims = headDim
        self.ropeStyle = ropeStyle
        self.slidingWindow = slidingWindow
        self.globalLayerPeriod = globalLayerPeriod
        self.embeddingScale = embeddingScale
        self.attentionScale = 1 / Float(headDim).squareRoot()
    }

    func validate() throws(ModelError) {
        func bad(_ what: String) -> ModelError { .badConfig("\(architecture.rawValue): \(what)") }
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
    }
}

/// Why a model could not be loaded or run; every case names the file, key, tensor or limit.
public enum ModelError: Error, CustomStringConvertible, Equatable, Sendable {
    case gguf(GGUFError)
    case unsupportedArchitecture(String)
    case badConfig(String)
    case badTensor(String)
    case tokenizer(String)
    case contextOverflow(needed: Int, limit: Int)
    case badInput(String)
    case tooLarge(String)

    public var description: String {
        switch self {
        case .gguf(let e): return e.description
        case .unsupportedArchitecture(let a):
            return "unsupported architecture '\(a)' (supported: \(Architecture.supportedList))"
        case .badConfig(let m): return "bad model configuration: \(m)"
        case .badTensor(let m): return m
        case .tokenizer(let m): return "tokenizer: \(m)"
        case .contextOverflow(let n, let limit): return "prompt needs \(n) positions, beyond the context of \(limit)"
        case .badInput(let m): return m
        case .tooLarge(let m): return m
        }
    }
}
