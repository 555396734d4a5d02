import Foundation
import Model

/// Which of a query's entities a Patchscope generation describes.
public enum DecodedEntity: String, Codable, Sendable, CaseIterable {
    case e1, e2, e3, other
}

/// One Patchscope cell: h(ℓs, position) of the source prompt written over block ℓt's output at the
/// target prompt's placeholder, then ten greedy tokens.
public struct PatchscopeCell: Codable, Sendable, Equatable {
    public var source: Int
    public var target: Int
    public var generation: String
    public var decoded: DecodedEntity

    public init(source: Int, target: Int, generation: String, decoded: DecodedEntity) {
        self.source = source
        self.target = target
        self.generation = generation
        self.decoded = decoded
    }
}

/// Patchscopes entity decoding (DESIGN §2): what entity does a hidden state stand for?
///
/// The target prompt is a few-shot "entity description" prompt ending in a placeholder `x`; the hidden
/// state replaces block ℓt's output at the placeholder (the last target token) and the model describes
/// it. Positions before the placeholder cannot see the patch, so their cache is computed once and
/// shared; cells run as one batch of sequences.
///
/// ```swift
/// let scope = try Patchscope(model: model)
/// let cells = try scope.run(source: acts, position: tokens.t1, cells: (0..<30).map { ($0, $0) },
///                           entities: [q.e1Answer, q.e2Answer, q.e3Answer])
/// cells[12].generation   // ": Japan is a country in East Asia, …"
/// ```
public final class Patchscope: @unchecked Sendable {
    /// Three well-known entities of different kinds (a country, a person, a company), each
    /// `Name: Name is <description>`, comma-separated, ending in the placeholder `x`.
    public static let defaultTargetPrompt =
        "Italy: Italy is a country in southern Europe, " +
        "Albert Einstein: Albert Einstein is a physicist who developed the theory of relativity, " +
        "Microsoft: Microsoft is an American technology company, x"

    public let model: LanguageModel
    public let targetPrompt: String
    public let targetIds: [Int32]
    /// Position of the placeholder: the last target token.
    public var placeholder: Int { targetIds.count - 1 }
    public let maxTokens: Int
    /// Sequences per batched forward.
    public var batchSize = 32
    /// Keys and values of the target prompt before the placeholder, shared by every cell.
    private let prefix: KVCache

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
    }

    /// Runs `cells` (source layer ℓs, target layer ℓt) with source states h(ℓs, `position`) of `source`.
    public func run(source: Activations, position: Int, cells: [(source: Int, target: Int)],
                    entities: [AnswerMatcher], progress: ProgressHandler? = nil,
                    cancel: CancellationToken? = nil) throws(AnalysisError) -> [PatchscopeCell] {
        let L = model.config.layers
        for c in cells where !(0..<L).contains(c.source) || !(0..<L).contains(c.target) {
            throw .badOption("Patchscope cell (\(c.source), \(c.target)) is outside layers 0..<\(L)")
        }
        guard (0..<source.ids.count).contains(position) else {
            throw .badOption("position \(position) is outside the source prompt's 0..<\(source.ids.count) tokens")
        }
        var out: [PatchscopeCell] = []
        out.reserveCapacity(cells.count)
        var start = 0
        while start < cells.count {
            try cancel.check()
            let chunk = Array(cells[start..<min(cells.count, start + batchSize)])
            let n = targetIds.count, p = n - 1
            let caches = chunk.map { _ in KVCache(sharing: prefix, length: p, capacity: maxTokens + 1) }
            var hooks = Hooks()
            for (i, c) in chunk.enumerated() {
                hooks.overwrites[HookSite(.block(c.target), position: p, sequence: i)] = source.hidden(layer: c.source, position: position)
            }
            let first = model.transformer.forward(rows: chunk.indices.map { BatchRow(sequence: $0, position: p) },
                                                  input: .tokens(Array(repeating: targetIds[p], count: chunk.count)),
                                                  caches: caches, hooks: hooks, logits: .all)
            let generations = try GreedyBatch.continueGreedy(
                model: model, caches: caches, firstLogits: GreedyBatch.rows(first, vocab: model.config.vocabSize),
                positions: Array(repeating: n, count: chunk.count), maxTokens: maxTokens, cancel: cancel)
            for (c, ids) in zip(chunk, generations) {
                let text = model.decode(ids)
                out.append(PatchscopeCell(source: c.source, target: c.target, generation: text,
                                          decoded: Patchscope.decodedEntity(text, entities: entities)))
            }
            start += chunk.count
            progress?(Double(start) / Double(cells.count), "Patchscope \(start)/\(cells.count)")
        }
        return out
    }

    /// The first of `entities` (e1, e2, e3 in that order) named as a described entity in `generation`.
    ///
    /// A candidate a (label or alias longer than one character) counts when the text contains
    /// ": a ", ": a,", ": a.", or "a: ", ignoring case, or ends with ": a" (ten tokens can stop right
    /// after the name). Leading spaces of the generation are kept: it follows the placeholder directly.
    public static func decodedEntity(_ generation: String, entities: [AnswerMatcher]) -> DecodedEntity {
        let kinds: [DecodedEntity] = [.e1, .e2, .e3]
        for (kind, matcher) in zip(kinds, entities) {
            for a in matcher.candidates {
                for pattern in [": \(a) ", ": \(a),", ": \(a).", "\(a): "]
                    where generation.range(of: pattern, options: .caseInsensitive) != nil {
                    return kind
                }
                if generation.range(of: ": \(a)", options: [.caseInsensitive, .backwards, .anchored]) != nil {
                    return kind
                }
            }
        }
        return .other
    }
}
