import Foundation
import Model

/// Which of a query's entities a Patchscope generation describes.
public enum DecodedEntity: String, Codable, Sendable, CaseIterable {
    case e1, e2, e3, other
}

/// One Patchscope generation: h(ℓs, position) of the source prompt written over block ℓt's output at the
/// target prompt's placeholder, then ten tokens (greedy, or sample `sample` of a sampled run).
public struct PatchscopeCell: Codable, Sendable, Equatable {
    public var source: Int
    public var target: Int
    /// 0 for greedy; the sample's index (its seed is the run's seed + sample) when sampling.
    public var sample: Int
    public var generation: String
    public var decoded: DecodedEntity

    public init(source: Int, target: Int, sample: Int = 0, generation: String, decoded: DecodedEntity) {
        self.source = source
        self.target = target
        self.sample = sample
        self.generation = generation
        self.decoded = decoded
    }
}

/// Patchscopes entity decoding (DESIGN §2): what entity does a hidden state stand for?
///
/// The target prompt is a few-shot prompt ending in a placeholder `x`; the hidden state replaces block
/// ℓt's output at the placeholder (the last target token) and the model continues. Positions before
/// the placeholder cannot see the patch, so their cache is computed once and shared; blocks 0…ℓt at
/// the placeholder are the unpatched prompt's too, so a cell's placeholder row enters the model at
/// block ℓt + 1 with the source state as its residual (as the back-patch grid's rows do). Cells run
/// as one batch of sequences and generate together; at each new token, cells with the same tokens so
/// far share the blocks below their ℓt + 1 (`GreedyBatch`'s shared blocks: those blocks read only the
/// unpatched prompt's keys and values).
///
/// ```swift
/// let scope = try Patchscope(model: model)
/// let cells = try scope.run(source: acts, position: tokens.t1, cells: (0..<30).map { ($0, $0) },
///                           entities: [q.e1Answer, q.e2Answer, q.e3Answer])
/// cells[12].generation   // ": Japan is a country in East Asia, …"
/// ```
public final class Patchscope: @unchecked Sendable {
    /// Three well-known entities of different kinds (a country, a person, a company), each
    /// `Name: Name is <description>`, comma-separated, ending in the placeholder `x` (the paper's
    /// "description" form).
    public static let defaultTargetPrompt =
        "Italy: Italy is a country in southern Europe, " +
        "Albert Einstein: Albert Einstein is a physicist who developed the theory of relativity, " +
        "Microsoft: Microsoft is an American technology company, x"
    /// The paper's "repeat" form with the same entities: `Name: Name`, comma-separated, then `x`.
    public static let repeatTargetPrompt = "Italy: Italy, Albert Einstein: Albert Einstein, Microsoft: Microsoft, x"
    /// The paper's own description prompt, word for word (`generate_entity_description.py`).
    public static let paperDescriptionPrompt =
        "Syria: Syria is a country in the Middle East, " +
        "Leonardo DiCaprio: Leonardo DiCaprio is an American actor, " +
        "Samsung: Samsung is a South Korean multinational corporation, x"
    /// The paper's own repeat prompt, word for word.
    public static let paperRepeatPrompt = "Syria: Syria, Leonardo DiCaprio: Leonardo DiCaprio, Samsung: Samsung, x"

    /// The named target prompts (`--patchscope-prompt NAME`).
    public static let namedPrompts: [(name: String, prompt: String)] = [
        ("description", defaultTargetPrompt), ("repeat", repeatTargetPrompt),
        ("paper-description", paperDescriptionPrompt), ("paper-repeat", paperRepeatPrompt),
    ]

    /// The name of `prompt` among `namedPrompts`, or "custom".
    public static func promptName(_ prompt: String) -> String {
        namedPrompts.first { $0.prompt == prompt }?.name ?? "custom"
    }

    public let model: LanguageModel
    public let targetPrompt: String
    public let targetIds: [Int32]
    /// Position of the placeholder: the last target token.
    public var placeholder: Int { targetIds.count - 1 }
    public let maxTokens: Int
    /// Sequences per batched forward.
    public var batchSize = 32
    /// How sampled tokens are drawn.
    public var sampler = TopKSampler()
    /// Keys and values of the target prompt before the placeholder, shared by every cell.
    private let prefix: KVCache
    /// Keys and values of the whole unpatched target prompt (a cell copies blocks 0…ℓt at the placeholder).
    private let full: KVCache

    public init(model: LanguageModel, targetPrompt: String = Patchscope.defaultTargetPrompt, maxTokens: Int = 10) throws(AnalysisError) {
        guard targetPrompt.trimmingCharacters(in: .whitespacesAndNewlines).count > 0 else {
            throw .badOption("the Patchscope target prompt is empty")
        }
        guard maxTokens > 0 else { throw .badOption("Patchscope needs at least one generated token, got \(maxTokens)") }
        self.model = model
        self.targetPrompt = targetPrompt
        self.maxTokens = maxTokens
        targetIds = model.encode(targetPrompt)
        try model.check(targetIds, extra: maxTokens)
        prefix = model.makeCache(capacity: targetIds.count)
        if targetIds.count > 1 {
            let head = Array(targetIds.dropLast())
            _ = model.transformer.forward(rows: head.indices.map { BatchRow(position: $0) }, input: .tokens(head),
                                          caches: [prefix], logits: .none)
        }
        let p = targetIds.count - 1
        full = KVCache(sharing: prefix, length: p, capacity: 1)
        _ = model.transformer.forward(rows: [BatchRow(position: p)], input: .tokens([targetIds[p]]), caches: [full], logits: .none)
    }

    /// Runs `cells` (source layer ℓs, target layer ℓt) with source states h(ℓs, `position`) of `source`.
    ///
    /// - `samples` 0: one greedy generation per cell. `samples` N > 0: N sampled generations per cell
    ///   (`sampler`), sample i drawn from a generator seeded by `seed + i` and the cell's coordinates,
    ///   so the result does not depend on batching or on which other cells run.
    /// Results come in the order of `cells`, samples of a cell together.
    ///
    /// `batchSize` overrides the instance's; `finished`, when given, receives every cell done so far
    /// after each batch (a screen fills in layer by layer).
    public func run(source: Activations, position: Int, cells: [(source: Int, target: Int)],
                    entities: [AnswerMatcher], samples: Int = 0, seed: UInt64 = 0, batchSize: Int? = nil,
                    progress: ProgressHandler? = nil, cancel: CancellationToken? = nil,
                    finished: (([PatchscopeCell]) -> Void)? = nil) throws(AnalysisError) -> [PatchscopeCell] {
        let batchSize = max(1, batchSize ?? self.batchSize)
        let L = model.config.layers
        for c in cells where !(0..<L).contains(c.source) || !(0..<L).contains(c.target) {
            throw .badOption("Patchscope cell (\(c.source), \(c.target)) is outside layers 0..<\(L)")
        }
        guard (0..<source.ids.count).contains(position) else {
            throw .badOption("position \(position) is outside the source prompt's 0..<\(source.ids.count) tokens")
        }
        guard samples >= 0 else { throw .badOption("Patchscope samples must be ≥ 0, got \(samples)") }
        // One generation per (cell, sample).
        let perCell = max(samples, 1)
        let jobs = cells.indices.flatMap { c in (0..<perCell).map { (cell: c, sample: $0) } }
        var out = [PatchscopeCell?](repeating: nil, count: jobs.count)
        let n = targetIds.count, p = n - 1
        var start = 0
        while start < jobs.count {
            try cancel.check()
            // Rows enter at ℓt + 1, so a batch's rows go in order of their target layer.
            let chunk = jobs[start..<min(jobs.count, start + batchSize)].enumerated()
                .sorted { (cells[$0.element.cell].target, $0.offset) < (cells[$1.element.cell].target, $1.offset) }
                .map { (index: start + $0.offset, job: $0.element) }
            var residuals: [Float] = []
            residuals.reserveCapacity(chunk.count * model.config.dim)
            var rows: [BatchRow] = []
            var caches: [KVCache] = []
            for (i, item) in chunk.enumerated() {
                let c = cells[item.job.cell]
                let cache = KVCache(sharing: prefix, length: p, capacity: maxTokens + 1)
                cache.copy(from: full, layers: 0..<(c.target + 1), positions: p..<(p + 1))
                caches.append(cache)
                rows.append(BatchRow(sequence: i, position: p, startLayer: c.target + 1))
                residuals += source.hidden(layer: c.source, position: position)
            }
            let first = model.transformer.forward(rows: rows, input: .residuals(residuals), caches: caches, logits: .all)
            var generators = chunk.map { item -> SeededGenerator in
                let c = cells[item.job.cell]
                return SeededGenerator(seed: seed &+ UInt64(item.job.sample), stream: [position, c.source, c.target])
            }
            let sampler = self.sampler
            let choose: ((Int, ArraySlice<Float>) -> Int32)? = samples == 0 ? nil : { i, logits in
                sampler.sample(logits, using: &generators[i])
            }
            let generations = try GreedyBatch.continueGreedy(
                model: model, caches: caches, firstLogits: GreedyBatch.rows(first, vocab: model.config.vocabSize),
                positions: Array(repeating: n, count: chunk.count), maxTokens: maxTokens,
                floors: chunk.map { cells[$0.job.cell].target + 1 }, choose: choose, cancel: cancel)
            for (item, ids) in zip(chunk, generations) {
                let c = cells[item.job.cell]
                let text = model.decode(ids)
                out[item.index] = PatchscopeCell(source: c.source, target: c.target, sample: item.job.sample, generation: text,
                                                 decoded: Patchscope.decodedEntity(text, entities: entities))
            }
            start += chunk.count
            progress?(Double(start) / Double(jobs.count), "Patchscope \(start)/\(jobs.count)")
            finished?(out.compactMap { $0 })
        }
        return out.map { $0! }
    }

    /// A generation as the paper's `decode_generated` leaves it: trimmed, newlines made spaces.
    public static func normalized(_ generation: String) -> String {
        generation.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "\n", with: " ")
    }

    /// The first of `entities` (e1, e2, e3 in that order) named as a described entity in `generation`
    /// (the paper's `classify_entity_row`).
    ///
    /// The generation is trimmed and its newlines made spaces, as the paper's decoding does; a candidate
    /// a (label or alias longer than one character) counts when the text contains ": a ", ": a,",
    /// ": a.", ": a:" or "a: ", ignoring case.
    public static func decodedEntity(_ generation: String, entities: [AnswerMatcher]) -> DecodedEntity {
        let text = normalized(generation)
        let kinds: [DecodedEntity] = [.e1, .e2, .e3]
        for (kind, matcher) in zip(kinds, entities) {
            for a in matcher.candidates {
                for pattern in [": \(a) ", ": \(a),", ": \(a).", ": \(a):", "\(a): "]
                    where text.range(of: pattern, options: .caseInsensitive) != nil {
                    return kind
                }
            }
        }
        return .other
    }
}
