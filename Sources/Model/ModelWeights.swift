import GGUF

/// The weights of one decoder block. Optional fields exist only in some families.
final class BlockWeights: @unchecked Sendable {
    let attnNorm: [Float]?           // (dim,); nil: no pre-norm (olmo2)
    let wq, wk, wv, wo: Linear       // (qDim, dim), (kvDim, dim) ×2, (dim, qDim); views of a fused attn_qkv when fused
    let bq, bk, bv, bo: [Float]?     // (qDim,), (kvDim,) ×2, (dim,)
    let qNorm, kNorm: [Float]?       // (headDim,) per head, or (qDim,), (kvDim,) whole (config.qkNorm)
    let postAttnNorm: [Float]?       // (dim,)
    let ffnNorm: [Float]?            // (dim,); nil: no pre-norm (olmo2)
    let gate, up, down: Linear       // (ffn, dim) ×2, (dim, ffn); views of a fused ffn_up when fused
    let bGate, bUp, bDown: [Float]?  // (ffn,) ×2, (dim,)
    let postFfnNorm: [Float]?        // (dim,)

    init(attnNorm: [Float]?, attention a: AttentionWeights, wo: Linear, bo: [Float]? = nil,
         qNorm: [Float]? = nil, kNorm: [Float]? = nil, postAttnNorm: [Float]? = nil,
         ffnNorm: [Float]?, mlp: MLPWeights, postFfnNorm: [Float]? = nil) {
        self.attnNorm = attnNorm
        (wq, wk, wv, bq, bk, bv) = (a.wq, a.wk, a.wv, a.bq, a.bk, a.bv)
        self.wo = wo
        self.bo = bo
        self.qNorm = qNorm
        self.kNorm = kNorm
        self.postAttnNorm = postAttnNorm
        self.ffnNorm = ffnNorm
        (gate, up, down, bGate, bUp, bDown) = (mlp.gate, mlp.up, mlp.down, mlp.bGate, mlp.bUp, mlp.bDown)
        self.postFfnNorm = postFfnNorm
    }

    /// Every distinct matrix (fused views listed once each; they share the mapped bytes).
    var linears: [Linear] { [wq, wk, wv, wo, gate, up, down] }
}

/// Q, K, V projections and their optional biases.
struct AttentionWeights {
    var wq, wk, wv: Linear
    var bq, bk, bv: [Float]?
}

/// Gate, up and down projections and their optional biases.
struct MLPWeights {
    var gate, up, down: Linear
    var bGate: [Float]? = nil, bUp: [Float]? = nil, bDown: [Float]? = nil
}

/// All weights of a model: embedding, blocks, final norm, unembedding (tied when absent).
final class ModelWeights: @unchecked Sendable {
    let embedding: Linear            // (vocab, dim): row t = embedding of token t
    let blocks: [BlockWeights]
    let outputNorm: [Float]          // (dim,)
    let output: Linear               // (vocab, dim): tied to `embedding` when the file has no output.weight
    let outputBias: [Float]?         // (vocab,)
    /// RoPE frequency factors (ropeDims/2,) of layers whose RopeParameters.usesFactors.
    let ropeFactors: [Float]?
    /// The f32 copies of every matrix, for small models (lives exactly as long as the weights).
    var denseArena: DenseArena?

    /// Loads the family's tensors; fails naming any tensor of the file the family did not read.
    init(file: GGUFFile, config c: ModelConfig) throws(ModelError) {
        guard let family = Families.named(c.architecture) else { throw .unsupportedArchitecture(c.architecture) }
        let loader = WeightLoader(file: file, architecture: c.architecture)
        embedding = try loader.linear("token_embd.weight", out: c.vocabSize, in: c.dim)
        var blocks: [BlockWeights] = []
        for l in 0..<c.layers { blocks.append(try family.block(l, c, loader)) }
        self.blocks = blocks
        outputNorm = try loader.vector("output_norm.weight", count: c.dim)
        let out = try family.output(c, loader)
        output = out.matrix ?? embedding
        outputBias = out.bias
        ropeFactors = try family.ropeFactors(c, loader)
        if c.rope.usesFactors || c.ropeLocal.usesFactors {
            guard ropeFactors != nil else { throw .badTensor("\(file.path): the \(c.architecture) RoPE needs frequency factors, and the file has none") }
        }
        try loader.refuseUnread()
    }

    /// Every distinct matrix, once (the tied output is not listed twice).
    var linears: [Linear] {
        var all = [embedding] + blocks.flatMap(\.linears)
        if output !== embedding { all.append(output) }
        return all
    }
}

/// Reads named tensors, checking that each exists with the shape the family needs, and remembers
/// which were read: `refuseUnread()` fails naming any tensor of the file no code read.
final class WeightLoader {
    let file: GGUFFile
    let architecture: String
    private(set) var read: Set<String> = []

    init(file: GGUFFile, architecture: String) {
        self.file = file
        self.architecture = architecture
    }

    func has(_ name: String) -> Bool { file.tensor(name) != nil }

    func linear(_ name: String, out: Int, in inDim: Int) throws(ModelError) -> Linear {
        let t = try tensor(name)
        guard t.shape == [inDim, out] else {
            throw .badTensor("tensor '\(name)' has shape \(t.shape), expected [\(inDim), \(out)]")
        }
        return try Linear(name: name, tensor: t, file: file)
    }

    func optionalLinear(_ name: String, out: Int, in inDim: Int) throws(ModelError) -> Linear? {
        has(name) ? try linear(name, out: out, in: inDim) : nil
    }

    /// A fused matrix [Σ parts, in] read as one view per part, in row order (phi3's attn_qkv, ffn_up).
    func fusedLinear(_ name: String, parts: [Int], in inDim: Int) throws(ModelError) -> [Linear] {
        let t = try tensor(name)
        let total = parts.reduce(0, +)
        guard t.shape == [inDim, total] else {
            throw .badTensor("tensor '\(name)' has shape \(t.shape), expected [\(inDim), \(total)]")
        }
        var views: [Linear] = []
        var r = 0
        for (i, n) in parts.enumerated() {
            guard let v = t.slice(r..<(r + n), name: "\(name)[\(i)]") else {
                throw .badTensor("tensor '\(name)': rows \(r)..<\(r + n) cannot be viewed")
            }
            views.append(try Linear(name: v.name, tensor: v, file: file))
            r += n
        }
        return views
    }

    func vector(_ name: String, count: Int) throws(ModelError) -> [Float] {
        let t = try tensor(name)
        guard t.elementCount == count, t.shape.dropFirst().allSatisfy({ $0 == 1 }) else {
            throw .badTensor("tensor '\(name)' has shape \(t.shape), expected [\(count)]")
        }
        var v = [Float](repeating: 0, count: count)
        let src = file.data(t).baseAddress!
        v.withUnsafeMutableBufferPointer { Kernels.dequantizeRow(t.type, src, $0.baseAddress!, count) }
        return v
    }

    func optionalVector(_ name: String, count: Int) throws(ModelError) -> [Float]? {
        has(name) ? try vector(name, count: count) : nil
    }

    /// Marks a tensor as read without using its values, for a decision documented at the call.
    func acknowledge(_ name: String) { if has(name) { read.insert(name) } }

    /// Q, K and V as llama.cpp's create_tensor_qkv allows them: one fused `attn_qkv` (with an optional
    /// fused bias, or all three separate biases) or three matrices, each bias optional.
    func attention(_ l: Int, _ c: ModelConfig) throws(ModelError) -> AttentionWeights {
        let p = "blk.\(l)."
        if has(p + "attn_qkv.weight") {
            let v = try fusedLinear(p + "attn_qkv.weight", parts: [c.qDim, c.kvDim, c.kvDim], in: c.dim)
            var a = AttentionWeights(wq: v[0], wk: v[1], wv: v[2])
            if let b = try optionalVector(p + "attn_qkv.bias", count: c.qDim + c.kvDim * 2) {
                a.bq = Array(b[0..<c.qDim])
                a.bk = Array(b[c.qDim..<(c.qDim + c.kvDim)])
                a.bv = Array(b[(c.qDim + c.kvDim)...])
            } else {
                try separateBiases(p, c, &a)
                // llama.cpp adds separate biases to a fused product only when all three exist.
                let n = [a.bq, a.bk, a.bv].compactMap { $0 }.count
                guard n == 0 || n == 3 else {
                    throw .unsupported("block \(l) has a fused '\(p)attn_qkv.weight' with only \(n) of the three separate biases (llama.cpp would drop them)")
                }
            }
            for name in ["attn_q.weight", "attn_k.weight", "attn_v.weight"] where has(p + name) {
                throw .badTensor("block \(l) has both '\(p)attn_qkv.weight' and '\(p)\(name)'")
            }
            return a
        }
        var a = AttentionWeights(wq: try linear(p + "attn_q.weight", out: c.qDim, in: c.dim),
                                 wk: try linear(p + "attn_k.weight", out: c.kvDim, in: c.dim),
                                 wv: try linear(p + "attn_v.weight", out: c.kvDim, in: c.dim))
        try separateBiases(p, c, &a)
        return a
    }

    private func separateBiases(_ p: String, _ c: ModelConfig, _ a: inout AttentionWeights) throws(ModelError) {
        a.bq = try optionalVector(p + "attn_q.bias", count: c.qDim)
        a.bk = try optionalVector(p + "attn_k.bias", count: c.kvDim)
        a.bv = try optionalVector(p + "attn_v.bias", count: c.kvDim)
    }

    /// Gate, up and down without biases (the SwiGLU / GeGLU MLP of most families).
    func mlp(_ l: Int, _ c: ModelConfig) throws(ModelError) -> MLPWeights {
        let p = "blk.\(l)."
        return MLPWeights(gate: try linear(p + "ffn_gate.weight", out: c.ffnDim, in: c.dim),
                          up: try linear(p + "ffn_up.weight", out: c.ffnDim, in: c.dim),
                          down: try linear(p + "ffn_down.weight", out: c.dim, in: c.ffnDim))
    }

    /// Fails naming every tensor of the file that no family code read.
    func refuseUnread() throws(ModelError) {
        let unread = file.tensors.map(\.name).filter { !read.contains($0) }
        guard !unread.isEmpty else { return }
        let experts = unread.filter { $0.contains("_exps") || $0.contains("ffn_gate_inp") }
        if !experts.isEmpty {
            throw .unsupported("mixture-of-experts tensors ('\(experts[0])', …) are not supported")
        }
        let shown = unread.prefix(5).map { "'\($0)'" }.joined(separator: ", ") + (unread.count > 5 ? ", … (\(unread.count) in all)" : "")
        throw .unsupported("\(file.path): tensor\(unread.count > 1 ? "s" : "") \(shown) \(unread.count > 1 ? "are" : "is") not used by hopscope's \(architecture) family; computing without \(unread.count > 1 ? "them" : "it") would be silently wrong")
    }

    private func tensor(_ name: String) throws(ModelError) -> GGUFTensorInfo {
        guard let t = file.tensor(name) else { throw .badTensor("\(file.path): missing tensor '\(name)'") }
        read.insert(name)
        return t
    }
}
