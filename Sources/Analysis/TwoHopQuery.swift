/// A two-hop query: facts (e1, r1, e2) and (e2, r2, e3) and the five prompts built from them.
///
/// Encodes to one line of `sample-queries/*.jsonl` (DESIGN §4). Prompts missing from a line, or not
/// given to the initializer, are built from the templates below.
///
/// ```swift
/// let q = TwoHopQuery(id: "toyota-currency", e1: "Toyota", r1: "country of origin", e2: "Japan",
///                     r2: "currency", e3: "yen")
/// q.query      // "The currency of the country of origin of Toyota is"
/// q.hop1       // "The country of origin of Toyota is"
/// ```
public struct TwoHopQuery: Codable, Sendable, Equatable {
    public var id: String
    public var e1: String
    public var r1: String
    public var e2: String
    public var r2: String
    public var e3: String
    public var e1Aliases: [String]
    public var e2Aliases: [String]
    public var e3Aliases: [String]
    /// Composition prompt "The {r2} of the {r1} of {e1} is" → e3.
    public var query: String
    /// First hop "The {r1} of {e1} is" → e2.
    public var hop1: String
    /// Second hop "The {r2} of {e2} is" → e3.
    public var hop2: String
    /// Entity shortcut "The {r2} of {e1} is" → e3 (skips r1).
    public var shortcutEntity: String
    /// Relation shortcut "The {r2} of the {r1} is" → e3 (skips e1).
    public var shortcutRelation: String

    // MARK: Templates

    public static func compositionPrompt(e1: String, r1: String, r2: String) -> String { "The \(r2) of the \(r1) of \(e1) is" }
    public static func hopPrompt(entity: String, relation: String) -> String { "The \(relation) of \(entity) is" }
    public static func shortcutRelationPrompt(r1: String, r2: String) -> String { "The \(r2) of the \(r1) is" }

    /// A query from its facts; each prompt not given is built from the templates.
    public init(id: String = "", e1: String, r1: String, e2: String, r2: String, e3: String,
                e1Aliases: [String] = [], e2Aliases: [String] = [], e3Aliases: [String] = [],
                query: String? = nil, hop1: String? = nil, hop2: String? = nil,
                shortcutEntity: String? = nil, shortcutRelation: String? = nil) {
        self.id = id
        self.e1 = e1; self.r1 = r1; self.e2 = e2; self.r2 = r2; self.e3 = e3
        self.e1Aliases = e1Aliases; self.e2Aliases = e2Aliases; self.e3Aliases = e3Aliases
        self.query = query ?? Self.compositionPrompt(e1: e1, r1: r1, r2: r2)
        self.hop1 = hop1 ?? Self.hopPrompt(entity: e1, relation: r1)
        self.hop2 = hop2 ?? Self.hopPrompt(entity: e2, relation: r2)
        self.shortcutEntity = shortcutEntity ?? Self.hopPrompt(entity: e1, relation: r2)
        self.shortcutRelation = shortcutRelation ?? Self.shortcutRelationPrompt(r1: r1, r2: r2)
    }

    /// A query given only as text and entities (the `analyze` command): relations unknown, hop prompts empty.
    public init(query: String, e1: String, e2: String, e3: String, e1Aliases: [String] = [],
                e2Aliases: [String] = [], e3Aliases: [String] = [], id: String = "") {
        self.init(id: id, e1: e1, r1: "", e2: e2, r2: "", e3: e3, e1Aliases: e1Aliases, e2Aliases: e2Aliases,
                  e3Aliases: e3Aliases, query: query, hop1: "", hop2: "", shortcutEntity: "", shortcutRelation: "")
    }

    /// The matcher for e1, e2 or e3 (label and aliases).
    public var e1Answer: AnswerMatcher { AnswerMatcher(label: e1, aliases: e1Aliases) }
    public var e2Answer: AnswerMatcher { AnswerMatcher(label: e2, aliases: e2Aliases) }
    public var e3Answer: AnswerMatcher { AnswerMatcher(label: e3, aliases: e3Aliases) }

    // MARK: Codable (the JSONL schema, snake_case)

    enum CodingKeys: String, CodingKey {
        case id, e1, r1, e2, r2, e3
        case e1Aliases = "e1_aliases", e2Aliases = "e2_aliases", e3Aliases = "e3_aliases"
        case query, hop1, hop2
        case shortcutEntity = "shortcut_entity", shortcutRelation = "shortcut_relation"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func opt(_ k: CodingKeys) throws -> String? { try c.decodeIfPresent(String.self, forKey: k) }
        func list(_ k: CodingKeys) throws -> [String] { try c.decodeIfPresent([String].self, forKey: k) ?? [] }
        self.init(id: try opt(.id) ?? "",
                  e1: try c.decode(String.self, forKey: .e1), r1: try opt(.r1) ?? "",
                  e2: try c.decode(String.self, forKey: .e2), r2: try opt(.r2) ?? "",
                  e3: try c.decode(String.self, forKey: .e3),
                  e1Aliases: try list(.e1Aliases), e2Aliases: try list(.e2Aliases), e3Aliases: try list(.e3Aliases),
                  query: try opt(.query), hop1: try opt(.hop1), hop2: try opt(.hop2),
                  shortcutEntity: try opt(.shortcutEntity), shortcutRelation: try opt(.shortcutRelation))
    }
}
