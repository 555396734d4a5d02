import Model

/// The logit lens: the model's final norm and unembedding applied to the residual stream after every
/// block, at every position (DESIGN §2). Probabilities are a softmax in f32; rank 1 = top.
///
/// ```swift
/// let acts = try Activations(model: model, ids: tokens.ids)
/// let lens = try LogitLens.compute(model: model, activations: acts, topK: 5,
///                                  track: [.init(position: tokens.t1, token: japan)])
/// lens.tracked[0].layers[14].rank   // rank of " Japan" read from t1 after block 14
/// ```
public struct LogitLens: Sendable {
    /// A token whose rank and probability are followed at one position through every layer.
    public struct Track: Sendable, Equatable, Hashable {
        public var position: Int
        public var token: Int32
        public init(position: Int, token: Int32) { self.position = position; self.token = token }
    }

    /// Where a tracked token stands: at the embedding and after each block.
    public struct TrackedToken: Sendable, Equatable {
        public var track: Track
        public var embedding: TokenStanding
        /// Per layer ℓ ∈ [0, L).
        public var layers: [TokenStanding]
    }

    public var ids: [Int32]
    public var pieces: [String]
    /// Top-k at the embedding output, per position (shown as a separate row, never a numbered layer).
    public var embedding: [[TokenScore]]
    /// Top-k per layer ℓ, per position: `layers[ℓ][p]`.
    public var layers: [[[TokenScore]]]
    /// One entry per requested track, in order.
    public var tracked: [TrackedToken]

    /// The tracked entry for `track`, if it was requested.
    public func standing(_ track: Track) -> TrackedToken? { tracked.first { $0.track == track } }

    /// Runs the prompt once and reads every layer × position.
    public static func run(model: LanguageModel, ids: [Int32], topK: Int = 5, track: [Track] = [],
                           cancel: CancellationToken? = nil) throws(AnalysisError) -> LogitLens {
        let acts = try Activations(model: model, ids: ids, sublayers: false)
        return try compute(model: model, activations: acts, topK: topK, track: track, cancel: cancel)
    }

    /// Reads every layer × position of a recorded pass, or every layer at `positions` only (the other
    /// positions' top-k lists are then empty; tracked positions must be among them).
    public static func compute(model: LanguageModel, activations acts: Activations, topK: Int = 5,
                               track: [Track] = [], positions: [Int]? = nil,
                               cancel: CancellationToken? = nil) throws(AnalysisError) -> LogitLens {
        let n = acts.ids.count, L = acts.layers
        let read = positions.map { Array(Set($0)).sorted() } ?? Array(0..<n)
        for p in read where !(0..<n).contains(p) {
            throw .badOption("lens position \(p) is outside the prompt's 0..<\(n) tokens")
        }
        for t in track where !read.contains(t.position) {
            throw .badOption("tracked position \(t.position) is outside the prompt's 0..<\(n) tokens or the positions read")
        }
        // Vector v = (point index) * read.count + j, point 0 = embedding, point ℓ + 1 = block ℓ, at read[j].
        let points: [HookPoint] = [.embedding] + (0..<L).map { .block($0) }
        var vectors: [[Float]] = []
        vectors.reserveCapacity(points.count * read.count)
        for point in points { for p in read { vectors.append(acts.vector(point, position: p)) } }
        var tops = [[TokenScore]](repeating: [], count: points.count * n)
        var standings = [[TokenStanding]](repeating: [], count: track.count)
        let piece: (Int32) -> String = { model.piece($0) }
        try model.project(vectors) { (v, logits) throws(AnalysisError) in
            try cancel.check()
            let dist = Distribution(logits: logits)
            let point = v / read.count, p = read[v % read.count]
            tops[point * n + p] = dist.top(topK, piece: piece)
            for (i, t) in track.enumerated() where t.position == p {
                standings[i].append(dist.standing(of: t.token))
            }
        }
        return LogitLens(
            ids: acts.ids, pieces: acts.ids.map(piece),
            embedding: Array(tops[0..<n]),
            layers: (0..<L).map { l in Array(tops[((l + 1) * n)..<((l + 2) * n)]) },
            tracked: track.enumerated().map { i, t in
                TrackedToken(track: t, embedding: standings[i][0], layers: Array(standings[i].dropFirst()))
            })
    }
}

// MARK: - JSON (the `lens` command's shape, DESIGN §3)

extension LogitLens: Encodable {
    private struct PositionRow: Encodable { var pos: Int; var top: [TokenScore] }
    private struct LayerRow: Encodable { var layer: Int; var positions: [PositionRow] }
    private struct EmbeddingRow: Encodable { var positions: [PositionRow] }
    private enum Keys: String, CodingKey { case ids, pieces, embedding, layers }

    /// `{"ids","pieces","embedding":{"positions":[…]},"layers":[{"layer","positions":[{"pos","top":[{"id","piece","prob"}]}]}]}`
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(ids, forKey: .ids)
        try c.encode(pieces, forKey: .pieces)
        func rows(_ tops: [[TokenScore]]) -> [PositionRow] { tops.enumerated().map { PositionRow(pos: $0.offset, top: $0.element) } }
        try c.encode(EmbeddingRow(positions: rows(embedding)), forKey: .embedding)
        try c.encode(layers.enumerated().map { LayerRow(layer: $0.offset, positions: rows($0.element)) }, forKey: .layers)
    }
}
