import Model

/// Attention knockout (DESIGN §2, the paper's `knockout_attention.py` with source "last", target "e1"):
/// block the attention edge from t2 to t1 (the last token of e1) — or, as a variant, to every e1
/// token — for all heads, in a window of layers [ℓ − k, ℓ + k] ∩ [0, L), during the prompt pass only,
/// and see what the model answers.
///
/// A window **matters** (`changed`) when its generation differs from the unblocked one, except that a
/// correct answer that stays correct does not count (the paper's `classify_by_vanilla`).
///
/// Only the query t2 is affected, so positions before t2 are computed once and shared; the windows run
/// t2 with their blocked edges in one batch (each forking from the unblocked run below its window),
/// then all windows generate together with no further blocking, sharing the blocks below lo + 1.
public enum Knockout {
    /// Which keys t2 may no longer attend to.
    public enum Keys: String, Codable, Sendable, CaseIterable {
        /// t1 alone, the last token of e1 (the paper's).
        case t1
        /// Every token of e1 (a variant).
        case e1
    }

    /// The outcome of one run (a window, or the unblocked baseline).
    public struct Outcome: Codable, Sendable, Equatable {
        /// Window centre ℓ; nil for the unblocked baseline.
        public var layer: Int?
        /// Blocked layers [lo, hi]; nil for the baseline.
        public var window: [Int]?
        /// Ten greedy tokens after the prompt.
        public var generation: String
        /// Whether the generation names e3 (label or alias longer than one character).
        public var correct: Bool
        /// Probability and rank of e3's first token at t2.
        public var answerProb: Float
        public var answerRank: Int
        /// The model's top next token at t2.
        public var topId: Int32
        public var topPiece: String
        /// The knockout matters: the generation changed, and not from correct to correct. Nil for the baseline.
        public var changed: Bool?

        public init(layer: Int?, window: [Int]?, generation: String, correct: Bool, answerProb: Float, answerRank: Int,
                    topId: Int32, topPiece: String, changed: Bool? = nil) {
            self.changed = changed
            self.layer = layer
            self.window = window
            self.generation = generation
            self.correct = correct
            self.answerProb = answerProb
            self.answerRank = answerRank
            self.topId = topId
            self.topPiece = topPiece
        }

        enum CodingKeys: String, CodingKey {
            case layer, window, generation, correct
            case answerProb = "answer_prob", answerRank = "answer_rank", topId = "top_id", topPiece = "top_piece"
            case changed
        }
    }

    /// Baseline and one outcome per window centre.
    public struct Report: Codable, Sendable, Equatable {
        public var halfWindow: Int
        public var keys: Keys
        public var baseline: Outcome
        public var windows: [Outcome]

        public init(halfWindow: Int, keys: Keys = .t1, baseline: Outcome, windows: [Outcome]) {
            self.halfWindow = halfWindow
            self.keys = keys
            self.baseline = baseline
            self.windows = windows
        }

        enum CodingKeys: String, CodingKey { case halfWindow = "half_window", keys, baseline, windows }
    }

    /// Whether `outcome` differs from `baseline` in the paper's sense: the generation changed, and not
    /// from a correct answer to a correct one (generations compared as the paper decodes them: trimmed).
    public static func matters(_ outcome: Outcome, baseline: Outcome) -> Bool {
        !((baseline.correct && outcome.correct)
          || Patchscope.normalized(outcome.generation) == Patchscope.normalized(baseline.generation))
    }

    /// The layers of the window centred at `layer`: [ℓ − k, ℓ + k] clipped to [0, L).
    public static func window(center layer: Int, halfWindow k: Int, layers L: Int) -> ClosedRange<Int> {
        max(0, layer - k)...min(L - 1, layer + k)
    }

    /// Blocked edges t2 → each key, for every layer of the window centred at `layer`.
    public static func blockedEdges(query t2: Int, keys: ClosedRange<Int>, center layer: Int, halfWindow k: Int,
                                    layers L: Int) -> [Int: Set<AttentionEdge>] {
        let edges = Set(keys.map { AttentionEdge(query: t2, key: $0) })
        var out: [Int: Set<AttentionEdge>] = [:]
        for l in window(center: layer, halfWindow: k, layers: L) { out[l] = edges }
        return out
    }

    /// Runs the baseline and a window centred at each of `centers` (default: every layer).
    public static func run(model: LanguageModel, tokens: QueryTokens, answerToken: Int32, answer: AnswerMatcher,
                           halfWindow k: Int = 3, keys: Keys = .t1, centers: [Int]? = nil, maxTokens: Int = 10,
                           groupSize: Int? = nil, progress: ProgressHandler? = nil, cancel: CancellationToken? = nil,
                           finished: ((Report) -> Void)? = nil) throws(AnalysisError) -> Report {
        let L = model.config.layers, t2 = tokens.t2
        let centers = centers ?? Array(0..<L)
        guard k >= 0 else { throw .badOption("knockout half-window must be ≥ 0, got \(k)") }
        if let bad = centers.first(where: { !(0..<L).contains($0) }) {
            throw .badOption("knockout layer \(bad) is outside 0..<\(L)")
        }
        guard tokens.t1 < t2 else {
            throw .badOption("e1 ends at the last prompt token (t1 = t2 = \(t2)); knockout needs e1 before t2")
        }
        try model.check(tokens.ids, extra: maxTokens)
        let ids = tokens.ids
        let base = model.makeCache(capacity: t2)
        if t2 > 0 {
            _ = model.transformer.forward(rows: (0..<t2).map { BatchRow(position: $0) }, input: .tokens(Array(ids[0..<t2])),
                                          caches: [base], logits: .none)
        }
        // t2 for the baseline (nil) and every window in one forward. Below a window's first layer lo
        // nothing differs from the baseline, so its row forks from the baseline's at lo (`BatchRow.parent`:
        // the baseline's residual entering block lo and its lower keys and values); each window's
        // edges are blocked in its own sequence only.
        let runs: [Int?] = [nil] + centers.map { Optional($0) }
        let blockedKeys = keys == .t1 ? tokens.t1...tokens.t1 : tokens.e1Positions
        let lows = runs.map { $0.map { window(center: $0, halfWindow: k, layers: L).lowerBound } ?? 0 }
        let caches = runs.map { _ in KVCache(sharing: base, length: t2, capacity: maxTokens + 1) }
        var hooks = Hooks()
        for (seq, center) in runs.enumerated() {
            guard let center else { continue }
            for (l, edges) in blockedEdges(query: t2, keys: blockedKeys, center: center, halfWindow: k, layers: L) {
                hooks.blockedEdges[l, default: []].formUnion(edges.map { AttentionEdge(query: $0.query, key: $0.key, sequence: seq) })
            }
        }
        // Rows sorted by start layer; the baseline (row 0) enters at the embedding and comes first.
        let order = runs.indices.sorted { (lows[$0], $0) < (lows[$1], $1) }
        let rows = order.map { seq in
            lows[seq] == 0 ? BatchRow(sequence: seq, position: t2) : BatchRow(sequence: seq, position: t2, startLayer: lows[seq], parent: 0)
        }
        try cancel.check()
        let first = model.transformer.forward(rows: rows, input: .tokens(Array(repeating: ids[t2], count: rows.count)),
                                              caches: caches, hooks: hooks, logits: .all)
        var firstLogits = [[Float]](repeating: [], count: runs.count)
        for (r, seq) in order.enumerated() { firstLogits[seq] = Array(first.logits(r, vocab: model.config.vocabSize)) }
        progress?(0.3, "knockout: t2 for \(centers.count) windows")
        // Blocks ≤ lo of a new token read t2's unblocked keys and values (the baseline's has none blocked).
        let floors = runs.indices.map { runs[$0] == nil ? L : lows[$0] + 1 }

        var generations: [[Int32]] = []
        func outcome(_ i: Int) -> Outcome {
            let dist = Distribution(logits: firstLogits[i])
            let s = dist.standing(of: answerToken)
            let top = Int32(argmax(firstLogits[i]))
            let text = model.decode(generations[i])
            let w = runs[i].map { window(center: $0, halfWindow: k, layers: L) }
            return Outcome(layer: runs[i], window: w.map { [$0.lowerBound, $0.upperBound] }, generation: text,
                           correct: answer.matches(text), answerProb: s.prob, answerRank: s.rank,
                           topId: top, topPiece: model.piece(top))
        }
        func report() -> Report {
            let outcomes = generations.indices.map(outcome)
            let windows = outcomes.dropFirst().map { o -> Outcome in
                var o = o
                o.changed = matters(o, baseline: outcomes[0])
                return o
            }
            return Report(halfWindow: k, keys: keys, baseline: outcomes[0], windows: Array(windows))
        }
        // The generations run together, `groupSize` windows at a time (all by default; a screen that wants
        // rows as they come asks for smaller groups and gets `finished` after each).
        let group = max(1, groupSize ?? runs.count)
        var groupStart = 0
        while groupStart < runs.count {
            let groupEnd = min(runs.count, groupStart + group)
            let g = groupStart..<groupEnd
            generations += try GreedyBatch.continueGreedy(model: model, caches: Array(caches[g]), firstLogits: Array(firstLogits[g]),
                                                          positions: Array(repeating: t2 + 1, count: g.count),
                                                          maxTokens: maxTokens, floors: Array(floors[g]), cancel: cancel)
            groupStart = groupEnd
            progress?(0.3 + 0.7 * Double(groupStart) / Double(runs.count), "knockout \(groupStart - 1)/\(centers.count)")
            if groupStart < runs.count, let finished { finished(report()) }
        }
        progress?(1, "knockout done")
        return report()
    }
}
