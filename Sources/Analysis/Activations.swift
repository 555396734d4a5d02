import Model

/// One forward pass of a prompt with the residual stream (and optionally the sublayer outputs) recorded.
///
/// The logit lens, the sublayer projection and Patchscope's source states all read the same pass.
public struct Activations: Sendable {
    public let ids: [Int32]
    public let layers: Int
    public let dim: Int
    /// The forward result: `recorded[.embedding]`, `recorded[.block(ℓ)]` and, with sublayers,
    /// `recorded[.attention(ℓ)]`, `recorded[.mlp(ℓ)]`, each (tokens, dim); logits of the last row.
    public let result: ForwardResult

    /// Runs `ids` once, recording the embedding and every block output (plus attention and MLP outputs;
    /// with `attention`, also every layer's attention probabilities in `result.attention`).
    public init(model: LanguageModel, ids: [Int32], sublayers: Bool = true, attention: Bool = false) throws(AnalysisError) {
        try model.check(ids)
        let L = model.config.layers
        var hooks = Hooks.recordingResidualStream(layers: L)
        if sublayers {
            for l in 0..<L { hooks.record.insert(.attention(l)); hooks.record.insert(.mlp(l)) }
        }
        if attention { hooks.recordAttention = Set(0..<L) }
        do { (result, _) = try model.run(ids, hooks: hooks) } catch { throw .model(error) }
        self.ids = ids
        layers = L
        dim = model.config.dim
    }

    /// The (dim,) activation at `point` and `position`.
    public func vector(_ point: HookPoint, position: Int) -> [Float] {
        guard let all = result.recorded[point] else { preconditionFailure("\(point) was not recorded") }
        return Array(all[(position * dim)..<((position + 1) * dim)])
    }

    /// h(ℓ, p): the residual stream after block ℓ at position p.
    public func hidden(layer: Int, position: Int) -> [Float] { vector(.block(layer), position: position) }

    /// Raw next-token logits after the prompt (the model's own head on the last block output).
    public var nextLogits: [Float] { result.logits }
}

extension LanguageModel {
    /// Final norm + unembedding of many (dim,) vectors, in chunks so at most ~`chunk` rows of logits
    /// are alive at once; `body` receives each vector's index and its logits.
    func project(_ vectors: [[Float]], chunk: Int = 96, _ body: (Int, ArraySlice<Float>) throws(AnalysisError) -> Void) throws(AnalysisError) {
        let vocab = config.vocabSize
        var start = 0
        while start < vectors.count {
            let end = min(vectors.count, start + chunk)
            let logits = transformer.unembed(Array(vectors[start..<end].joined()), count: end - start)
            for i in start..<end {
                try body(i, logits[((i - start) * vocab)..<((i - start + 1) * vocab)])
            }
            start = end
        }
    }
}
