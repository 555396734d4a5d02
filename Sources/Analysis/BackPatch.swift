import Model

/// Which prompt position a back-patch writes to: the last token of e1 (t1) or the last token (t2).
public enum PatchPosition: String, Codable, Sendable, CaseIterable {
    case t1, t2
}

/// How a back-patch cell is judged.
public enum BackPatchMetric: String, Codable, Sendable, CaseIterable {
    /// The paper's criterion: 10 greedy tokens contain e3's label or an alias.
    case generation
    /// The fast metric: e3's first token is the top-1 next token at the patched last position.
    case firstToken = "first-token"
}

/// One back-patch: h(source, p) written over block `target`'s output at p, then 10 greedy tokens.
public struct BackPatchCell: Codable, Sendable, Equatable {
    public var position: PatchPosition
    public var source: Int
    public var target: Int
    /// The greedy continuation (empty under the first-token metric).
    public var generation: String
    public var correct: Bool
    /// Probability of e3's first token at the last prompt position of the patched run.
    public var answerProb: Float
    /// Its rank there (1 = top).
    public var answerRank: Int
    /// True when generation stopped as soon as the text named e3 (with more text after it): the cell
    /// succeeds whatever the remaining tokens are, and `generation` is the text up to there.
    public var stoppedOnceCorrect: Bool = false

    public init(position: PatchPosition, source: Int, target: Int, generation: String, correct: Bool,
                answerProb: Float, answerRank: Int, stoppedOnceCorrect: Bool = false) {
        self.position = position
        self.source = source
        self.target = target
        self.generation = generation
        self.correct = correct
        self.answerProb = answerProb
        self.answerRank = answerRank
        self.stoppedOnceCorrect = stoppedOnceCorrect
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        position = try c.decode(PatchPosition.self, forKey: .position)
        source = try c.decode(Int.self, forKey: .source)
        target = try c.decode(Int.self, forKey: .target)
        generation = try c.decode(String.self, forKey: .generation)
        correct = try c.decode(Bool.self, forKey: .correct)
        answerProb = try c.decode(Float.self, forKey: .answerProb)
        answerRank = try c.decode(Int.self, forKey: .answerRank)
        stoppedOnceCorrect = try c.decodeIfPresent(Bool.self, forKey: .stoppedOnceCorrect) ?? false
    }

    enum CodingKeys: String, CodingKey {
        case position, source, target, generation, correct
        case answerProb = "answer_prob", answerRank = "answer_rank", stoppedOnceCorrect = "stopped_once_correct"
    }
}

/// All ℓs > ℓt cells of one position.
public struct BackPatchGrid: Codable, Sendable, Equatable {
    public var position: PatchPosition
    public var layers: Int
    public var metric: BackPatchMetric
    public var cells: [BackPatchCell]
    /// True when at least one cell succeeds.
    public var fixed: Bool

    /// Every (source, target) pair with source > target, in the order the grid reports them.
    public static func pairs(layers: Int) -> [(source: Int, target: Int)] {
        var out: [(Int, Int)] = []
        for s in 1..<max(layers, 1) { for t in 0..<s { out.append((s, t)) } }
        return out
    }
}

/// What a back-patch needs to know of the query: the prompt, the patch positions, the answer.
public struct BackPatchProblem: Sendable {
    /// Prompt token ids (the composition prompt).
    public var ids: [Int32]
    public var t1: Int
    public var t2: Int
    /// e3's first token as a continuation of the prompt (DESIGN §6).
    public var answerToken: Int32
    /// e3's label and aliases: a generation naming one succeeds (the paper's criterion).
    public var answer: AnswerMatcher
    /// Tokens generated per cell under the generation metric.
    public var generationTokens: Int = 10

    public init(ids: [Int32], t1: Int, t2: Int, answerToken: Int32, answer: AnswerMatcher, generationTokens: Int = 10) {
        self.ids = ids
        self.t1 = t1
        self.t2 = t2
        self.answerToken = answerToken
        self.answer = answer
        self.generationTokens = generationTokens
    }

    /// The problem of a composition query: t1/t2 located in its tokens, e3's first token as a continuation.
    public init(model: LanguageModel, query: String, e1: String, e3: AnswerMatcher, generationTokens: Int = 10) throws(AnalysisError) {
        let tokens = try QueryTokens(model: model, query: query, e1: e1)
        self.init(ids: tokens.ids, t1: tokens.t1, t2: tokens.t2,
                  answerToken: try answerFirstToken(e3.label, after: query, model: model), answer: e3,
                  generationTokens: generationTokens)
    }

    public func index(of position: PatchPosition) -> Int { position == .t1 ? t1 : t2 }

    /// The paper's success criterion on a generation.
    public func isCorrect(_ generation: String) -> Bool { answer.matches(generation) }
}

/// Probability and rank (1 = top) of `token` under softmax(`logits`): one vectorized pass for the
/// maximum and the rank, one for Σ e^(x − max) (a grid scores 435 × 49,152 logits per step).
func probabilityAndRank(_ logits: ArraySlice<Float>, token: Int32) -> (prob: Float, rank: Int) {
    logits.withUnsafeBufferPointer { softmaxStanding($0, token: Int(token)) }
}
