import Analysis
import Foundation

/// What a server sends: one JSON object per line, `{"id": N, "event": "…", …}` (docs/protocol.md).
///
/// Events answering a request carry its `id`: `progress` and `partial` (analyze), `cells` (grid), then
/// exactly one `result` or `error`. Events without an `id` are the server's own: `view` (a line of a
/// followed presenter), `followers` (to a presenter), `presenter` (a followed presenter left, came back,
/// or started afresh), `closing` (the server ends the connection, with the reason).
public struct WireEvent: Codable, Sendable {
    public var id: Int?
    public var event: String
    // progress
    public var fraction: Double?
    public var message: String?
    // error
    public var error: WireError?
    // hello
    public var version: Int?
    public var server: String?
    public var models: [WireModel]?
    // samples
    public var samples: [TwoHopQuery]?
    // resolve
    public var resolved: WireResolved?
    // analyze (result and partial)
    public var analysis: AnalyzeOutput?
    public var hop1: WireHop?
    public var hop2: WireHop?
    public var detail: AnalysisSession.LayerDetail?
    public var timings: [String: Double]?
    // cell, grid
    public var cell: BackPatchCell?
    public var cells: [BackPatchCell]?
    public var baseProb: Float?
    public var done: Int?
    public var total: Int?
    // followers, view, presenter
    public var count: Int?
    public var name: String?
    public var line: JSONValue?
    public var state: String?

    public init(id: Int?, event: String) { self.id = id; self.event = event }

    enum CodingKeys: String, CodingKey {
        case id, event, fraction, message, error, version = "protocol", server, models, samples, resolved, analysis
        case hop1, hop2, detail, timings, cell, cells, baseProb = "base_prob", done, total, count, name, line, state
    }

    public static func error(_ e: WireError) -> WireEvent {
        var ev = WireEvent(id: e.id, event: "error"); ev.error = e; return ev
    }
}

/// A model the server holds, as `hello` and `models` list it.
public struct WireModel: Codable, Sendable, Equatable {
    public var name: String
    public var displayName: String
    public var layers: Int
    public var dim: Int
    /// `hopscope info`'s lines.
    public var info: [String]
    public init(name: String, displayName: String, layers: Int, dim: Int, info: [String]) {
        self.name = name; self.displayName = displayName; self.layers = layers; self.dim = dim; self.info = info
    }
    enum CodingKeys: String, CodingKey { case name, displayName = "display_name", layers, dim, info }
}

/// A hop prompt's greedy answer and whether it names the entity.
public struct WireHop: Codable, Sendable, Equatable {
    public var generation: String
    public var correct: Bool
    public init(generation: String, correct: Bool) { self.generation = generation; self.correct = correct }
}

/// A resolved query: every field of the query (the sample-file schema) and where each entity came from.
public struct WireResolved: Codable, Sendable, Equatable {
    public var query: TwoHopQuery
    public var e1Source: EntitySource
    public var e2Source: EntitySource
    public var e3Source: EntitySource
    public var notes: [String]
    enum CodingKeys: String, CodingKey { case query, e1Source = "e1_source", e2Source = "e2_source", e3Source = "e3_source", notes }

    public init(_ r: ResolvedQuery) {
        query = r.query; e1Source = r.e1Source; e2Source = r.e2Source; e3Source = r.e3Source; notes = r.notes
    }
    public var resolvedQuery: ResolvedQuery {
        ResolvedQuery(query: query, e1Source: e1Source, e2Source: e2Source, e3Source: e3Source, notes: notes)
    }
}
