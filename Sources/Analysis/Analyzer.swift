import Model

/// Everything hopscope shows about one two-hop query, layer by layer (the `analyze` JSON, DESIGN §3).
public struct QueryAnalysis: Encodable, Sendable {
    /// The model's own answer to the composition prompt (ten greedy tokens).
    public struct Answer: Encodable, Sendable, Equatable {
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
    public struct SublayerReading: Encodable, Sendable, Equatable {
        public var top: [TokenScore]
        public var e2Rank: Int
        public var e3Rank: Int
        enum CodingKeys: String, CodingKey { case top, e2Rank = "e2_rank", e3Rank = "e3_rank" }
    }

    /// What one layer ℓ (the output of block ℓ) shows.
    public struct Layer: Encodable, Sendable, Equatable {
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
        public var patchscopeT1: PatchscopeCell?
        public var knockout: Knockout.Outcome?

        enum CodingKeys: String, CodingKey {
            case layer, lensT1 = "lens_t1", lensT2 = "lens_t2", e2RankT1 = "e2_rank_t1", e2ProbT1 = "e2_prob_t1"
            case e3RankT2 = "e3_rank_t2", e3ProbT2 = "e3_prob_t2", e2RankT2 = "e2_rank_t2"
            case attentionT2 = "attention_t2", mlpT2 = "mlp_t2", patchscopeT1 = "patchscope_t1", knockout
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
            if let p = patchscopeT1 {
                try c.encode(["generation": p.generation, "decoded": p.decoded.rawValue], forKey: .patchscopeT1)
            } else { try c.encodeNil(forKey: .patchscopeT1) }
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
    public var stages: Stages
    /// The Patchscope target prompt used.
    public var patchscopePrompt: String
    /// Wall-clock seconds per step ("lens", "patchscope", "knockout").
    public var timings: [String: Double]

    enum CodingKeys: String, CodingKey {
        case query = "text", e1, e2, e3, ids, pieces, t1, t2, e1Positions = "e1_positions", e2Token = "e2_token"
        case answer, embedding, layers, knockoutHalfWindow = "knockout_half_window", stages
        case patchscopePrompt = "patchscope_prompt", timings
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
        try c.encode(stages, forKey: .stages)
        try c.encode(patchscopePrompt, forKey: .patchscopePrompt)
        try c.encode(timings, forKey: .timings)
    }
}

/// Runs every per-layer method on one query: logit lens at t1 and t2, sublayer projections at t2,
/// Patchscope at t1 (ℓt = ℓs), attention knockout windows, and the stages they imply.
///
/// ```swift
/// let analyzer = try Analyzer(model: model)
/// let token = CancellationToken()
/// let a = try analyzer.run(query, progress: { f, msg in print(f, msg) }, cancel: token)
/// a.stages.firstHop      // earliest layer whose Patchscope at t1 names e2
/// ```
public final class Analyzer: @unchecked Sendable {
    public struct Options: Sendable {
        public var topK = 5
        public var knockoutHalfWindow = 3
        public var maxTokens = 10
        public var patchscopePrompt = Patchscope.defaultTargetPrompt
        public var criteria = Stages.Criteria()
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
        self.model = model
        self.options = options
        patchscope = try Patchscope(model: model, targetPrompt: options.patchscopePrompt, maxTokens: options.maxTokens)
    }

    /// Analyses `query` (its composition prompt, e1, e2, e3 and aliases); progress fractions rise to 1.
    ///
    /// `partial` receives the analysis as it fills in (lens and projections first, then Patchscope, then
    /// knockout; missing parts are nil and stages are computed from what is there) so a screen can draw
    /// early; the returned value is the complete one.
    public func run(_ query: TwoHopQuery, progress: ProgressHandler? = nil, cancel: CancellationToken? = nil,
                    partial: (@Sendable (QueryAnalysis) -> Void)? = nil) throws(AnalysisError) -> QueryAnalysis {
        if query.e2.trimmingCharacters(in: .whitespaces).isEmpty { throw .emptyEntity("e2") }
        if query.e3.trimmingCharacters(in: .whitespaces).isEmpty { throw .emptyEntity("e3") }
        let L = model.config.layers
        var timings: [String: Double] = [:]
        var clock = ContinuousClock.now
        func lap(_ name: String) {
            let now = ContinuousClock.now
            let d = now - clock
            timings[name] = Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
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
        let lens = try LogitLens.compute(model: model, activations: acts, topK: options.topK, track: tracks, cancel: cancel)
        let sub = try SublayerProjection.compute(model: model, activations: acts, position: t2, topK: options.topK,
                                                 tokens: [e2, e3], cancel: cancel)
        lap("lens")
        partial?(assemble(query, tokens, e2, e3, lens, sub, [], nil, timings))

        var cells: [PatchscopeCell] = []
        if options.patchscope {
            progress?(0.1, "Patchscope at t1")
            cells = try patchscope.run(source: acts, position: t1, cells: (0..<L).map { ($0, $0) },
                                       entities: [query.e1Answer, query.e2Answer, query.e3Answer],
                                       progress: ProgressSlice(handler: progress, lo: 0.1, hi: 0.55).asHandler, cancel: cancel)
            lap("patchscope")
            partial?(assemble(query, tokens, e2, e3, lens, sub, cells, nil, timings))
        }

        progress?(0.55, "attention knockout")
        let knock = try Knockout.run(model: model, tokens: tokens, answerToken: e3, answer: query.e3Answer,
                                     halfWindow: options.knockoutHalfWindow,
                                     centers: options.knockout ? nil : [], maxTokens: options.maxTokens,
                                     progress: ProgressSlice(handler: progress, lo: 0.55, hi: 0.98).asHandler, cancel: cancel)
        lap("knockout")

        progress?(1, "done")
        return assemble(query, tokens, e2, e3, lens, sub, cells, knock, timings)
    }

    /// Patchscope cells (ℓs, ℓt) on demand (e.g. the full grid), with the source state at t1 or t2 of the query.
    public func patchscopeCells(_ query: TwoHopQuery, cells: [(source: Int, target: Int)], atT2: Bool = false,
                                progress: ProgressHandler? = nil, cancel: CancellationToken? = nil) throws(AnalysisError) -> [PatchscopeCell] {
        let tokens = try QueryTokens(model: model, query: query.query, e1: query.e1)
        let acts = try Activations(model: model, ids: tokens.ids, sublayers: false)
        return try patchscope.run(source: acts, position: atT2 ? tokens.t2 : tokens.t1, cells: cells,
                                  entities: [query.e1Answer, query.e2Answer, query.e3Answer], progress: progress, cancel: cancel)
    }

    /// The analysis from whatever has been computed (`cells` may be empty, `knock` nil).
    private func assemble(_ query: TwoHopQuery, _ tokens: QueryTokens, _ e2: Int32, _ e3: Int32, _ lens: LogitLens,
                          _ sub: SublayerProjection, _ cells: [PatchscopeCell], _ knock: Knockout.Report?,
                          _ timings: [String: Double]) -> QueryAnalysis {
        let L = model.config.layers, t1 = tokens.t1, t2 = tokens.t2
        let e2T1 = lens.tracked[0], e3T2 = lens.tracked[1], e2T2 = lens.tracked[2]
        func reading(_ r: SublayerProjection.Reading) -> QueryAnalysis.SublayerReading {
            .init(top: r.top, e2Rank: r.tracked[0].rank, e3Rank: r.tracked[1].rank)
        }
        let layers = (0..<L).map { l in
            QueryAnalysis.Layer(
                layer: l, lensT1: lens.layers[l][t1], lensT2: lens.layers[l][t2],
                e2RankT1: e2T1.layers[l].rank, e2ProbT1: e2T1.layers[l].prob,
                e3RankT2: e3T2.layers[l].rank, e3ProbT2: e3T2.layers[l].prob, e2RankT2: e2T2.layers[l].rank,
                attentionT2: reading(sub.attention[l]), mlpT2: reading(sub.mlp[l]),
                patchscopeT1: cells.first { $0.source == l },
                knockout: knock?.windows.first { $0.layer == l })
        }
        let stages = Stages.compute(
            patchscopeT1: cells.map(\.decoded), e2RankT1: e2T1.layers.map(\.rank),
            e2RankAttentionT2: sub.attention.map { $0.tracked[0].rank },
            knockout: knock.flatMap { $0.windows.isEmpty ? nil : $0 }, e3RankT2: e3T2.layers.map(\.rank),
            criteria: options.criteria)
        let base = knock?.baseline
        return QueryAnalysis(
            query: query, ids: tokens.ids, pieces: tokens.pieces, t1: t1, t2: t2, e1Positions: Array(tokens.e1Positions),
            e2Token: e2,
            answer: .init(generation: base?.generation ?? "", correct: base?.correct ?? false, e3Token: e3,
                          e3Piece: model.piece(e3), e3Prob: e3T2.layers[L - 1].prob, e3Rank: e3T2.layers[L - 1].rank),
            embeddingT1: lens.embedding[t1], embeddingT2: lens.embedding[t2], layers: layers,
            knockoutHalfWindow: options.knockoutHalfWindow, stages: stages,
            patchscopePrompt: options.patchscopePrompt, timings: timings)
    }
}

import Foundation
