import Model

/// Everything hopscope shows about one two-hop query, layer by layer (the `analyze` JSON, DESIGN §3);
/// decoded again from that JSON by the workshop client (QueryAnalysis+Decoding.swift).
public struct QueryAnalysis: Encodable, Sendable {
    /// The model's own answer to the composition prompt (ten greedy tokens).
    public struct Answer: Codable, Sendable, Equatable {
        public var generation: String
        public var correct: Bool
        /// Empty in `partial` updates until the knockout phase (its unblocked baseline is this generation).
        /// e3's first token (with its leading space) and where it stands after the prompt (the final lens row at t2).
        public var e3Token: Int32
        public var e3Piece: String
        public var e3Prob: Float
        public var e3Rank: Int
        enum CodingKeys: String, CodingKey {
            case generation, correct, e3Token = "e3_token", e3Piece = "e3_piece", e3Prob = "e3_prob", e3Rank = "e3_rank"
        }
    }

    /// A sublayer output at t2 read through the lens.
    public struct SublayerReading: Codable, Sendable, Equatable {
        public var top: [TokenScore]
        public var e2Rank: Int
        public var e3Rank: Int
        enum CodingKeys: String, CodingKey { case top, e2Rank = "e2_rank", e3Rank = "e3_rank" }
    }

    /// What one layer ℓ (the output of block ℓ) shows.
    ///
    /// Ranks named `…_rank_…` without a `_t1`/`_t2`-style prefix of the lens are 0-based (0 = top) and
    /// the best over the entity's name variants (`EntityNames`): `attn_e2_rank_t2`,
    /// `mlp_prediction_rank_t2`, `mlp_e3_rank_t2`. The older `e2_rank_t1`, `e3_rank_t2`, `e2_rank_t2`
    /// and the `attention_t2`/`mlp_t2` readings are 1-based ranks of one token (e2's or e3's first
    /// token as a continuation), kept for scripts.
    public struct Layer: Codable, Sendable, Equatable {
        public var layer: Int
        public var lensT1: [TokenScore]
        public var lensT2: [TokenScore]
        public var e2RankT1: Int
        public var e2ProbT1: Float
        public var e3RankT2: Int
        public var e3ProbT2: Float
        public var e2RankT2: Int
        public var attentionT2: SublayerReading
        public var mlpT2: SublayerReading
        /// 0-based best rank of e2's name tokens in block ℓ's attention output at t2 (nil: no tokens).
        public var attnE2RankT2: Int?
        /// 0-based rank of the model's prediction (its top next token at t2) in block ℓ's MLP output at t2.
        public var mlpPredictionRankT2: Int
        /// 0-based best rank of e3's name tokens in block ℓ's MLP output at t2 (nil: no tokens).
        public var mlpE3RankT2: Int?
        public var patchscopeT1: PatchscopePooled?
        public var patchscopeT2: PatchscopePooled?
        public var knockout: Knockout.Outcome?

        enum CodingKeys: String, CodingKey {
            case layer, lensT1 = "lens_t1", lensT2 = "lens_t2", e2RankT1 = "e2_rank_t1", e2ProbT1 = "e2_prob_t1"
            case e3RankT2 = "e3_rank_t2", e3ProbT2 = "e3_prob_t2", e2RankT2 = "e2_rank_t2"
            case attentionT2 = "attention_t2", mlpT2 = "mlp_t2", patchscopeT1 = "patchscope_t1", patchscopeT2 = "patchscope_t2"
            case attnE2RankT2 = "attn_e2_rank_t2", mlpPredictionRankT2 = "mlp_prediction_rank_t2", mlpE3RankT2 = "mlp_e3_rank_t2"
            case knockout
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(layer, forKey: .layer)
            try c.encode(lensT1, forKey: .lensT1)
            try c.encode(lensT2, forKey: .lensT2)
            try c.encode(e2RankT1, forKey: .e2RankT1)
            try c.encode(e2ProbT1, forKey: .e2ProbT1)
            try c.encode(e3RankT2, forKey: .e3RankT2)
            try c.encode(e3ProbT2, forKey: .e3ProbT2)
            try c.encode(e2RankT2, forKey: .e2RankT2)
            try c.encode(attentionT2, forKey: .attentionT2)
            try c.encode(mlpT2, forKey: .mlpT2)
            try c.encode(attnE2RankT2, forKey: .attnE2RankT2)
            try c.encode(mlpPredictionRankT2, forKey: .mlpPredictionRankT2)
            try c.encode(mlpE3RankT2, forKey: .mlpE3RankT2)
            try c.encode(patchscopeT1, forKey: .patchscopeT1)
            try c.encode(patchscopeT2, forKey: .patchscopeT2)
            try c.encode(knockout, forKey: .knockout)
        }
    }

    public var query: TwoHopQuery
    public var ids: [Int32]
    public var pieces: [String]
    public var t1: Int
    public var t2: Int
    public var e1Positions: [Int]
    public var e2Token: Int32
    public var answer: Answer
    /// The embedding output read through the lens at t1 and t2 (not a numbered layer).
    public var embeddingT1: [TokenScore]
    public var embeddingT2: [TokenScore]
    public var layers: [Layer]
    public var knockoutHalfWindow: Int
    /// Which keys the knockout blocks from t2 (t1, the paper's, or every e1 token).
    public var knockoutKeys: Knockout.Keys
    /// The model's own prediction: its top next token at t2 (what "prediction extracted" looks for).
    public var predictionToken: Int32
    public var predictionPiece: String
    public var stages: Stages
    /// How the Patchscopes were run (cells, decoding, target prompt).
    public var patchscope: PatchscopeSettings
    /// The Patchscope target prompt used.
    public var patchscopePrompt: String { patchscope.prompt }
    /// Wall-clock seconds per step ("lens", "patchscope", "knockout").
    public var timings: [String: Double]

    enum CodingKeys: String, CodingKey {
        case query = "text", e1, e2, e3, ids, pieces, t1, t2, e1Positions = "e1_positions", e2Token = "e2_token"
        case answer, embedding, layers, knockoutHalfWindow = "knockout_half_window", knockoutKeys = "knockout_keys"
        case predictionToken = "prediction_token", predictionPiece = "prediction_piece", stages
        case patchscope, patchscopePrompt = "patchscope_prompt", timings
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(query.query, forKey: .query)
        try c.encode(query.e1, forKey: .e1)
        try c.encode(query.e2, forKey: .e2)
        try c.encode(query.e3, forKey: .e3)
        try c.encode(ids, forKey: .ids)
        try c.encode(pieces, forKey: .pieces)
        try c.encode(t1, forKey: .t1)
        try c.encode(t2, forKey: .t2)
        try c.encode(e1Positions, forKey: .e1Positions)
        try c.encode(e2Token, forKey: .e2Token)
        try c.encode(answer, forKey: .answer)
        try c.encode(["lens_t1": embeddingT1, "lens_t2": embeddingT2], forKey: .embedding)
        try c.encode(layers, forKey: .layers)
        try c.encode(knockoutHalfWindow, forKey: .knockoutHalfWindow)
        try c.encode(knockoutKeys, forKey: .knockoutKeys)
        try c.encode(predictionToken, forKey: .predictionToken)
        try c.encode(predictionPiece, forKey: .predictionPiece)
        try c.encode(stages, forKey: .stages)
        try c.encode(patchscope, forKey: .patchscope)
        try c.encode(patchscopePrompt, forKey: .patchscopePrompt)
        try c.encode(timings, forKey: .timings)
    }
}

/// Runs every per-layer method on one query: logit lens at t1 and t2, sublayer projections at t2,
/// Patchscopes from t1 and t2 (the diagonal or the full grid, greedy or sampled), attention knockout
/// windows of t2 → t1, and the paper's four stages they imply.
///
/// ```swift
/// let analyzer = try Analyzer(model: model)
/// let token = CancellationToken()
/// let a = try analyzer.run(query, progress: { f, msg in print(f, msg) }, cancel: token)
/// a.stages.firstHop      // earliest layer whose Patchscopes from t1 name e2
/// ```
public final class Analyzer: @unchecked Sendable {
    public struct Options: Sendable {
        public var topK = 5
        public var knockoutHalfWindow = 3
        /// t1 (the paper's) or every e1 token.
        public var knockoutKeys: Knockout.Keys = .t1
        public var maxTokens = 10
        /// Cells, decoding and target prompt of the Patchscopes.
        public var patchscopeSettings = PatchscopeSettings()
        /// The Patchscope target prompt (the same as `patchscopeSettings.prompt`).
        public var patchscopePrompt: String {
            get { patchscopeSettings.prompt }
            set { patchscopeSettings.prompt = newValue }
        }
        /// Batches per Patchscope position and for the knockout when `run` is given `partial` (rows fill
        /// in batch by batch); nil: 2 on models reading ≥ 1 GB of weights per token, else 1.
        public var partialBatches: Int?
        /// Skip the slow parts (for a quick first look in the explorer).
        public var patchscope = true
        public var knockout = true
        public init() {}
    }

    public let model: LanguageModel
    public let options: Options
    private let patchscope: Patchscope

    public init(model: LanguageModel, options: Options = Options()) throws(AnalysisError) {
        guard options.topK > 0 else { throw .badOption("top-k must be positive, got \(options.topK)") }
        guard options.patchscopeSettings.samples >= 0 else {
            throw .badOption("Patchscope samples must be ≥ 0, got \(options.patchscopeSettings.samples)")
        }
        self.model = model
        self.options = options
        patchscope = try Patchscope(model: model, targetPrompt: options.patchscopeSettings.prompt, maxTokens: options.maxTokens)
    }

    /// Batches per Patchscope position and knockout when a screen waits for partial results:
    /// `options.partialBatches`, else 2 on a model reading ≥ 1 GB of weights per token, 1 below (a
    /// small model's position takes about a second). Smaller batches cost throughput: on the 7B shape
    /// the analysis took 41 s in one batch per part and 60 s in four (docs/speed.md).
    private var partialBatches: Int { max(1, options.partialBatches ?? (model.weightBytesPerToken >= 1 << 30 ? 2 : 1)) }

    /// Everything measured so far; `assemble` turns it into a `QueryAnalysis`.
    private struct Parts {
        var tokens: QueryTokens
        var e2: Int32, e3: Int32, prediction: Int32
        var lens: LogitLens
        var sub: SublayerProjection
        var attnE2: [Int?], mlpPrediction: [Int], mlpE3: [Int?]
        var t1: [PatchscopePooled?] = [], t2: [PatchscopePooled?] = []
        var knock: Knockout.Report?
        var timings: [String: Double] = [:]
    }

    /// Analyses `query` (its composition prompt, e1, e2, e3 and aliases); progress fractions rise to 1.
    ///
    /// `partial` receives the analysis as it fills in (lens and projections first, then the Patchscopes
    /// from t1 and from t2, then knockout; missing parts are nil and stages are computed from what is
    /// there) so a screen can draw early; the returned value is the complete one.
    public func run(_ query: TwoHopQuery, progress: ProgressHandler? = nil, cancel: CancellationToken? = nil,
                    partial: (@Sendable (QueryAnalysis) -> Void)? = nil) throws(AnalysisError) -> QueryAnalysis {
        if query.e2.trimmingCharacters(in: .whitespaces).isEmpty { throw .emptyEntity("e2") }
        if query.e3.trimmingCharacters(in: .whitespaces).isEmpty { throw .emptyEntity("e3") }
        let L = model.config.layers
        var clock = ContinuousClock.now
        var timings: [String: Double] = [:]
        func lap(_ name: String) {
            let now = ContinuousClock.now
            let d = now - clock
            timings[name] = AnalysisSession.seconds(d)
            clock = now
        }

        progress?(0, "tokenizing")
        let tokens = try QueryTokens(model: model, query: query.query, e1: query.e1)
        guard tokens.t1 < tokens.t2 else {
            throw .badOption("e1 '\(query.e1)' ends at the last token of the query; t1 must come before t2")
        }
        let e2 = try answerFirstToken(query.e2, after: query.query, model: model)
        let e3 = try answerFirstToken(query.e3, after: query.query, model: model)
        let t1 = tokens.t1, t2 = tokens.t2

        progress?(0.02, "logit lens")
        try cancel.check()
        let acts = try Activations(model: model, ids: tokens.ids, sublayers: true)
        let tracks = [LogitLens.Track(position: t1, token: e2), LogitLens.Track(position: t2, token: e3),
                      LogitLens.Track(position: t2, token: e2)]
        // The analysis shows the lens at t1 and t2 only (the layer detail reads every position).
        let lens = try LogitLens.compute(model: model, activations: acts, topK: options.topK, track: tracks,
                                         positions: [t1, t2], cancel: cancel)
        // The model's own prediction: its top next token after the prompt, unpatched.
        let prediction = Int32(argmax(acts.nextLogits))
        let names = [EntityNames(query.e2Answer, model: model), EntityNames(query.e3Answer, model: model),
                     EntityNames(tokens: [prediction], variants: [])]
        let sub = try SublayerProjection.compute(model: model, activations: acts, position: t2, topK: options.topK,
                                                 tokens: [e2, e3], names: names, cancel: cancel)
        var parts = Parts(tokens: tokens, e2: e2, e3: e3, prediction: prediction, lens: lens, sub: sub,
                          attnE2: sub.attention.map { $0.nameRanks[0] }, mlpPrediction: sub.mlp.map { $0.nameRanks[2]! },
                          mlpE3: sub.mlp.map { $0.nameRanks[1] })
        lap("lens")
        parts.timings = timings
        partial?(assemble(query, parts))

        if options.patchscope {
            let settings = options.patchscopeSettings
            let cells = settings.cells(layers: L)
            let entities = [query.e1Answer, query.e2Answer, query.e3Answer]
            for (position, lo, hi) in [(t1, 0.1, 0.35), (t2, 0.35, 0.6)] {
                progress?(lo, "Patchscope from \(position == t1 ? "t1" : "t2")")
                // With a screen waiting (`partial`) on a large model, a few batches per position, so
                // rows fill in as they come; a small one does a position in one batch (under a second).
                let jobs = cells.count * max(settings.samples, 1)
                let batches = partial != nil ? partialBatches : 1
                let run = try patchscope.run(source: acts, position: position, cells: cells, entities: entities,
                                             samples: settings.samples, seed: settings.seed,
                                             batchSize: batches == 1 ? nil : max(8, (jobs + batches - 1) / batches),
                                             progress: ProgressSlice(handler: progress, lo: lo, hi: hi).asHandler, cancel: cancel,
                                             finished: partial.map { partial in { done in
                                                 var p = parts
                                                 if position == t1 { p.t1 = PatchscopePooled.pool(done, layers: L) } else { p.t2 = PatchscopePooled.pool(done, layers: L) }
                                                 partial(self.assemble(query, p))
                                             } })
                let readings = PatchscopePooled.pool(run, layers: L)
                if position == t1 { parts.t1 = readings } else { parts.t2 = readings }
                lap(position == t1 ? "patchscope_t1" : "patchscope_t2")
                parts.timings = timings
                partial?(assemble(query, parts))
            }
        }

        progress?(0.6, "attention knockout")
        parts.knock = try Knockout.run(model: model, tokens: tokens, answerToken: e3, answer: query.e3Answer,
                                       halfWindow: options.knockoutHalfWindow, keys: options.knockoutKeys,
                                       centers: options.knockout ? nil : [], maxTokens: options.maxTokens,
                                       groupSize: partial != nil && partialBatches > 1 ? max(8, (L + partialBatches) / partialBatches) : nil,
                                       progress: ProgressSlice(handler: progress, lo: 0.6, hi: 0.98).asHandler, cancel: cancel,
                                       finished: partial.map { partial in { r in
                                           var p = parts
                                           p.knock = r
                                           partial(self.assemble(query, p))
                                       } })
        lap("knockout")
        parts.timings = timings

        progress?(1, "done")
        return assemble(query, parts)
    }

    /// Patchscope cells (ℓs, ℓt) on demand (e.g. the full grid), with the source state at t1 or t2 of the
    /// query, decoded as `options.patchscopeSettings` says (greedy or sampled).
    public func patchscopeCells(_ query: TwoHopQuery, cells: [(source: Int, target: Int)], atT2: Bool = false,
                                progress: ProgressHandler? = nil, cancel: CancellationToken? = nil) throws(AnalysisError) -> [PatchscopeCell] {
        let tokens = try QueryTokens(model: model, query: query.query, e1: query.e1)
        let acts = try Activations(model: model, ids: tokens.ids, sublayers: false)
        return try patchscope.run(source: acts, position: atT2 ? tokens.t2 : tokens.t1, cells: cells,
                                  entities: [query.e1Answer, query.e2Answer, query.e3Answer],
                                  samples: options.patchscopeSettings.samples, seed: options.patchscopeSettings.seed,
                                  progress: progress, cancel: cancel)
    }

    /// The analysis from whatever has been computed (Patchscope readings may be empty, knockout nil).
    private func assemble(_ query: TwoHopQuery, _ m: Parts) -> QueryAnalysis {
        let L = model.config.layers, t1 = m.tokens.t1, t2 = m.tokens.t2
        let e2T1 = m.lens.tracked[0], e3T2 = m.lens.tracked[1], e2T2 = m.lens.tracked[2]
        func reading(_ r: SublayerProjection.Reading) -> QueryAnalysis.SublayerReading {
            .init(top: r.top, e2Rank: r.tracked[0].rank, e3Rank: r.tracked[1].rank)
        }
        let knock = m.knock.flatMap { $0.windows.isEmpty ? nil : $0 }
        let layers = (0..<L).map { l in
            QueryAnalysis.Layer(
                layer: l, lensT1: m.lens.layers[l][t1], lensT2: m.lens.layers[l][t2],
                e2RankT1: e2T1.layers[l].rank, e2ProbT1: e2T1.layers[l].prob,
                e3RankT2: e3T2.layers[l].rank, e3ProbT2: e3T2.layers[l].prob, e2RankT2: e2T2.layers[l].rank,
                attentionT2: reading(m.sub.attention[l]), mlpT2: reading(m.sub.mlp[l]),
                attnE2RankT2: m.attnE2[l], mlpPredictionRankT2: m.mlpPrediction[l], mlpE3RankT2: m.mlpE3[l],
                patchscopeT1: l < m.t1.count ? m.t1[l] : nil, patchscopeT2: l < m.t2.count ? m.t2[l] : nil,
                knockout: m.knock?.windows.first { $0.layer == l })
        }
        let stages = Stages.compute(patchscopeT1: layers.map(\.patchscopeT1), patchscopeT2: layers.map(\.patchscopeT2),
                                    attentionE2RankT2: layers.map(\.attnE2RankT2),
                                    mlpPredictionRankT2: layers.map(\.mlpPredictionRankT2),
                                    knockoutChanged: knock == nil ? [] : layers.map { $0.knockout?.changed })
        let base = m.knock?.baseline
        return QueryAnalysis(
            query: query, ids: m.tokens.ids, pieces: m.tokens.pieces, t1: t1, t2: t2, e1Positions: Array(m.tokens.e1Positions),
            e2Token: m.e2,
            answer: .init(generation: base?.generation ?? "", correct: base?.correct ?? false, e3Token: m.e3,
                          e3Piece: model.piece(m.e3), e3Prob: e3T2.layers[L - 1].prob, e3Rank: e3T2.layers[L - 1].rank),
            embeddingT1: m.lens.embedding[t1], embeddingT2: m.lens.embedding[t2], layers: layers,
            knockoutHalfWindow: options.knockoutHalfWindow, knockoutKeys: options.knockoutKeys,
            predictionToken: m.prediction, predictionPiece: model.piece(m.prediction), stages: stages,
            patchscope: options.patchscopeSettings, timings: m.timings)
    }
}
