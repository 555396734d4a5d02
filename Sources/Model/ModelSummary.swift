import CKernels
import GGUF

/// What a loaded model is, in one value: family, shape, RoPE, vocabulary, tensor types, the kernel
/// path each matrix type takes on this CPU, and the memory it needs. `hopscope info` prints it; the
/// explorer's `:model` can show `lines`.
public struct ModelSummary: Sendable, Encodable {
    public struct Rope: Sendable, Encodable {
        public let style: String            // "adjacent" | "splitHalf"
        public let dims: Int
        public let base: Float
        public let localBase: Float?        // sliding-window layers, when they differ
        public let scaling: String          // none | linear | yarn | longrope
        public let factor: Float?           // 1/freqScale, when scaled
        public let originalContext: Int?    // YaRN / LongRoPE
        public let frequencyFactors: Bool   // rope_freqs.weight or LongRoPE short factors
        public let attnFactor: Float
    }
    public struct TensorTypes: Sendable, Encodable {
        public let type: String
        public let tensors: Int
        public let bytes: Int
    }
    public struct KernelPath: Sendable, Encodable {
        public let type: String
        public let matrices: Int
        public let path: String
    }

    public let file: String
    public let family: String
    public let layers: Int
    public let dim: Int
    public let heads: Int
    public let kvHeads: Int
    public let headDim: Int
    public let ffnDim: Int
    public let contextLength: Int
    public let rope: Rope
    public let slidingWindow: Int?
    public let localLayers: Int
    public let attentionSoftcap: Float?
    public let finalSoftcap: Float?
    public let tiedOutput: Bool
    public let vocabSize: Int
    public let tokenizer: String            // "gpt2 (llama-bpe)" | "llama (SentencePiece)"
    public let tensorTypes: [TensorTypes]
    public let kernels: [KernelPath]
    public let fileBytes: Int
    public let denseCopyBytes: Int
    /// Key/value cache bytes per position (f32, every layer).
    public let kvBytesPerPosition: Int
    /// File + f32 copies + a full-context KV cache.
    public let memoryBytes: Int

    public init(_ m: LanguageModel) {
        let c = m.config, w = m.transformer.weights
        file = m.file.path
        family = c.architecture
        layers = c.layers; dim = c.dim; heads = c.heads; kvHeads = c.kvHeads; headDim = c.headDim
        ffnDim = c.ffnDim; contextLength = c.contextLength
        let r = c.rope
        rope = Rope(style: c.ropeStyle.rawValue, dims: c.ropeDims, base: r.base,
                    localBase: c.slidingWindow != nil && c.ropeLocal.base != r.base ? c.ropeLocal.base : nil,
                    scaling: c.ropeScaling.rawValue, factor: r.freqScale != 1 ? 1 / r.freqScale : nil,
                    originalContext: c.ropeScaling == .yarn || c.ropeScaling == .longrope ? r.originalContext : nil,
                    frequencyFactors: r.usesFactors, attnFactor: r.attnFactor)
        slidingWindow = c.slidingWindow
        localLayers = (0..<c.layers).filter(c.isLocal).count
        attentionSoftcap = c.attentionSoftcap
        finalSoftcap = c.finalSoftcap
        tiedOutput = w.output === w.embedding
        vocabSize = c.vocabSize
        switch m.tokenizer.algorithm {
        case .bytePair: tokenizer = "gpt2 byte-level BPE (pre-tokenizer '\(m.file.value("tokenizer.ggml.pre")?.string ?? "default")')"
        case .sentencePiece: tokenizer = "llama SentencePiece BPE"
        case .escapedBytePair: tokenizer = "gemma4 BPE (▁-escaped UTF-8, byte fallback)"
        }
        var hist: [String: (Int, Int)] = [:]
        for t in m.file.tensors { hist["\(t.type)", default: (0, 0)].0 += 1; hist["\(t.type)", default: (0, 0)].1 += t.byteCount }
        tensorTypes = hist.sorted { $0.value.1 > $1.value.1 }.map { TensorTypes(type: $0.key, tensors: $0.value.0, bytes: $0.value.1) }
        var paths: [String: (Int, String)] = [:]
        for l in w.linears { paths["\(l.type)", default: (0, ModelSummary.path(l))].0 += 1 }
        kernels = paths.sorted { $0.key < $1.key }.map { KernelPath(type: $0.key, matrices: $0.value.0, path: $0.value.1) }
        fileBytes = m.file.fileSize
        denseCopyBytes = w.denseArena == nil ? 0 : w.linears.reduce(0) { $0 + $1.denseBytes }
        kvBytesPerPosition = 2 * c.layers * c.kvDim * 4
        memoryBytes = fileBytes + denseCopyBytes + kvBytesPerPosition * c.contextLength
    }

    /// How `Linear.apply` multiplies this matrix on this CPU.
    static func path(_ l: Linear) -> String {
        if l.dense != nil {
            return "f32 copy: " + (Linear.panelGemm ? "AVX-512 panel GEMM" : "OpenBLAS sgemm") + " for batches, fused dequantize-dot for ≤ \(Linear.matvecMaxRows) rows"
        }
        if l.usesIntegerKernels {
            let isa: String
            switch Int(hs_q8_kernels_in_use()) {
            case Int(HS_KERNELS_AVX512_VNNI.rawValue): isa = "AVX512-VNNI"
            case Int(HS_KERNELS_AVX2.rawValue): isa = "AVX2"
            default: isa = "scalar"
            }
            return "integer: 8-bit activations × quantized weights (\(isa))" + (l.repacks ? ", repacked 16 rows at a time" : "")
        }
        if l.usesHalfKernels {
            let isa = hs_kernels_in_use() == Int32(HS_KERNELS_AVX2.rawValue) ? "AVX2 + F16C" : "scalar"
            return "half: \(l.type) weights converted in registers × float32 activations, cache-blocked (\(isa)), no f32 copy"
        }
        return "float: fused dequantize-dot for ≤ \(Linear.matvecMaxRows) rows, dequantized tiles + sgemm above"
    }

    /// The summary as lines of text.
    public var lines: [String] {
        func mb(_ b: Int) -> String { String(format: "%.1f MB", Double(b) / 1_048_576) }
        var out = [
            "file        \(file)",
            "family      \(family)",
            "shape       \(layers) layers, dim \(dim), \(heads) heads / \(kvHeads) kv heads, head dim \(headDim), ffn \(ffnDim), context \(contextLength)",
        ]
        var ropeLine = "rope        \(rope.style), \(rope.dims) dims, base \(rope.base)"
        if let b = rope.localBase { ropeLine += " (local layers \(b))" }
        ropeLine += ", scaling \(rope.scaling)"
        if let f = rope.factor { ropeLine += " ×\(f)" }
        if let o = rope.originalContext { ropeLine += " (original context \(o))" }
        if rope.frequencyFactors { ropeLine += ", frequency factors" }
        if rope.attnFactor != 1 { ropeLine += ", attn factor \(rope.attnFactor)" }
        out.append(ropeLine)
        if let w = slidingWindow { out.append("attention   sliding window \(w) on \(localLayers) of \(layers) layers") }
        if let s = attentionSoftcap { out.append("softcap     attention \(s)") }
        if let s = finalSoftcap { out.append("softcap     logits \(s)") }
        out.append("vocabulary  \(vocabSize) tokens, \(tokenizer), output \(tiedOutput ? "tied to the embedding" : "untied")")
        out.append("tensors     " + tensorTypes.map { "\($0.type) ×\($0.tensors) (\(mb($0.bytes)))" }.joined(separator: ", "))
        for k in kernels { out.append("kernel      \(k.type) (\(k.matrices) matrices): \(k.path)") }
        out.append("memory      \(mb(memoryBytes)): file \(mb(fileBytes)) + f32 copies \(mb(denseCopyBytes)) + KV cache \(mb(kvBytesPerPosition * contextLength)) at full context")
        return out
    }
}

extension LanguageModel {
    /// The summary `hopscope info` prints and the explorer's `:model` shows.
    public var summary: ModelSummary { ModelSummary(self) }
}
