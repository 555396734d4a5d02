// The explorer on a real model: Analysis results mapped onto the view models.
import Analysis
import Foundation
import Model

/// An `ExplorerBackend` that runs the Analysis module on a loaded GGUF model.
///
/// Queries are resolved by their prompt text: a prompt from the sample files brings all its fields
/// (entities, aliases, hop prompts); any other text must name its entities after `|` separators,
/// `PROMPT | e1 | e2 | e3` (e.g. `The capital of the country of origin of Sony is | Sony | Japan | Tokyo`).
/// With `PROMPT | e1` (or `?` for e2 or e3) and a prompt of the form "The R2 of the R1 of E1 is", the
/// missing entities are the model's own answers to the two hop prompts (`guessEntities`).
///
/// Threads: the app analyses and back-patches on one queue and computes grids on another. The forward
/// pass is reentrant as long as two calls never share a KV cache, so the grid gets its own
/// `BackPatcher` (its own unpatched run and cache) and the two queues never touch the same mutable state;
/// the caches here are guarded by a lock.
public final class ModelBackend: ExplorerBackend, @unchecked Sendable {
    public let languageModel: LanguageModel
    public let model: ModelSummary
    private let analyzer: Analyzer
    private let samples: [TwoHopQuery]
    private let byPrompt: [String: TwoHopQuery]
    /// Warnings from reading the sample files (shown on the status line at start).
    public let warnings: [String]

    private let lock = NSLock()
    /// One patcher per queue, for the last (prompt, e3) each used.
    private var cellPatcher: (key: String, patcher: BackPatcher)?
    private var gridPatcher: (key: String, patcher: BackPatcher)?
    /// Free queries typed with their entities, by prompt.
    private var typedQueries: [String: TwoHopQuery] = [:]

    /// Cells per grid batch: small enough that the grid fills in steadily, large enough to batch well.
    public var gridBatchSize = 64

    public init(model: LanguageModel, samples: [TwoHopQuery] = [], warnings: [String] = []) throws {
        languageModel = model
        self.model = ModelSummary(name: model.name, layers: model.config.layers, dim: model.config.dim)
        analyzer = try Analyzer(model: model)
        self.samples = samples
        var map: [String: TwoHopQuery] = [:]
        for q in samples where map[q.query] == nil { map[q.query] = q }
        byPrompt = map
        self.warnings = warnings
    }

    /// Loads the model at `path` (the `--model` rule: nil = `$HOPSCOPE_MODEL`, then the default) and
    /// the sample queries of `SampleQueryFiles.folder()`.
    public static func load(path: String?) throws -> ModelBackend {
        let lm = try LanguageModel(path: ModelPaths.resolve(path))
        lm.prepareWeights(inBackground: true)   // 7B-class Q4_0/Q4_K/Q6_K: repack while the user types (≈ 2–14 s here)
        var queries: [TwoHopQuery] = [], warnings: [String] = []
        if let folder = SampleQueryFiles.folder() { (queries, warnings) = SampleQueryFiles.load(folder: folder) }
        return try ModelBackend(model: lm, samples: queries, warnings: warnings)
    }

    public func sampleQueries() -> [SampleQuery] { samples.map(SampleQuery.init) }

    // MARK: Queries

    /// The full query for a line of the query editor (see the type's discussion).
    public func resolve(_ text: String) throws -> TwoHopQuery {
        let parts = text.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let prompt = parts[0]
        guard !prompt.isEmpty else { throw BackendError("the query is empty") }
        if parts.count == 1 {
            if let q = byPrompt[prompt] { return q }
            lock.lock(); let typed = typedQueries[prompt]; lock.unlock()
            if let typed { return typed }
            throw BackendError("“\(prompt)” is not a sample query: name its entities as  PROMPT | e1 | e2 | e3")
        }
        guard parts.count == 2 || parts.count == 4, !parts[1].isEmpty else {
            throw BackendError("write a free query as  PROMPT | e1 | e2 | e3  or  PROMPT | e1  (got \(parts.count - 1) entities)")
        }
        if parts.count == 2 || parts[2] == "?" || parts[3] == "?" {
            return try guessEntities(prompt: prompt, e1: parts[1], e2: parts.count == 4 ? parts[2] : "?", e3: parts.count == 4 ? parts[3] : "?")
        }
        // Entities given for a sample prompt keep the sample's aliases and hop prompts when they agree.
        if let q = byPrompt[prompt], q.e1 == parts[1], q.e2 == parts[2], q.e3 == parts[3] { return q }
        let q = TwoHopQuery(query: prompt, e1: parts[1], e2: parts[2], e3: parts[3])
        // Later requests (back-patch, grid, re-analysis) name the prompt alone.
        lock.lock(); typedQueries[prompt] = q; lock.unlock()
        return q
    }

    /// A query whose e2 or e3 is "?": the prompt must follow the template "The {r2} of the {r1} of {e1} is";
    /// the model's own greedy answers to the hop prompts "The {r1} of {e1} is" and "The {r2} of {e2} is"
    /// (up to the first punctuation, without a leading "the") become e2 and e3. The entity line then shows
    /// the hops as correct by construction, so what the screen tests is the composition; retype the
    /// query with other entities to override.
    func guessEntities(prompt: String, e1: String, e2 given2: String, e3 given3: String) throws -> TwoHopQuery {
        let suffix = " of \(e1) is"
        guard prompt.hasPrefix("The "), prompt.hasSuffix(suffix) else {
            throw BackendError("to guess e2/e3 the prompt must read “The R2 of the R1 of \(e1) is”")
        }
        let middle = String(prompt.dropFirst(4).dropLast(suffix.count))
        guard let cut = middle.range(of: " of the ") else {
            throw BackendError("to guess e2/e3 the prompt must read “The R2 of the R1 of \(e1) is”")
        }
        let r2 = String(middle[..<cut.lowerBound]), r1 = String(middle[cut.upperBound...])
        func answer(_ p: String) throws -> String {
            let g = try Evaluation.generate(model: languageModel, prompt: p)
            var a = g.split(whereSeparator: { ".,;\n".contains($0) }).first.map(String.init)?.trimmingCharacters(in: .whitespaces) ?? ""
            for article in ["the ", "The ", "a ", "an "] where a.hasPrefix(article) { a = String(a.dropFirst(article.count)) }
            guard !a.isEmpty else { throw BackendError("the model's answer to “\(p)” names nothing (“\(g)”)") }
            return a
        }
        let e2 = given2 == "?" ? try answer(TwoHopQuery.hopPrompt(entity: e1, relation: r1)) : given2
        let e3 = given3 == "?" ? try answer(TwoHopQuery.hopPrompt(entity: e2, relation: r2)) : given3
        let q = TwoHopQuery(e1: e1, r1: r1, e2: e2, r2: r2, e3: e3, query: prompt)
        lock.lock(); typedQueries[prompt] = q; lock.unlock()
        return q
    }

    // MARK: Analysis

    public func analyze(query: String) throws -> AnalysisViewModel {
        try analyze(query: query, cancellation: Cancellation(), progress: { _, _ in }, partial: { _ in })
    }

    public func analyze(query text: String, cancellation: Cancellation, progress: @escaping @Sendable (Double, String) -> Void,
                        partial: @escaping @Sendable (AnalysisViewModel) -> Void) throws -> AnalysisViewModel {
        let q = try resolve(text)
        let token = CancellationToken()
        // The explorer's flag is bridged at every progress report (several per phase).
        let report: ProgressHandler = { f, m in
            if cancellation.isCancelled { token.cancel() }
            progress(f * 0.9, m)
        }
        do {
            let a = try analyzer.run(q, progress: report, cancel: token, partial: { partial(Self.viewModel($0)) })
            var vm = Self.viewModel(a)
            // The hops, generated like `evaluate` does; a query without hop prompts shows none.
            progress(0.9, "first and second hop")
            try token.check()
            if cancellation.isCancelled { throw AnalysisError.cancelled }
            if !q.hop1.isEmpty {
                let g = try Evaluation.generate(model: languageModel, prompt: q.hop1)
                vm.hop1 = HopResult(generation: g, correct: q.e2Answer.matches(g))
            }
            if cancellation.isCancelled { throw AnalysisError.cancelled }
            if !q.hop2.isEmpty {
                let g = try Evaluation.generate(model: languageModel, prompt: q.hop2)
                vm.hop2 = HopResult(generation: g, correct: q.e3Answer.matches(g))
            }
            progress(0.95, "layer detail")
            vm.detail = try Self.detail(model: languageModel, ids: a.ids, analysis: a)
            progress(1, "done")
            return vm
        } catch let e as AnalysisError {
            throw BackendError(Self.describe(e))
        }
    }

    static func describe(_ e: AnalysisError) -> String {
        if case .cancelled = e { return "cancelled" }
        return "\(e)"
    }

    /// Top-20 lens tokens at every layer × position and t2's attention at every layer (the ⏎ detail).
    static func detail(model: LanguageModel, ids: [Int32], analysis a: QueryAnalysis) throws -> AnalysisDetail {
        let L = model.config.layers
        let lens = try LogitLens.run(model: model, ids: ids, topK: 20)
        let hooks = Hooks(recordAttention: Set(0..<L))
        let (result, _) = try model.run(ids, hooks: hooks)
        func tops(_ s: [TokenScore]) -> [TokenProb] { s.map { TokenProb(piece: $0.piece, prob: Double($0.prob)) } }
        var d = AnalysisDetail()
        d.lens = [lens.embedding.map(tops)] + lens.layers.map { $0.map(tops) }
        // Row t2 of each layer's mean-over-heads attention: weights over positions 0…t2.
        d.attentionT2 = [[]] + (0..<L).map { l in (result.attention[l]?[a.t2] ?? []).map(Double.init) }
        d.attentionOutT2 = [[]] + a.layers.map { tops($0.attentionT2.top) }
        d.mlpOutT2 = [[]] + a.layers.map { tops($0.mlpT2.top) }
        return d
    }

    /// The view model of an analysis (complete or partial): one row for the embedding, one per block.
    public static func viewModel(_ a: QueryAnalysis) -> AnalysisViewModel {
        func top(_ s: [TokenScore]) -> String { s.first?.piece ?? "" }
        var rows = [LayerRow(layer: nil, lensT1: top(a.embeddingT1), lensT2: top(a.embeddingT2))]
        let base = Double(a.answer.e3Prob)
        for l in a.layers {
            var r = LayerRow(layer: l.layer, lensT1: top(l.lensT1), lensT2: top(l.lensT2),
                             e2AtT1: RankProb(rank: l.e2RankT1, prob: Double(l.e2ProbT1)),
                             e3AtT2: RankProb(rank: l.e3RankT2, prob: Double(l.e3ProbT2)))
            // A source layer decodes the entity the stages look for when any of its cells does (e2 from t1;
            // e3, else e2, from t2); the text is the representative (diagonal) generation.
            func reading(_ p: PatchscopePooled?, prefer: [DecodedEntity]) -> PatchscopeReading? {
                guard let p else { return nil }
                let d = prefer.first { p.decodes($0) } ?? p.decoded
                return PatchscopeReading(decoded: EntityKind(rawValue: d.rawValue) ?? .other, text: p.generation)
            }
            r.patchscope = reading(l.patchscopeT1, prefer: [.e2])
            r.patchscopeT2 = reading(l.patchscopeT2, prefer: [.e3, .e2])
            if let k = l.knockout {
                r.knockout = KnockoutEffect(answer: k.topPiece, e3Prob: Double(k.answerProb), e3ProbBase: base)
            }
            if a.stages.firstHop == l.layer { r.stages.append(.firstHop) }
            if let m = a.stages.infoPropagation, Int(m.rounded(.down)) == l.layer { r.stages.append(.propagated) }
            if a.stages.secondHop == l.layer { r.stages.append(.secondHop) }
            if a.stages.predictionExtracted == l.layer { r.stages.append(.predictionExtracted) }
            rows.append(r)
        }
        let knockoutDone = a.layers.contains { $0.knockout != nil }
        var vm = AnalysisViewModel(query: a.query.query, e1: a.query.e1, e2: a.query.e2, e3: a.query.e3,
                                 hop1: nil, hop2: nil,
                                 composition: knockoutDone || !a.answer.generation.isEmpty
                                    ? HopResult(generation: a.answer.generation, correct: a.answer.correct) : nil,
                                 tokens: a.pieces, t1: a.t1, t2: a.t2, rows: rows)
        vm.infoPropagation = a.stages.infoPropagation
        return vm
    }

    // MARK: Back-patching

    private func patcher(for text: String, grid: Bool) throws -> BackPatcher {
        let q = try resolve(text)
        let key = q.query + "\u{1}" + q.e1 + "\u{1}" + q.e3 + "\u{1}" + q.e3Aliases.joined(separator: "\u{1}")
        lock.lock()
        let cached = grid ? gridPatcher : cellPatcher
        lock.unlock()
        if let c = cached, c.key == key { return c.patcher }
        do {
            let problem = try BackPatchProblem(model: languageModel, query: q.query, e1: q.e1, e3: q.e3Answer)
            let p = try BackPatcher(model: languageModel, problem: problem)
            lock.lock()
            if grid { gridPatcher = (key, p) } else { cellPatcher = (key, p) }
            lock.unlock()
            return p
        } catch let e as AnalysisError { throw BackendError(Self.describe(e)) }
    }

    static func result(_ c: BackPatchCell, base: Float) -> BackPatchResult {
        BackPatchResult(position: TokenPosition(rawValue: c.position.rawValue) ?? .t2, source: c.source, target: c.target,
                        // A grid cell stops generating once it names e3 ("…": the rest was not generated).
                        generation: c.stoppedOnceCorrect ? c.generation + "…" : c.generation, correct: c.correct, probBefore: Double(base),
                        probAfter: Double(c.answerProb), rankAfter: c.answerRank)
    }

    public func backPatch(query: String, position: TokenPosition, source: Int, target: Int) throws -> BackPatchResult {
        let p = try patcher(for: query, grid: false)
        do {
            let c = try p.cell(PatchPosition(rawValue: position.rawValue)!, source: source, target: target)
            return Self.result(c, base: p.baseAnswer.prob)
        } catch let e as AnalysisError { throw BackendError(Self.describe(e)) }
    }

    public func grid(_ request: GridRequest, cancellation: Cancellation, progress: @Sendable (BackPatchResult) -> Void) throws {
        let p = try patcher(for: request.query, grid: true)
        let token = CancellationToken()
        let base = p.baseAnswer.prob
        let metric: BackPatchMetric = request.metric == .generation ? .generation : .firstToken
        do {
            try withoutActuallyEscaping(progress) { progress in
                _ = try p.grid(PatchPosition(rawValue: request.position.rawValue)!, metric: metric, batchSize: gridBatchSize,
                               cancel: token) { cells, _, _ in
                    for c in cells { progress(Self.result(c, base: base)) }
                    if cancellation.isCancelled { token.cancel() }
                }
            }
        } catch let e as AnalysisError {
            if case .cancelled = e { return }
            throw BackendError(Self.describe(e))
        }
    }
}

/// A one-line backend error for the status bar.
public struct BackendError: Error, CustomStringConvertible {
    public var description: String
    public init(_ d: String) { description = d }
}
