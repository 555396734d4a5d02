import Model

/// The attention output and the MLP output of every block at one position, each read through the final
/// norm and unembedding exactly like the logit lens (DESIGN §2: what each sublayer writes at t2).
public struct SublayerProjection: Sendable {
    /// One sublayer's output read as a distribution.
    public struct Reading: Sendable, Equatable, Encodable {
        public var top: [TokenScore]
        /// Standings of the tokens asked for (e.g. e2's and e3's first tokens), in the order given.
        public var tracked: [TokenStanding]
        /// 0-based best ranks of the entities asked for (`EntityNames`), in the order given.
        public var nameRanks: [Int?] = []
    }

    public var position: Int
    public var tokens: [Int32]
    /// Per layer ℓ: what block ℓ's attention wrote at `position`.
    public var attention: [Reading]
    /// Per layer ℓ: what block ℓ's MLP wrote at `position`.
    public var mlp: [Reading]

    /// Projects the recorded sublayer outputs at `position` (the activations must include sublayers).
    public static func compute(model: LanguageModel, activations acts: Activations, position: Int, topK: Int = 5,
                               tokens: [Int32] = [], names: [EntityNames] = [], cancel: CancellationToken? = nil) throws(AnalysisError) -> SublayerProjection {
        guard (0..<acts.ids.count).contains(position) else {
            throw .badOption("position \(position) is outside the prompt's 0..<\(acts.ids.count) tokens")
        }
        guard acts.result.recorded[.attention(0)] != nil else {
            throw .badOption("the activations were recorded without sublayers")
        }
        let L = acts.layers
        let vectors = (0..<L).map { acts.vector(.attention($0), position: position) }
            + (0..<L).map { acts.vector(.mlp($0), position: position) }
        var readings = [Reading](repeating: Reading(top: [], tracked: []), count: 2 * L)
        try model.project(vectors) { (r, logits) throws(AnalysisError) in
            try cancel.check()
            let dist = Distribution(logits: logits)
            readings[r] = Reading(top: dist.top(topK) { model.piece($0) }, tracked: tokens.map { dist.standing(of: $0) },
                                  nameRanks: names.map { $0.rank(in: logits) })
        }
        return SublayerProjection(position: position, tokens: tokens,
                                  attention: Array(readings[0..<L]), mlp: Array(readings[L...]))
    }
}
