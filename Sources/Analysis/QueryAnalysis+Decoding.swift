import Foundation

/// Reading an analysis back from its `analyze --json` object (what the workshop server sends).
///
/// The JSON flattens the query to its prompt and entities (`text`, `e1`, `e2`, `e3`); the decoded
/// `query` has those and empty relations, aliases and hop prompts (the `entities` object of the
/// server's result says where each entity came from). Everything else round-trips.
extension QueryAnalysis: Decodable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let text = try c.decode(String.self, forKey: .query)
        query = TwoHopQuery(e1: try c.decode(String.self, forKey: .e1), r1: "", e2: try c.decode(String.self, forKey: .e2), r2: "",
                            e3: try c.decode(String.self, forKey: .e3), query: text, hop1: "", hop2: "")
        ids = try c.decode([Int32].self, forKey: .ids)
        pieces = try c.decode([String].self, forKey: .pieces)
        t1 = try c.decode(Int.self, forKey: .t1)
        t2 = try c.decode(Int.self, forKey: .t2)
        e1Positions = try c.decode([Int].self, forKey: .e1Positions)
        e2Token = try c.decode(Int32.self, forKey: .e2Token)
        answer = try c.decode(Answer.self, forKey: .answer)
        let embedding = try c.decode([String: [TokenScore]].self, forKey: .embedding)
        embeddingT1 = embedding["lens_t1"] ?? []
        embeddingT2 = embedding["lens_t2"] ?? []
        layers = try c.decode([Layer].self, forKey: .layers)
        knockoutHalfWindow = try c.decode(Int.self, forKey: .knockoutHalfWindow)
        knockoutKeys = try c.decode(Knockout.Keys.self, forKey: .knockoutKeys)
        predictionToken = try c.decode(Int32.self, forKey: .predictionToken)
        predictionPiece = try c.decode(String.self, forKey: .predictionPiece)
        stages = try c.decode(Stages.self, forKey: .stages)
        patchscope = try c.decode(PatchscopeSettings.self, forKey: .patchscope)
        timings = try c.decodeIfPresent([String: Double].self, forKey: .timings) ?? [:]
    }
}
