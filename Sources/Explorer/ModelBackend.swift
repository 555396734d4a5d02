// The explorer on a real model: Analysis results mapped onto the view models.
import Analysis
import Foundation
import Model

/// An `ExplorerBackend` that runs the Analysis module on a loaded GGUF model.
///
/// Queries are resolved by Analysis' `QueryResolver`: a prompt from the sample files brings all its
/// fields (entities, aliases, hop prompts); for any other prompt e1 is proposed from its wording and
/// e2 / e3 are the model's own answers to the two hop prompts, unless given in the one-line form
/// `PROMPT | e1 | e2 | e3` (e.g. `The capital of the country of origin of Sony is | Sony | Japan | Tokyo`).
///
/// Threads: the app analyses and back-patches on one queue and computes grids on another. The forward
/// pass is reentrant as long as two calls never share a KV cache, so the grid gets its own
/// `BackPatcher` (its own unpatched run and cache) and the two queues never touch the same mutable state;
/// the caches here are guarded by a lock.
public final class ModelBackend: ExplorerBackend, @unchecked Sendable {
    public let languageModel: LanguageModel
    public let model: ModelSummary
    private let analyzer: Analyzer
    private let resolver: QueryResolver
    private var samples: [TwoHopQuery] { resolver.samples }
    /// Warnings from reading the sample files (shown on the status line at start).
    public let warnings: [String]

    private let lock = NSLock()
    /// One patcher per queue, for the last (prompt, e3) each used.
    private var cellPatcher: (key: String, patcher: BackPatcher)?
    private var gridPatcher: (key: String, patcher: BackPatcher)?

    /// Cells per grid batch: small enough that the grid fills in steadily, large enough to batch well.
    public var gridBatchSize = 64

    public init(model: LanguageModel, samples: [TwoHopQuery] = [], warnings: [String] = []) throws {
        languageModel = model
        self.model = ModelSummary(name: model.name, layers: model.config.layers, dim: model.config.dim)
        analyzer = try Analyzer(model: model)
        resolver = QueryResolver(model: model, samples: samples)
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

    /// The full query for a line of the query editor or the form (`QueryRequest`'s one-line form),
    /// resolved by Analysis' `QueryResolver`: samples, typed entities, proposals.
    public func resolve(_ text: String) throws -> TwoHopQuery {
        do { return try resolver.resolve(line: text).query } catch { throw BackendError(Self.describe(error)) }
    }

    /// The entities the form proposes for a line: the sample's, e1 from the prompt, e2 and e3 as the
    /// model's answers to the hop prompts.
    public func propose(_ line: String) throws -> QueryProposal {
        do { return QueryProposal(try resolver.resolve(line: line)) } catch { throw BackendError(Self.describe(error)) }
    }

    // MARK: Analysis

    public func analyze(query: String) throws -> AnalysisViewModel {
        try analyze(query: query, cancellation: Cancellation(), progress: { _, _ in }, partial: { _ in })
    }

    public func analyze(query text: String, cancellation: Cancellation, progress: @escaping @Sendable (Double, String) -> Void,
                        partial: @escaping @Sendable (AnalysisViewModel) -> Void) throws -> AnalysisViewModel {
        let resolved: ResolvedQuery
        do { resolved = try resolver.resolve(line: text) } catch { throw BackendError(Self.describe(error)) }
        let q = resolved.query
        let token = CancellationToken()
        // The explorer's flag is bridged at every progress report (several per phase).
        let report: ProgressHandler = { f, m in
            if cancellation.isCancelled { token.cancel() }
            progress(f * 0.9, m)
        }
        do {
            let notes = (QueryProposal.note(resolved.e2Source), QueryProposal.note(resolved.e3Source))
            @Sendable func annotated(_ a: QueryAnalysis) -> AnalysisViewModel {
                var vm = Self.viewModel(a)
                vm.e2Note = notes.0; vm.e3Note = notes.1
                return vm
            }
            let a = try analyzer.run(q, progress: report, cancel: token, partial: { partial(annotated($0)) })
            var vm = annotated(a)
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

    static func describe(_ e: any Error) -> String {
        if let e = e as? AnalysisError, case .cancelled = e { return "cancelled" }
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
            if let p = l.patchscopeT1 {
                r.patchscope = PatchscopeReading(decoded: EntityKind(rawValue: p.decoded.rawValue) ?? .other, text: p.generation)
            }
            if let k = l.knockout {
                r.knockout = KnockoutEffect(answer: k.topPiece, e3Prob: Double(k.answerProb), e3ProbBase: base)
            }
            if a.stages.firstHop == l.layer { r.stages.append(.firstHop) }
            if a.stages.propagated == l.layer { r.stages.append(.propagated) }
            if a.stages.secondHop == l.layer { r.stages.append(.secondHop) }
            rows.append(r)
        }
        let knockoutDone = a.layers.contains { $0.knockout != nil }
        return AnalysisViewModel(query: a.query.query, e1: a.query.e1, e2: a.query.e2, e3: a.query.e3,
                                 hop1: nil, hop2: nil,
                                 composition: knockoutDone || !a.answer.generation.isEmpty
                                    ? HopResult(generation: a.answer.generation, correct: a.answer.correct) : nil,
                                 tokens: a.pieces, t1: a.t1, t2: a.t2, rows: rows)
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

extension QueryProposal {
    /// The form's fields for a resolved query.
    init(_ r: ResolvedQuery) {
        self.init(prompt: r.query.query, e1: r.query.e1, e2: r.query.e2, e3: r.query.e3,
                  e2Aliases: r.query.e2Aliases, e3Aliases: r.query.e3Aliases,
                  e1Note: Self.note(r.e1Source) ?? "", e2Note: Self.note(r.e2Source) ?? "", e3Note: Self.note(r.e3Source) ?? "")
    }

    /// The mark shown beside a proposed entity; nil for one the user typed.
    static func note(_ s: EntitySource) -> String? {
        switch s {
        case .typed: return nil
        case .sample: return "sample"
        case .prompt: return "from the prompt"
        case .modelAnswer: return "model's answer"
        }
    }
}

extension SampleQuery {
    /// The browser's row for a query of the sample files.
    public init(_ q: TwoHopQuery) {
        self.init(id: q.id, query: q.query, e1: q.e1, e2: q.e2, e3: q.e3)
    }
}

/// A one-line backend error for the status bar.
public struct BackendError: Error, CustomStringConvertible {
    public var description: String
    public init(_ d: String) { description = d }
}
