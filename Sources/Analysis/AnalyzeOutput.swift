import Foundation

/// The `analyze --json` object: the analysis, plus the entities and where each came from.
///
/// The CLI prints it and the workshop server sends it as an analysis result, so a script reads one
/// shape from either; decoding it gives the analysis and the resolved query back.
public struct AnalyzeOutput: Codable, Sendable {
    public var analysis: QueryAnalysis
    public var resolved: ResolvedQuery

    public init(analysis: QueryAnalysis, resolved: ResolvedQuery) {
        self.analysis = analysis; self.resolved = resolved
    }

    struct Entities: Codable {
        let e1, e2, e3: String
        let e1Source, e2Source, e3Source: EntitySource
        let notes: [String]
        enum CodingKeys: String, CodingKey {
            case e1, e2, e3, notes, e1Source = "e1_source", e2Source = "e2_source", e3Source = "e3_source"
        }
    }
    enum CodingKeys: String, CodingKey { case entities }

    public func encode(to encoder: any Encoder) throws {
        try analysis.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        let q = resolved.query
        try c.encode(Entities(e1: q.e1, e2: q.e2, e3: q.e3, e1Source: resolved.e1Source, e2Source: resolved.e2Source,
                              e3Source: resolved.e3Source, notes: resolved.notes), forKey: .entities)
    }

    public init(from decoder: any Decoder) throws {
        analysis = try QueryAnalysis(from: decoder)
        let e = try decoder.container(keyedBy: CodingKeys.self).decode(Entities.self, forKey: .entities)
        resolved = ResolvedQuery(query: analysis.query, e1Source: e.e1Source, e2Source: e.e2Source, e3Source: e.e3Source, notes: e.notes)
    }
}
