import Foundation

/// When a query's reasoning steps happen: the paper's four stages (DESIGN §2, its `analyze_results.py`
/// `plot_stage_boxplots`), each the earliest layer, or nil (never within the model).
///
/// 1. `firstHop` — *first hop resolved*: earliest source layer ℓs whose Patchscopes from t1 decode e2.
/// 2. `infoPropagation` — *information propagation*: the mean, ignoring missing ones, of three earliest
///    layers (`infoPropagationParts`): a knockout of t2 → t1 that matters, the attention output at t2
///    ranking e2 first, Patchscopes from t2 decoding e2. A number, possibly fractional; nil only when
///    all three are missing.
/// 3. `secondHop` — *second hop resolved*: earliest ℓs whose Patchscopes from t2 decode e3.
/// 4. `predictionExtracted` — *prediction extracted*: earliest ℓ whose MLP output at t2 ranks the
///    model's own final prediction (its top next token at t2) first.
///
/// "Patchscopes from ℓs decode X" pools every target layer and sample run (`PatchscopePooled.decodedAny`).
public struct Stages: Codable, Sendable, Equatable {
    /// The three earliest layers that information propagation averages.
    public struct Parts: Codable, Sendable, Equatable {
        public var knockout: Int?
        public var attention: Int?
        public var patchscope: Int?

        public init(knockout: Int? = nil, attention: Int? = nil, patchscope: Int? = nil) {
            self.knockout = knockout
            self.attention = attention
            self.patchscope = patchscope
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(knockout, forKey: .knockout)
            try c.encode(attention, forKey: .attention)
            try c.encode(patchscope, forKey: .patchscope)
        }

        /// The mean of the parts present (numpy's `nanmean`), nil when none is.
        public var mean: Double? {
            let present = [knockout, attention, patchscope].compactMap { $0 }
            return present.isEmpty ? nil : Double(present.reduce(0, +)) / Double(present.count)
        }
    }

    public var firstHop: Int?
    public var infoPropagation: Double?
    public var infoPropagationParts: Parts
    public var secondHop: Int?
    public var predictionExtracted: Int?

    enum CodingKeys: String, CodingKey {
        case firstHop = "first_hop", infoPropagation = "info_propagation", infoPropagationParts = "info_propagation_parts"
        case secondHop = "second_hop", predictionExtracted = "prediction_extracted"
    }

    /// The four stages in the paper's order, by their JSON names.
    public static let names = ["first_hop", "info_propagation", "second_hop", "prediction_extracted"]

    public init(firstHop: Int? = nil, infoPropagationParts: Parts = Parts(), secondHop: Int? = nil, predictionExtracted: Int? = nil) {
        self.firstHop = firstHop
        self.infoPropagationParts = infoPropagationParts
        infoPropagation = infoPropagationParts.mean
        self.secondHop = secondHop
        self.predictionExtracted = predictionExtracted
    }

    /// Decodes the current format only: rows of an older hopscope (which had other definitions under
    /// some of the same names) fail here, and `SweepRow` marks them instead of mixing them in.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let parts = try c.decode(Parts.self, forKey: .infoPropagationParts)
        self.init(firstHop: try c.decodeIfPresent(Int.self, forKey: .firstHop), infoPropagationParts: parts,
                  secondHop: try c.decodeIfPresent(Int.self, forKey: .secondHop),
                  predictionExtracted: try c.decodeIfPresent(Int.self, forKey: .predictionExtracted))
    }

    /// Every key is present; a stage that never happens is `null`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(firstHop, forKey: .firstHop)
        try c.encode(infoPropagation, forKey: .infoPropagation)
        try c.encode(infoPropagationParts, forKey: .infoPropagationParts)
        try c.encode(secondHop, forKey: .secondHop)
        try c.encode(predictionExtracted, forKey: .predictionExtracted)
    }

    /// A stage's layer by its JSON name (the parts as "info_propagation_knockout" etc.).
    public func value(_ name: String) -> Double? {
        switch name {
        case "first_hop": return firstHop.map(Double.init)
        case "info_propagation": return infoPropagation
        case "info_propagation_knockout": return infoPropagationParts.knockout.map(Double.init)
        case "info_propagation_attention": return infoPropagationParts.attention.map(Double.init)
        case "info_propagation_patchscope": return infoPropagationParts.patchscope.map(Double.init)
        case "second_hop": return secondHop.map(Double.init)
        case "prediction_extracted": return predictionExtracted.map(Double.init)
        default: return nil
        }
    }

    /// Stages from per-layer measurements (each array indexed by layer ℓ; nil entries and empty arrays
    /// = not measured). Ranks are 0-based (0 = top).
    ///
    /// - Parameters:
    ///   - patchscopeT1, patchscopeT2: what Patchscopes from t1 / t2 at source layer ℓ decoded.
    ///   - attentionE2RankT2: best rank of e2's name tokens in block ℓ's attention output at t2.
    ///   - mlpPredictionRankT2: rank of the model's prediction in block ℓ's MLP output at t2.
    ///   - knockoutChanged: per window centre ℓ, whether knocking out t2 → t1 there matters.
    public static func compute(patchscopeT1: [PatchscopePooled?], patchscopeT2: [PatchscopePooled?],
                               attentionE2RankT2: [Int?], mlpPredictionRankT2: [Int?],
                               knockoutChanged: [Bool?]) -> Stages {
        func earliest(_ readings: [PatchscopePooled?], _ e: DecodedEntity) -> Int? {
            readings.firstIndex { $0?.decodes(e) == true }
        }
        let parts = Parts(knockout: knockoutChanged.firstIndex { $0 == true },
                          attention: attentionE2RankT2.firstIndex { $0 == 0 },
                          patchscope: earliest(patchscopeT2, .e2))
        return Stages(firstHop: earliest(patchscopeT1, .e2), infoPropagationParts: parts,
                      secondHop: earliest(patchscopeT2, .e3), predictionExtracted: mlpPredictionRankT2.firstIndex { $0 == 0 })
    }
}
