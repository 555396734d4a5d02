/// A llama-architecture GGUF of any shape, with deterministic pseudo-random weights.
///
/// For tests (tiny exact models) and benchmarks (a Llama-2-7B-shaped Q4_0 file, ≈ 3.9 GB, written
/// in a few seconds in release builds): quantized tensors are random *blocks* — random quants with
/// a fixed scale chosen so each weight has standard deviation 1/√fan_in — never quantized floats,
/// and every tensor streams to disk row by row. Norm weights are F32 ≈ 1 (1 ± 0.05), as in real
/// files. The weights of a tensor depend only on the seed and the tensor's name.
///
/// ```swift
/// var spec = SyntheticModel(dim: 64, layers: 2, ffn: 128, heads: 4, kvHeads: 2, vocab: 256)
/// spec.type = .q8_0
/// try spec.write(to: "/tmp/tiny.gguf")
/// ```
public struct SyntheticModel: Sendable {
    /// Where the vocabulary comes from.
    public enum Tokenizer: Sendable {
        /// 256 byte tokens plus `<s>`/`</s>`: gpt2-style, byte-level, no merges (vocab must be ≥ 258).
        case bytes
        /// Every `tokenizer.ggml.*` key of another GGUF (e.g. SmolLM2's, vocab 49152); `vocab` must match.
        case copied(from: String)
    }

    public var dim: Int
    public var layers: Int
    public var ffn: Int
    public var heads: Int
    public var kvHeads: Int
    public var vocab: Int
    public var context: Int = 2048
    public var ropeBase: Float = 10000
    public var rmsEpsilon: Float = 1e-5
    /// Element type of the matrices (norms are always F32).
    public var type: GGMLType = .q4_0
    /// Element type of `token_embd.weight` (nil: same as `type`).
    public var embeddingType: GGMLType?
    /// A llama.cpp K-quant mix (`_S`/`_M`): some matrices in other types than `type`, as
    /// llama.cpp's quantizer chooses them (nil: every matrix `type`).
    public var mix: KQuantMix?
    /// Write `output.weight`; without it the output is tied to the embeddings.
    public var untiedOutput = false
    public var seed: UInt64 = 1
    public var tokenizer: Tokenizer = .bytes
    public var name = "synthetic"
    /// The family's variant features (SyntheticModel+Families.swift); the default is a plain llama file.
    public var family = FamilyFeatures()

    /// Types whose random blocks this generator knows how to scale.
    public static let supportedTypes: Set<GGMLType> = [.f32, .f16, .bf16, .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q3_K, .q4_K, .q5_K, .q6_K]

    public init(dim: Int, layers: Int, ffn: Int, heads: Int, kvHeads: Int, vocab: Int) {
        self.dim = dim
        self.layers = layers
        self.ffn = ffn
        self.heads = heads
        self.kvHeads = kvHeads
        self.vocab = vocab
    }

    /// Llama-2-7B's shape (dim 4096, 32 layers, ffn 11008, 32 heads, vocab 32000) — about 3.9 GB in Q4_0.
    public static var llama2_7B: SyntheticModel {
        var m = SyntheticModel(dim: 4096, layers: 32, ffn: 11008, heads: 32, kvHeads: 32, vocab: 32000)
        m.context = 4096
        m.untiedOutput = true
        return m
    }

    /// Llama-3-8B's shape (dim 4096, 32 layers, ffn 14336, 32 heads, 8 kv heads, vocab 128,256).
    public static var llama3_8B: SyntheticModel {
        var m = SyntheticModel(dim: 4096, layers: 32, ffn: 14336, heads: 32, kvHeads: 8, vocab: 128_256)
        m.context = 8192
        m.ropeBase = 500_000
        m.untiedOutput = true
        return m
    }

    public var headDim: Int { family.headDim ?? dim / heads }

    /// The type of matrix `name` (`blk.N.…` or `output.weight`) under `mix`, else `type`.
    func matrixType(_ name: String, layer: Int?) -> GGMLType {
        mix?.type(of: name, layer: layer, layers: layers) ?? type
    }

    /// (name, shape as ggml's ne — [in, out] for matrices — and type) of every tensor, in file order.
    public var tensorList: [(name: String, shape: [Int], type: GGMLType)] {
        family.architecture != "llama" || family != FamilyFeatures() ? familyTensorList : llamaTensorList
    }

    private var llamaTensorList: [(name: String, shape: [Int], type: GGMLType)] {
        var out: [(String, [Int], GGMLType)] = [("token_embd.weight", [dim, vocab], embeddingType ?? type)]
        let kvDim = kvHeads * headDim
        for l in 0..<layers {
            let p = "blk.\(l)."
            func m(_ n: String) -> GGMLType { matrixType(n, layer: l) }
            out += [
                (p + "attn_norm.weight", [dim], .f32),
                (p + "attn_q.weight", [dim, dim], m("attn_q")),
                (p + "attn_k.weight", [dim, kvDim], m("attn_k")),
                (p + "attn_v.weight", [dim, kvDim], m("attn_v")),
                (p + "attn_output.weight", [dim, dim], m("attn_output")),
                (p + "ffn_norm.weight", [dim], .f32),
                (p + "ffn_gate.weight", [dim, ffn], m("ffn_gate")),
                (p + "ffn_up.weight", [dim, ffn], m("ffn_up")),
                (p + "ffn_down.weight", [ffn, dim], m("ffn_down")),
            ]
        }
        out.append(("output_norm.weight", [dim], .f32))
        if untiedOutput { out.append(("output.weight", [dim, vocab], matrixType("output", layer: nil))) }
        return out
    }

    /// Writes the model to `path`, streaming.
    public func write(to path: String) throws(GGUFError) {
        try writer().write(to: path)
    }

    /// A writer holding this model's metadata and tensor sources (add more before writing if needed).
    public func writer() throws(GGUFError) -> GGUFWriter {
        guard dim > 0, layers > 0, ffn > 0, heads > 0, kvHeads > 0, family.headDim != nil || dim % heads == 0, heads % kvHeads == 0 else {
            throw GGUFError(.badValue, "synthetic model shape: dim \(dim) must divide into \(heads) heads, heads into \(kvHeads) kv heads")
        }
        let used = Set(tensorList.filter { $0.shape.count == 2 }.map(\.type))
        for t in used where !Self.supportedTypes.contains(t) {
            throw GGUFError(.unsupported, "synthetic model weights of type \(t) are not supported")
        }
        // Every matrix row (dim or ffn or heads·headDim elements) must be whole blocks of the type.
        for t in used where dim % t.blockElements != 0 || ffn % t.blockElements != 0 {
            throw GGUFError(.badValue, "synthetic model shape: dim \(dim) and ffn \(ffn) must be multiples of \(t)'s \(t.blockElements)-element blocks")
        }
        var w = GGUFWriter()
        let a = family.architecture + "."
        w.set("general.architecture", .string(family.architecture))
        w.set("general.type", .string("model"))
        w.set("general.name", .string(name))
        w.set(a + "block_count", .uint32(UInt32(layers)))
        w.set(a + "context_length", .uint32(UInt32(context)))
        w.set(a + "embedding_length", .uint32(UInt32(dim)))
        w.set(a + "feed_forward_length", .uint32(UInt32(ffn)))
        w.set(a + "attention.head_count", .uint32(UInt32(heads)))
        w.set(a + "attention.head_count_kv", .uint32(UInt32(kvHeads)))
        w.set(a + "rope.freq_base", .float32(ropeBase))
        w.set(a + "attention.layer_norm_rms_epsilon", .float32(rmsEpsilon))
        w.set("general.file_type", .uint32(mix?.fileType ?? Self.fileType(type)))
        w.set(a + "vocab_size", .uint32(UInt32(vocab)))
        w.set(a + "rope.dimension_count", .uint32(UInt32(family.ropeDims ?? headDim)))
        addFamilyMetadata(to: &w)
        try addTokenizer(to: &w)
        w.set("general.quantization_version", .uint32(2))

        for t in tensorList {
            let seed = self.seed ^ Self.fnv1a(t.name)
            let isNorm = t.shape.count == 1
            let kind = Self.vectorKind(t.name)
            // Embedding rows (and the tied output) get 1/√dim so logits from unit-RMS states stay O(1).
            let sigma = isNorm ? (kind == .bias ? 0.1 : 0.05) : 1 / Float(t.shape[0]).squareRoot()
            try w.addTensor(t.name, type: t.type, shape: t.shape) { out in
                var rng = SplitMix(seed: seed)
                var buf: [UInt8] = []
                let rowBytes = t.type.rowBytes(t.shape[0])!
                let rows = t.shape.dropFirst().reduce(1, *)
                let rowsPerChunk = max(1, (1 << 20) / rowBytes)
                var r = 0
                while r < rows {
                    let n = min(rowsPerChunk, rows - r)
                    buf.removeAll(keepingCapacity: true)
                    for _ in 0..<n {
                        if isNorm {
                            Self.appendVector(&buf, kind, count: t.shape[0], spread: sigma, &rng)
                        } else {
                            Self.appendRandomRow(&buf, t.type, count: t.shape[0], sigma: sigma, &rng)
                        }
                    }
                    try out.write(buf)
                    r += n
                }
            }
        }
        return w
    }

    // MARK: Tokenizer

    private func addTokenizer(to w: inout GGUFWriter) throws(GGUFError) {
        switch tokenizer {
        case .bytes:
            guard vocab >= 258 else { throw GGUFError(.badValue, "the byte tokenizer needs vocab ≥ 258, got \(vocab)") }
            // GPT-2's bytes→unicode map, so byte-level BPE tokenizers read these tokens as bytes.
            var tokens = (0..<256).map { String(Character(Unicode.Scalar(Self.gpt2Char(UInt8($0)))!)) }
            tokens += ["<s>", "</s>"]
            tokens += (258..<vocab).map { "<extra_\($0)>" }
            var types = [Int32](repeating: 1, count: vocab)
            for i in 256..<vocab { types[i] = 3 }
            w.set("tokenizer.ggml.model", .string("gpt2"))
            w.set("tokenizer.ggml.pre", .string("gpt-2"))
            w.set("tokenizer.ggml.tokens", .array(.string(tokens)))
            w.set("tokenizer.ggml.token_type", .array(.int32(types)))
            w.set("tokenizer.ggml.merges", .array(.string([])))
            w.set("tokenizer.ggml.bos_token_id", .uint32(256))
            w.set("tokenizer.ggml.eos_token_id", .uint32(257))
            w.set("tokenizer.ggml.add_bos_token", .bool(false))
        case .copied(let path):
            let src = try GGUFFile(path: path)
            guard case .array(.string(let tokens))? = src.value("tokenizer.ggml.tokens"), tokens.count <= vocab else {
                let n = src.value("tokenizer.ggml.tokens")?.array?.count
                throw GGUFError(.badValue, "tokenizer of \(path) has \(n.map(String.init) ?? "no") tokens, expected at most vocab \(vocab)")
            }
            for key in src.metadataKeys where key.hasPrefix("tokenizer.") {
                w.set(key, src.metadata[key]!)
            }
            // A larger vocabulary (a benchmark shape) is padded with control tokens no text produces.
            if tokens.count < vocab {
                let pad = tokens.count..<vocab
                w.set("tokenizer.ggml.tokens", .array(.string(tokens + pad.map { "<|pad_\($0)|>" })))
                if case .array(.int32(let types))? = src.value("tokenizer.ggml.token_type") {
                    w.set("tokenizer.ggml.token_type", .array(.int32(types + pad.map { _ in 3 })))
                }
                if case .array(.float32(let scores))? = src.value("tokenizer.ggml.scores") {
                    w.set("tokenizer.ggml.scores", .array(.float32(scores + pad.map { _ in -1e9 })))
                }
            }
        }
    }

    /// GPT-2's printable stand-in for a byte (space → Ġ, newline → Ċ).
    static func gpt2Char(_ b: UInt8) -> UInt32 {
        let v = UInt32(b)
        if (33...126).contains(v) || (161...172).contains(v) || (174...255).contains(v) { return v }
        // The remaining bytes map to 256, 257, … in byte order.
        var k: UInt32 = 0
        for c in 0..<v where !((33...126).contains(c) || (161...172).contains(c) || (174...255).contains(c)) { k += 1 }
        return 256 + k
    }

    // MARK: Random weights

    /// ggml's `general.file_type` (llama_ftype) for a uniform model of `type`.
    static func fileType(_ type: GGMLType) -> UInt32 {
        switch type {
        case .f32: return 0
        case .f16: return 1
        case .q4_0: return 2
        case .q4_1: return 3
        case .q8_0: return 7
        case .q5_0: return 8
        case .q5_1: return 9
        case .q4_K: return 14   // LLAMA_FTYPE_MOSTLY_Q4_K_S: Q4_K throughout
        case .q6_K: return 18   // LLAMA_FTYPE_MOSTLY_Q6_K
        case .bf16: return 32
        default: return 0
        }
    }

    /// Stable FNV-1a of a name, to derive per-tensor seeds.
    static func fnv1a(_ s: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
        return h
    }

    /// What a 1-D tensor holds: norm weights ≈ 1, biases ≈ 0, RoPE frequency factors in [1, 8].
    enum VectorKind { case norm, bias, ropeFactors }

    static func vectorKind(_ name: String) -> VectorKind {
        if name.hasSuffix(".bias") { return .bias }
        if name.hasPrefix("rope_") { return .ropeFactors }
        return .norm
    }

    private static func appendVector(_ buf: inout [UInt8], _ kind: VectorKind, count: Int, spread: Float, _ rng: inout SplitMix) {
        for _ in 0..<count {
            let u = rng.uniform()
            let v: Float
            switch kind {
            case .norm: v = 1 + spread * u
            case .bias: v = spread * u
            case .ropeFactors: v = 4.5 + 3.5 * u
            }
            withUnsafeBytes(of: v.bitPattern.littleEndian) { buf.append(contentsOf: $0) }
        }
    }

    /// One row of random weights with standard deviation ≈ sigma.
    private static func appendRandomRow(_ buf: inout [UInt8], _ type: GGMLType, count: Int, sigma: Float, _ rng: inout SplitMix) {
        // Uniform on [−1, 1) has standard deviation 1/√3.
        let uniformScale = sigma * Float(3).squareRoot()
        func h(_ x: Float) { withUnsafeBytes(of: Float16(x).bitPattern.littleEndian) { buf.append(contentsOf: $0) } }
        /// Q4_K / Q5_K: eight 6-bit scales and mins uniform on 32…63, in the 12-byte packing of ggml's
        /// get_scale_min_k4, inverted.
        func scalesAndMins() {
            var sc = [UInt8](repeating: 0, count: 8), m = sc
            for k in 0..<8 {
                let word = rng.next()
                sc[k] = 32 + UInt8(word & 31)
                m[k] = 32 + UInt8((word >> 8) & 31)
            }
            for j in 0..<4 { buf.append((sc[j] & 63) | (sc[j + 4] >> 4) << 6) }
            for j in 0..<4 { buf.append((m[j] & 63) | (m[j + 4] >> 4) << 6) }
            for j in 0..<4 { buf.append((sc[j + 4] & 15) | (m[j + 4] & 15) << 4) }
        }
        func randomBytes(_ n: Int) {
            var k = 0
            while k < n {
                var word = rng.next()
                for _ in 0..<min(8, n - k) { buf.append(UInt8(truncatingIfNeeded: word)); word >>= 8; k += 1 }
            }
        }
        switch type {
        case .f32:
            for _ in 0..<count { withUnsafeBytes(of: (uniformScale * rng.uniform()).bitPattern.littleEndian) { buf.append(contentsOf: $0) } }
        case .f16:
            for _ in 0..<count { h(uniformScale * rng.uniform()) }
        case .bf16:
            for _ in 0..<count {
                withUnsafeBytes(of: Quantize.bf16(uniformScale * rng.uniform()).littleEndian) { buf.append(contentsOf: $0) }
            }
        case .q4_0, .q4_1, .q5_0, .q5_1, .q8_0:
            // Uniform integers over 2^bits levels have standard deviation ≈ 2^bits / √12.
            let bits: Float = type == .q8_0 ? 8 : (type == .q5_0 || type == .q5_1 ? 5 : 4)
            let levels = Float(1 << Int(bits))
            let d = sigma / (levels / Float(12).squareRoot())
            for _ in 0..<(count / 32) {
                h(d)
                switch type {
                case .q4_1: h(-d * (levels - 1) / 2); randomBytes(16)
                case .q5_1: h(-d * (levels - 1) / 2); randomBytes(20)
                case .q5_0: randomBytes(20)
                case .q8_0: randomBytes(32)
                default: randomBytes(16)
                }
            }
        case .q4_K:
            // w = d·sc·n − dmin·m with 6-bit sc, m uniform on 32…63 (mean 47.5, variance 85.25) and
            // nibbles n uniform on 0…15 (mean 7.5, variance 21.25): dmin = 7.5·d centres the weights, and
            // Var(w)/d² = E[sc²]·21.25 + 7.5²·E[(sc − m)²] = 2341.5·21.25 + 56.25·170.5 ≈ 243.6².
            let d = sigma / 243.6
            for _ in 0..<(count / 256) {
                h(d)
                h(7.5 * d)
                scalesAndMins()
                randomBytes(128)
            }
        case .q3_K:
            // w = d·(sc − 32)·(n − 4) with every bit random: sc − 32 uniform on −32…31 (E[(sc − 32)²] ≈ 341.5)
            // and n uniform on 0…7 (E[(n − 4)²] = 5.5), independent: mean 0, Var(w)/d² ≈ 1878 ≈ 43.3².
            let d = sigma / 43.3
            for _ in 0..<(count / 256) {
                randomBytes(108)   // hmask, qs, scales
                h(d)
            }
        case .q5_K:
            // As Q4_K with 5-bit n uniform on 0…31 (mean 15.5, variance 85.25): dmin = 15.5·d centres the
            // weights, and Var(w)/d² = 2341.5·85.25 + 15.5²·170.5 ≈ 490.5².
            let d = sigma / 490.5
            for _ in 0..<(count / 256) {
                h(d)
                h(15.5 * d)
                scalesAndMins()
                randomBytes(32 + 128)   // qh, then qs
            }
        case .q6_K:
            // w = d·sc·(q − 32) with q uniform on 0…63 (mean −0.5 after the offset, variance 341.25) and
            // scales uniform on 32…63 (E[sc²] = 2341.5): Var(w)/d² ≈ 2341.5·(341.25 + 0.25) ≈ 894.2².
            let d = sigma / 894.2
            for _ in 0..<(count / 256) {
                randomBytes(192)   // ql, qh: every 6-bit value equally likely
                for _ in 0..<16 { buf.append(32 + UInt8(rng.next() & 31)) }
                h(d)
            }
        default:
            preconditionFailure("unsupported synthetic type \(type)")
        }
    }
}

/// SplitMix64: a tiny, fast, seedable generator (Steele, Lea & Flood 2014).
public struct SplitMix: Sendable {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform on [−1, 1).
    public mutating func uniform() -> Float { Float(next() >> 40) * (2 / Float(1 << 24)) - 1 }
}

/// llama.cpp's K-quant mixes: which matrices its quantizer (llama-quant.cpp, `llama_tensor_get_type`)
/// gives more bits, for a llama-architecture model without expert or fused tensors. Enough to write
/// benchmark files with the same bytes per token as downloads of the same name.
public enum KQuantMix: String, CaseIterable, Sendable {
    case q3_K_M, q4_K_M, q5_K_M, q4_K_S, q5_K_S

    /// The type of most matrices.
    public var base: GGMLType {
        switch self {
        case .q3_K_M: return .q3_K
        case .q4_K_M, .q4_K_S: return .q4_K
        case .q5_K_M, .q5_K_S: return .q5_K
        }
    }

    /// ggml's `general.file_type` (llama_ftype) of the mix.
    public var fileType: UInt32 {
        switch self {
        case .q3_K_M: return 12
        case .q4_K_S: return 14
        case .q4_K_M: return 15
        case .q5_K_S: return 16
        case .q5_K_M: return 17
        }
    }

    /// llama.cpp's `use_more_bits`: the first and last eighth of the layers and every third between.
    static func moreBits(_ i: Int, _ n: Int) -> Bool { i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2 }

    /// The type of matrix `name` ("attn_v", "ffn_down", …, or "output") in block `layer` of `layers`.
    public func type(of name: String, layer: Int?, layers: Int) -> GGMLType {
        if name == "output" { return .q6_K }
        guard let l = layer else { return base }
        switch (self, name) {
        case (.q4_K_M, "attn_v"), (.q4_K_M, "ffn_down"), (.q5_K_M, "attn_v"), (.q5_K_M, "ffn_down"):
            return Self.moreBits(l, layers) ? .q6_K : base
        case (.q3_K_M, "attn_v"):
            return l < 2 ? .q5_K : .q4_K
        case (.q3_K_M, "ffn_down"):   // llama (not falcon): Q4_K past the first sixteenth
            return l < layers / 16 ? .q5_K : .q4_K
        case (.q3_K_M, "attn_output"):
            return .q4_K
        case (.q4_K_S, "attn_v"):
            return l < 4 ? .q5_K : base
        case (.q4_K_S, "ffn_down") where l < layers / 8:
            return .q5_K
        default:
            return base
        }
    }
}
