/// When a query's reasoning steps happen, as layers (DESIGN §2 "Stages"); nil = never within the model.
///
/// - `firstHop`: earliest ℓ whose Patchscope at t1 (ℓt = ℓs = ℓ) decodes e2.
///   `firstHopLens`: earliest ℓ where e2's first token is top-1 in the logit lens at t1 (a cheaper view).
/// - `propagated`: the earlier of
///   `propagatedAttention` — earliest ℓ where e2's first token ranks ≤ `attentionRank` (default 10) in
///   block ℓ's attention output at t2, projected like the lens (e2 arriving at t2 through attention), and
///   `propagatedKnockout` — earliest window centre ℓ whose knockout of t2 → e1 edges in [ℓ−k, ℓ+k]
///   lowers the probability of e3's first token at t2 to at most `1 − knockoutDrop` (default: half) of
///   the unblocked run's.
/// - `secondHop`: earliest ℓ where e3's first token is top-1 in the logit lens at t2.
public struct Stages: Codable, Sendable, Equatable {
    public var firstHop: Int?
    public var firstHopLens: Int?
    public var propagated: Int?
    public var propagatedAttention: Int?
    public var propagatedKnockout: Int?
    public var secondHop: Int?

    /// Thresholds of the definitions above.
    public struct Criteria: Sendable, Equatable {
        /// Rank e2 must reach in an attention-output projection at t2.
        public var attentionRank: Int = 10
        /// Relative drop of e3's first-token probability that makes a knockout window count.
        public var knockoutDrop: Float = 0.5
        public init(attentionRank: Int = 10, knockoutDrop: Float = 0.5) {
            self.attentionRank = attentionRank
            self.knockoutDrop = knockoutDrop
        }
    }

    enum CodingKeys: String, CodingKey {
        case firstHop = "first_hop", firstHopLens = "first_hop_lens", propagated
        case propagatedAttention = "propagated_attention", propagatedKnockout = "propagated_knockout"
        case secondHop = "second_hop"
    }

    /// Every key is present; a stage that never happens is `null`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(firstHop, forKey: .firstHop)
        try c.encode(firstHopLens, forKey: .firstHopLens)
        try c.encode(propagated, forKey: .propagated)
        try c.encode(propagatedAttention, forKey: .propagatedAttention)
        try c.encode(propagatedKnockout, forKey: .propagatedKnockout)
        try c.encode(secondHop, forKey: .secondHop)
    }

    public init(firstHop: Int? = nil, firstHopLens: Int? = nil, propagated: Int? = nil, propagatedAttention: Int? = nil,
                propagatedKnockout: Int? = nil, secondHop: Int? = nil) {
        self.firstHop = firstHop
        self.firstHopLens = firstHopLens
        self.propagated = propagated
        self.propagatedAttention = propagatedAttention
        self.propagatedKnockout = propagatedKnockout
        self.secondHop = secondHop
    }

    /// Stages from per-layer measurements (each array indexed by layer; empty = not measured).
    ///
    /// - Parameters:
    ///   - patchscopeT1: decoded entity of the Patchscope (ℓ, ℓ) at t1, per layer.
    ///   - e2RankT1: lens rank of e2's first token at t1, per layer.
    ///   - e2RankAttentionT2: rank of e2's first token in block ℓ's attention output at t2, per layer.
    ///   - knockout: the knockout report (windows in any order; their `layer` is the centre).
    ///   - e3RankT2: lens rank of e3's first token at t2, per layer.
    public static func compute(patchscopeT1: [DecodedEntity], e2RankT1: [Int], e2RankAttentionT2: [Int],
                               knockout: Knockout.Report?, e3RankT2: [Int], criteria: Criteria = .init()) -> Stages {
        var s = Stages()
        s.firstHop = patchscopeT1.firstIndex(of: .e2)
        s.firstHopLens = e2RankT1.firstIndex(of: 1)
        s.propagatedAttention = e2RankAttentionT2.firstIndex { $0 <= criteria.attentionRank }
        if let k = knockout {
            let limit = k.baseline.answerProb * (1 - criteria.knockoutDrop)
            s.propagatedKnockout = k.windows.filter { $0.answerProb <= limit }.compactMap(\.layer).min()
        }
        s.propagated = [s.propagatedAttention, s.propagatedKnockout].compactMap { $0 }.min()
        s.secondHop = e3RankT2.firstIndex(of: 1)
        return s
    }
}
