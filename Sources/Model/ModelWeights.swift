import GGUF

/// The weights of one decoder block. Optional fields exist only in some architectures.
final class BlockWeights: @unchecked Sendable {
    let attnNorm: [Float]            // (dim,)
    let wq, wk, wv, wo: Linear       // (qDim, dim), (kvDim, dim) ×2, (dim, qDim)
    let bq, bk, bv: [Float]?         // qwen2 biases (qDim,), (kvDim,), (kvDim,)
    let qNorm, kNorm: [Float]?       // gemma3 per-head RMSNorm weights (headDim,)
    let postAttnNorm: [Float]?       // gemma3 (dim,)
    let ffnNorm: [Float]             // (dim,)
    let gate, up, down: Linear       // (ffn, dim) ×2, (dim, ffn)
    let postFfnNorm: [Float]?        // gemma3 (dim,)

    init(layer l: Int, config c: ModelConfig, loader: WeightLoader) throws(ModelError) {
        let p = "blk.\(l)."
        attnNorm = try loader.vector(p + "attn_norm.weight", count: c.dim)
        wq = try loader.linear(p + "attn_q.weight", out: c.qDim, in: c.dim)
        wk = try loader.linear(p + "attn_k.weight", out: c.kvDim, in: c.dim)
        wv = try loader.linear(p + "attn_v.weight", out: c.kvDim, in: c.dim)
        wo = try loader.linear(p + "attn_output.weight", out: c.dim, in: c.qDim)
        ffnNorm = try loader.vector(p + "ffn_norm.weight", count: c.dim)
        gate = try loader.linear(p + "ffn_gate.weight", out: c.ffnDim, in: c.dim)
        up = try loader.linear(p + "ffn_up.weight", out: c.ffnDim, in: c.dim)
        down = try loader.linear(p + "ffn_down.weight", out: c.dim, in: c.ffnDim)
        switch c.architecture {
        case .llama:
            bq = try loader.optionalVector(p + "attn_q.bias", count: c.qDim)
            bk = try loader.optionalVector(p + "attn_k.bias", count: c.kvDim)
            bv = try loader.optionalVector(p + "attn_v.bias", count: c.kvDim)
            qNorm = nil; kNorm = nil; postAttnNorm = nil; postFfnNorm = nil
        case .qwen2:
            bq = try loader.vector(p + "attn_q.bias", count: c.qDim)
            bk = try loader.vector(p + "attn_k.bias", count: c.kvDim)
            bv = try loader.vector(p + "attn_v.bias", count: c.kvDim)
            qNorm = nil; kNorm = nil; postAttnNorm = nil; postFfnNorm = nil
        case .gemma3:
            bq = nil; bk = nil; bv = nil
            qNorm = try loader.vector(p + "attn_q_norm.weight", count: c.headDim)
            kNorm = try loader.vector(p + "attn_k_norm.weight", count: c.headDim)
            postAttnNorm = try loader.vector(p + "post_attention_norm.weight", count: c.dim)
            postFfnNorm = try loader.vector(p + "post_ffw_norm.weight", count: c.dim)
        }
    }

    var linears: [Linear] { [wq, wk, wv, wo, gate, up, down] }
}

/// All weights of a model: embedding, blocks, final norm, unembedding (tied when absent).
final class ModelWeights: @unchecked Sendable {
    let embedding: Linear            // (vocab, dim): row t = embedding of token t
    let blocks: [BlockWeights]
    let outputNorm: [Float]          // (dim,)
    let output: Linear               // (vocab, dim): tied to `embedding` when the file has no output.weight
    /// The f32 copies of every matrix, for small models (lives exactly as long as the weights).
    var denseArena: DenseArena?

    init(file: GGUFFile, config c: ModelConfig) throws(ModelError) {
        let loader = WeightLoader(file: file)
        embedding = try loader.linear("token_embd.weight", out: c.vocabSize, in: c.dim)
        var blocks: [BlockWeights] = []
        for l in 0..<c.layers { blocks.append(try BlockWeights(layer: l, config: c, loader: loader)) }
        self.blocks = blocks
        outputNorm = try loader.vector("output_norm.weight", count: c.dim)
        if file.tensor("output.weight") != nil {
            output = try loader.linear("output.weight", out: c.vocabSize, in: c.dim)
        } else {
            output = embedding
        }
    }

    /// Every distinct matrix, once (the tied output is not listed twice).
    var linears: [Linear] {
        var all = [embedding] + blocks.flatMap(\.linears)
        if output !== embedding { all.append(output) }
        return all
    }
}

/// Reads named tensors, checking that each exists with the shape the architecture needs.
struct WeightLoader {
    let file: GGUFFile

    func linear(_ name: String, out: Int, in inDim: Int) throws(ModelError) -> Linear {
        let t = try tensor(name)
        guard t.shape == [inDim, out] else {
            throw .badTensor("tensor '\(name)' has shape \(t.shape), expected [\(inDim), \(out)]")
        }
        return try Linear(name: name, tensor: t, file: file)
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
        file.tensor(name) == nil ? nil : try vector(name, count: count)
    }

    private func tensor(_ name: String) throws(ModelError) -> GGUFTensorInfo {
        guard let t = file.tensor(name) else { throw .badTensor("\(file.path): missing tensor '\(name)'") }
        return t
    }
}
