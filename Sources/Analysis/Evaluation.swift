import Model

/// Hop, composition and shortcut correctness of one query: greedy generations of each prompt
/// (DESIGN §3 `evaluate` rows).
public struct Evaluation: Codable, Sendable, Equatable {
    public var id: String
    public var hop1Correct: Bool
    public var hop2Correct: Bool
    public var compositionCorrect: Bool
    public var shortcutEntityCorrect: Bool
    public var shortcutRelationCorrect: Bool
    public var compositionGeneration: String
    /// Every prompt's generation, by field name ("hop1", "hop2", "query", "shortcut_entity", "shortcut_relation").
    public var generations: [String: String]

    enum CodingKeys: String, CodingKey {
        case id
        case hop1Correct = "hop1_correct", hop2Correct = "hop2_correct", compositionCorrect = "composition_correct"
        case shortcutEntityCorrect = "shortcut_entity_correct", shortcutRelationCorrect = "shortcut_relation_correct"
        case compositionGeneration = "composition_generation", generations
    }

    /// Greedy `maxTokens` tokens for each prompt; hop1 is judged against e2, every other prompt against e3.
    public static func run(model: LanguageModel, query q: TwoHopQuery, maxTokens: Int = 10,
                           progress: ProgressHandler? = nil, cancel: CancellationToken? = nil) throws(AnalysisError) -> Evaluation {
        let prompts: [(String, String, AnswerMatcher)] = [
            ("hop1", q.hop1, q.e2Answer), ("hop2", q.hop2, q.e3Answer), ("query", q.query, q.e3Answer),
            ("shortcut_entity", q.shortcutEntity, q.e3Answer), ("shortcut_relation", q.shortcutRelation, q.e3Answer),
        ]
        let texts = try generate(model: model, prompts: prompts.map(\.1), maxTokens: maxTokens, cancel: cancel) { i in
            progress?(Double(i + 1) / Double(prompts.count + 1), "evaluate \(prompts[i].0)")
        }
        var correct: [String: Bool] = [:]
        var generations: [String: String] = [:]
        for ((name, _, matcher), text) in zip(prompts, texts) {
            generations[name] = text
            correct[name] = matcher.matches(text)
        }
        progress?(1, "evaluate")
        return Evaluation(id: q.id, hop1Correct: correct["hop1"]!, hop2Correct: correct["hop2"]!,
                          compositionCorrect: correct["query"]!, shortcutEntityCorrect: correct["shortcut_entity"]!,
                          shortcutRelationCorrect: correct["shortcut_relation"]!,
                          compositionGeneration: generations["query"]!, generations: generations)
    }

    /// Greedy text after each of `prompts` (an empty prompt generates nothing): each prompt's pass on
    /// its own, then the continuations as one batch (one weight pass per token for all of them; each
    /// row computes exactly what it would alone). `prompted` is called after each prompt's pass.
    public static func generate(model: LanguageModel, prompts: [String], maxTokens: Int = 10,
                                cancel: CancellationToken? = nil,
                                prompted: ((Int) -> Void)? = nil) throws(AnalysisError) -> [String] {
        var caches: [KVCache] = [], firsts: [[Float]] = [], positions: [Int] = [], used: [Int] = []
        for (i, prompt) in prompts.enumerated() where !prompt.isEmpty && maxTokens > 0 {
            try cancel.check()
            let ids = model.encode(prompt)
            do {
                try model.checkTokens(ids, extra: maxTokens)
                let (result, cache) = try model.run(ids)
                caches.append(cache); firsts.append(result.logits); positions.append(ids.count); used.append(i)
            } catch { throw .model(error) }
            prompted?(i)
        }
        let continuations = try GreedyBatch.continueGreedy(model: model, caches: caches, firstLogits: firsts, positions: positions,
                                                           maxTokens: maxTokens, cancel: cancel)
        return prompts.indices.map { i in used.firstIndex(of: i).map { model.decode(continuations[$0]) } ?? "" }
    }

    /// Greedy text after `prompt` (an empty prompt, e.g. a missing hop, generates nothing).
    public static func generate(model: LanguageModel, prompt: String, maxTokens: Int = 10,
                                cancel: CancellationToken? = nil) throws(AnalysisError) -> String {
        guard !prompt.isEmpty else { return "" }
        let ids = model.encode(prompt)
        let out: [Int32]
        do {
            out = try model.generate(ids, maxTokens: maxTokens, beforeStep: cancel.map { c in { (try? c.check()) != nil } })
        } catch { throw .model(error) }
        try cancel.check()
        return model.decode(out)
    }
}
