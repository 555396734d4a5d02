import Model

/// Attention knockout (DESIGN §2, the paper's `knockout_attention.py` with source "last", target "e1"):
/// block the attention edge from t2 to t1 (the last token of e1) — or, as a variant, to every e1
/// token — for all heads, in a window of layers [ℓ − k, ℓ + k] ∩ [0, L), during the prompt pass only,
/// and see what the model answers.
///
/// A window **matters** (`changed`) when its generation differs from the unblocked one, except that a
/// correct answer that stays correct does not count (the paper's `classify_by_vanilla`).
///
/// Only the query t2 is affected, so positions before t2 are computed once and shared; each window runs
/// t2 with its blocked edges, then all windows generate together with no further blocking.
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
        // Run t2 once per window (nil = baseline); blocked edges are per layer, so windows cannot share a batch.
        // Their generations run together, `groupSize` windows at a time (all by default; a screen that wants
        // rows as they come asks for smaller groups and gets `finished` after each).
        let runs: [Int?] = [nil] + centers.map { Optional($0) }
        var caches: [KVCache] = []
        var firstLogits: [[Float]] = []
        var generations: [[Int32]] = []
        // The baseline runs t2 unblocked and records its block outputs: below a window's first layer lo
        // nothing differs, so a window's row enters at lo with the baseline's residual and keys/values.
        let blocks = Set((0..<L).map { HookPoint.block($0) })
        var baseline: [HookPoint: [Float]] = [:]
        let group = max(1, groupSize ?? runs.count)
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
        var groupStart = 0
        while groupStart < runs.count {
            let groupEnd = min(runs.count, groupStart + group)
            for i in groupStart..<groupEnd {
                let center = runs[i]
                try cancel.check()
                let cache = KVCache(sharing: base, length: t2, capacity: maxTokens + 1)
                var hooks = Hooks()
                var row = BatchRow(position: t2)
                var input = BatchInput.tokens([ids[t2]])
                if let center {
                    let lo = window(center: center, halfWindow: k, layers: L).lowerBound
                    let blocked = keys == .t1 ? tokens.t1...tokens.t1 : tokens.e1Positions
                    hooks.blockedEdges = blockedEdges(query: t2, keys: blocked, center: center, halfWindow: k, layers: L)
                    if lo > 0 {
                        cache.copy(from: caches[0], layers: 0..<lo, positions: t2..<(t2 + 1))
                        row.startLayer = lo
                        input = .residuals(baseline[HookPoint.block(lo - 1)]!)
                    }
                } else {
                    hooks.record = blocks
                }
                let r = model.transformer.forward(rows: [row], input: input, caches: [cache], hooks: hooks, logits: .last)
                if center == nil { baseline = r.recorded }
                caches.append(cache)
                firstLogits.append(r.logits)
                progress?(0.7 * Double(i + 1) / Double(runs.count), "knockout \(i)/\(centers.count)")
            }
            generations += try GreedyBatch.continueGreedy(model: model, caches: Array(caches[groupStart..<groupEnd]),
                                                          firstLogits: Array(firstLogits[groupStart..<groupEnd]),
                                                          positions: Array(repeating: t2 + 1, count: groupEnd - groupStart),
                                                          maxTokens: maxTokens, cancel: cancel)
            groupStart = groupEnd
            if groupStart < runs.count, let finished { finished(report()) }
        }
        progress?(1, "knockout done")
        return report()
    }
}
