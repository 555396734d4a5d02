/// A two-hop query as a user gives it: a prompt and whichever entities they typed (nil = propose one).
///
/// The one-line form, used by the explorer's query line, `:query` and transcripts:
///
/// ```
/// PROMPT                                   a sample's prompt, or every entity proposed
/// PROMPT | e1                              e2 and e3 proposed (the model's answers to the hops)
/// PROMPT | e1 | e2 | e3                    all given; "?" or an empty field = propose it
/// PROMPT | e1 | e2; alias; … | e3; alias   aliases after ";" in an entity field
/// ```
public struct QueryRequest: Sendable, Equatable, Codable {
    public var prompt: String
    public var e1: String?
    public var e2: String?
    public var e3: String?
    public var e1Aliases: [String]
    public var e2Aliases: [String]
    public var e3Aliases: [String]

    public init(prompt: String, e1: String? = nil, e2: String? = nil, e3: String? = nil,
                e1Aliases: [String] = [], e2Aliases: [String] = [], e3Aliases: [String] = []) {
        self.prompt = prompt
        self.e1 = e1.flatMap(Self.given); self.e2 = e2.flatMap(Self.given); self.e3 = e3.flatMap(Self.given)
        self.e1Aliases = e1Aliases; self.e2Aliases = e2Aliases; self.e3Aliases = e3Aliases
    }

    /// nil for a field that asks for a proposal (empty or "?").
    static func given(_ s: String) -> String? {
        let t = s.trimmingCharacters(in: .whitespaces)
        return t.isEmpty || t == "?" ? nil : t
    }

    /// Parses the one-line form (see the type's discussion).
    public init(line: String) throws(AnalysisError) {
        let parts = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let prompt = parts[0]
        guard !prompt.isEmpty else { throw .badQuery("the query is empty") }
        guard parts.count == 1 || parts.count == 2 || parts.count == 4 else {
            throw .badQuery("write a query as  PROMPT  or  PROMPT | e1  or  PROMPT | e1 | e2 | e3  (got \(parts.count - 1) entity fields)")
        }
        func entity(_ i: Int) -> (String?, [String]) {
            guard i < parts.count else { return (nil, []) }
            let names = Self.names(in: parts[i])
            guard let first = names.first else { return (nil, []) }
            return (first, Array(names.dropFirst()))
        }
        let (e1, a1) = entity(1), (e2, a2) = entity(2), (e3, a3) = entity(3)
        self.init(prompt: prompt, e1: e1, e2: e2, e3: e3, e1Aliases: a1, e2Aliases: a2, e3Aliases: a3)
    }

    /// The names of an entity field: "Japan; Nippon" → ["Japan", "Nippon"] (blanks dropped).
    public static func names(in field: String) -> [String] {
        field.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// The one-line form of this request (parses back to an equal request).
    public var line: String {
        func field(_ e: String?, _ aliases: [String]) -> String { ([e ?? "?"] + aliases).joined(separator: "; ") }
        if e1 == nil && e2 == nil && e3 == nil && e1Aliases.isEmpty { return prompt }
        if e2 == nil && e3 == nil && e2Aliases.isEmpty && e3Aliases.isEmpty { return "\(prompt) | \(field(e1, e1Aliases))" }
        return [prompt, field(e1, e1Aliases), field(e2, e2Aliases), field(e3, e3Aliases)].joined(separator: " | ")
    }
}

/// Proposals for the entities of a prompt the user typed, from its wording alone (no model).
///
/// The rule follows the shape of the paper's prompts, "The {r2} of the {r1} of {e1} is": e1 is what
/// follows the last " of " before the final " is"; r1 and r2 are the relations around " of the ".
public enum QueryWording {
    /// e1 of a prompt: "The capital of the country of origin of Skoda is" → "Skoda"; nil when the
    /// prompt has no " of " before a final " is", or nothing between them.
    public static func e1(in prompt: String) -> String? {
        let p = prompt.trimmingCharacters(in: .whitespaces)
        guard let isRange = p.range(of: " is", options: [.backwards, .anchored]) ?? p.range(of: " are", options: [.backwards, .anchored]),
              let ofRange = p[..<isRange.lowerBound].range(of: " of ", options: .backwards) else { return nil }
        let e1 = p[ofRange.upperBound..<isRange.lowerBound].trimmingCharacters(in: .whitespaces)
        return e1.isEmpty ? nil : e1
    }

    /// The relations of a prompt that reads "The {r2} of the {r1} of {e1} is" (nil otherwise), to build
    /// the hop prompts "The {r1} of {e1} is" and "The {r2} of {e2} is".
    public static func relations(prompt: String, e1: String) -> (r1: String, r2: String)? {
        let p = prompt.trimmingCharacters(in: .whitespaces)
        let suffix = " of \(e1) is"
        guard p.hasPrefix("The ") || p.hasPrefix("the "), p.hasSuffix(suffix) else { return nil }
        let middle = p.dropFirst(4).dropLast(suffix.count)
        guard let cut = middle.range(of: " of the ") else { return nil }
        let r2 = String(middle[..<cut.lowerBound]), r1 = String(middle[cut.upperBound...])
        guard !r1.isEmpty, !r2.isEmpty else { return nil }
        return (r1, r2)
    }

    /// The entity a greedy continuation names: up to the first punctuation or line break, without a
    /// leading article (" the Czech Republic. It is" → "Czech Republic"); nil when nothing is left.
    public static func entity(inGeneration g: String) -> String? {
        var a = g.split(whereSeparator: { ".,;:!?()\n\"".contains($0) }).first.map(String.init)?
            .trimmingCharacters(in: .whitespaces) ?? ""
        for article in ["the ", "The ", "a ", "A ", "an ", "An "] where a.hasPrefix(article) { a = String(a.dropFirst(article.count)) }
        a = a.trimmingCharacters(in: .whitespaces)
        return a.isEmpty ? nil : a
    }

    /// What to type when a prompt yields no e1, sized for a form at 80 columns.
    public static let noE1Message = "no entity found: end the prompt with “… of E1 is”, or type e1 below (Tab)"
}
