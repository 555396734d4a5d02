import Foundation
import Model

/// Where an entity of a resolved query came from, so front ends can mark proposals as such.
public enum EntitySource: String, Sendable, Codable, Equatable {
    /// Typed by the user.
    case typed
    /// From the sample query with this prompt.
    case sample
    /// From the prompt's wording (`QueryWording.e1(in:)`).
    case prompt
    /// The model's own greedy answer to a hop prompt.
    case modelAnswer = "model_answer"
}

/// A query made complete: the entities, the prompts, and where each entity came from.
public struct ResolvedQuery: Sendable, Equatable {
    public init(query: TwoHopQuery, e1Source: EntitySource, e2Source: EntitySource, e3Source: EntitySource, notes: [String] = []) {
        self.query = query; self.e1Source = e1Source; self.e2Source = e2Source; self.e3Source = e3Source; self.notes = notes
    }
    public var query: TwoHopQuery
    public var e1Source: EntitySource
    public var e2Source: EntitySource
    public var e3Source: EntitySource
    /// The hop prompt and answer each model-proposed entity came from ("The country of origin of Skoda is" → " the Czech Republic").
    public var notes: [String]
}

/// Turns what a user gave (`QueryRequest`) into a complete `TwoHopQuery`: the explorer, the CLI and
/// the server resolve queries through this one type.
///
/// Order of precedence for each entity: typed by the user; the sample query with the same prompt
/// (all its fields, aliases and hop prompts, when the typed entities agree with it); e1 from the
/// prompt's wording; e2 and e3 as the model's greedy answers (10 tokens, `QueryWording.entity`) to the
/// hop prompts "The {r1} of {e1} is" and "The {r2} of {e2} is", which needs a prompt of the form
/// "The {r2} of the {r1} of {e1} is". Anything that cannot be proposed is an error saying what to type.
///
/// Thread-safe: resolved free queries are remembered by request and by prompt (a back-patch or grid
/// request then names the prompt alone; the form's ⏎ after its proposal generates nothing again), under a lock.
public final class QueryResolver: @unchecked Sendable {
    public let model: LanguageModel
    public let samples: [TwoHopQuery]
    private let byPrompt: [String: TwoHopQuery]
    private let lock = NSLock()
    private var remembered: [String: ResolvedQuery] = [:]

    public init(model: LanguageModel, samples: [TwoHopQuery] = []) {
        self.model = model
        self.samples = samples
        var map: [String: TwoHopQuery] = [:]
        for q in samples where map[q.query] == nil { map[q.query] = q }
        byPrompt = map
    }

    /// The sample whose composition prompt is `prompt`, if any.
    public func sample(prompt: String) -> TwoHopQuery? { byPrompt[prompt.trimmingCharacters(in: .whitespaces)] }

    /// Resolves a one-line query (`QueryRequest(line:)`).
    public func resolve(line: String) throws(AnalysisError) -> ResolvedQuery {
        try resolve(QueryRequest(line: line))
    }

    /// Resolves a request, asking the model for e2 / e3 where they were not given.
    public func resolve(_ r: QueryRequest) throws(AnalysisError) -> ResolvedQuery {
        let prompt = r.prompt.trimmingCharacters(in: .whitespaces)
        guard !prompt.isEmpty else { throw .emptyQuery }
        if let s = byPrompt[prompt], (r.e1 ?? s.e1) == s.e1, (r.e2 ?? s.e2) == s.e2, (r.e3 ?? s.e3) == s.e3 {
            var q = s
            q.e1Aliases = Self.union(s.e1Aliases, r.e1Aliases)
            q.e2Aliases = Self.union(s.e2Aliases, r.e2Aliases)
            q.e3Aliases = Self.union(s.e3Aliases, r.e3Aliases)
            return ResolvedQuery(query: q, e1Source: r.e1 == nil ? .sample : .typed, e2Source: r.e2 == nil ? .sample : .typed,
                                 e3Source: r.e3 == nil ? .sample : .typed, notes: [])
        }
        // The same request was resolved before (the form's proposal, then its ⏎), or the prompt alone names
        // a query resolved before (a back-patch or grid request): the same query, no second generation.
        lock.lock()
        let known = remembered[r.line] ?? (r.e1 == nil && r.e2 == nil && r.e3 == nil ? remembered[prompt] : nil)
        lock.unlock()
        if let known { return known }
        let e1Source: EntitySource = r.e1 == nil ? .prompt : .typed
        guard let e1 = r.e1 ?? QueryWording.e1(in: prompt) else { throw .badQuery(QueryWording.noE1Message) }
        var notes: [String] = []
        var e2 = r.e2, e3 = r.e3
        let rel = QueryWording.relations(prompt: prompt, e1: e1)
        if e2 == nil || e3 == nil {
            guard let rel else {
                throw .badQuery("to propose e2 and e3 the prompt must read “The R2 of the R1 of \(e1) is”; otherwise type e2 and e3")
            }
            if e2 == nil {
                let hop = TwoHopQuery.hopPrompt(entity: e1, relation: rel.r1)
                e2 = try answer(hop, notes: &notes)
            }
            if e3 == nil {
                let hop = TwoHopQuery.hopPrompt(entity: e2!, relation: rel.r2)
                e3 = try answer(hop, notes: &notes)
            }
        }
        let q: TwoHopQuery
        if let rel {
            q = TwoHopQuery(e1: e1, r1: rel.r1, e2: e2!, r2: rel.r2, e3: e3!, e1Aliases: r.e1Aliases,
                            e2Aliases: r.e2Aliases, e3Aliases: r.e3Aliases, query: prompt)
        } else {
            q = TwoHopQuery(query: prompt, e1: e1, e2: e2!, e3: e3!, e1Aliases: r.e1Aliases, e2Aliases: r.e2Aliases, e3Aliases: r.e3Aliases)
        }
        let resolved = ResolvedQuery(query: q, e1Source: e1Source, e2Source: r.e2 == nil ? .modelAnswer : .typed,
                                     e3Source: r.e3 == nil ? .modelAnswer : .typed, notes: notes)
        lock.lock(); remembered[prompt] = resolved; remembered[r.line] = resolved; lock.unlock()
        return resolved
    }

    /// The entity the model names after `hop`, noting the generation it came from.
    private func answer(_ hop: String, notes: inout [String]) throws(AnalysisError) -> String {
        let g = try Evaluation.generate(model: model, prompt: hop)
        guard let a = QueryWording.entity(inGeneration: g) else {
            throw .badQuery("the model's answer to “\(hop)” names nothing (“\(g)”): type the entity")
        }
        notes.append("“\(hop)” → “\(g.replacingOccurrences(of: "\n", with: "⏎"))”")
        return a
    }

    static func union(_ a: [String], _ b: [String]) -> [String] { a + b.filter { !a.contains($0) } }
}
