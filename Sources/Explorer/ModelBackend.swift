// The explorer on a real model: Analysis results mapped onto the view models.
import Analysis
import Foundation

/// An `ExplorerBackend` over Analysis' `AnalysisSession`: its results mapped onto the view models.
///
/// Queries are resolved by the session (`QueryResolver`): a prompt from the sample files brings all its
/// fields (entities, aliases, hop prompts); for any other prompt e1 is proposed from its wording and
/// e2 / e3 are the model's own answers to the two hop prompts, unless given in the one-line form
/// `PROMPT | e1 | e2 | e3` (e.g. `The capital of the country of origin of Sony is | Sony | Japan | Tokyo`).
///
/// Threads: the app analyses and back-patches on one queue, computes grids on another and proposes on
/// a third; the session keeps a back-patcher (unpatched run and cache) per purpose, so they never share
/// mutable state.
public final class ModelBackend: ExplorerBackend, @unchecked Sendable {
    public let session: AnalysisSession
    public let model: ModelSummary
    /// Warnings from reading the sample files (shown on the status line at start).
    public var warnings: [String] { session.warnings }

    /// Cells per grid batch: small enough that the grid fills in steadily, large enough to batch well.
    public var gridBatchSize = 64

    private let lock = NSLock()
    /// The query line and the analysis `analyze` returned last (its layer detail comes after it).
    private var last: (line: String, analysis: QueryAnalysis)?

    public init(session: AnalysisSession) {
        self.session = session
        model = ModelSummary(name: session.modelName, layers: session.layers, dim: session.dim, info: session.infoLines)
    }

    /// Loads the model at `path` (the `--model` rule: nil = `$HOPSCOPE_MODEL`, then the default) and
    /// the sample queries of `SampleQueryFiles.folder()`.
    public static func load(path: String?) throws -> ModelBackend {
        ModelBackend(session: try AnalysisSession.load(path: path))
    }

    public func sampleQueries() -> [SampleQuery] { session.samples.map(SampleQuery.init) }

    // MARK: Queries

    /// The full query for a line of the query form (`QueryRequest`'s one-line form).
    public func resolve(_ text: String) throws -> TwoHopQuery {
        do { return try session.resolve(text).query } catch { throw BackendError(Self.describe(error)) }
    }

    /// The entities the form proposes for a line: the sample's, e1 from the prompt, e2 and e3 as the
    /// model's answers to the hop prompts.
    public func propose(_ line: String) throws -> QueryProposal {
        do { return QueryProposal(try session.resolve(line)) } catch { throw BackendError(Self.describe(error)) }
    }

    // MARK: Analysis

    /// The analysis with its layer detail, in one call (for callers that wait for everything).
    public func analyze(query: String) throws -> AnalysisViewModel {
        let c = Cancellation()
        var vm = try analyze(query: query, cancellation: c, progress: { _, _ in }, partial: { _ in })
        vm.detail = try layerDetail(query: query, cancellation: c)
        vm.detailPending = nil
        return vm
    }

    public func analyze(query text: String, cancellation: Cancellation, progress: @escaping @Sendable (Double, String) -> Void,
                        partial: @escaping @Sendable (AnalysisViewModel) -> Void) throws -> AnalysisViewModel {
        do {
            // The layer detail (the lens at every position, t2's attention) is left to `layerDetail`, which
            // the explorer calls once the analysis is on screen: on a large vocabulary it is a quarter of
            // the analysis' time, for an overlay that is opened later if at all.
            let r = try session.analyze(text, detail: false, progress: { progress($0, $1) }, cancel: cancellation,
                                        partial: { resolved, a in partial(Self.viewModel(a, resolved)) })
            var vm = Self.viewModel(r.analysis, r.resolved)
            vm.hop1 = r.hop1.map { HopResult(generation: $0.generation, correct: $0.correct) }
            vm.hop2 = r.hop2.map { HopResult(generation: $0.generation, correct: $0.correct) }
            vm.detailPending = true
            lock.lock(); last = (text, r.analysis); lock.unlock()
            return vm
        } catch {
            throw BackendError(Self.describe(error))
        }
    }

    /// The layer detail of the analysis `analyze(query:…)` returned last for `text`.
    public func layerDetail(query text: String, cancellation: Cancellation) throws -> AnalysisDetail? {
        lock.lock(); let l = last; lock.unlock()
        guard let l, l.line == text else { throw BackendError("no analysis of “\(text)” to detail") }
        do { return Self.detail(try session.layerDetail(ids: l.analysis.ids, t2: l.analysis.t2, cancel: cancellation), l.analysis) }
        catch { throw BackendError(Self.describe(error)) }
    }

    static func describe(_ e: any Error) -> String {
        if let e = e as? AnalysisError, case .cancelled = e { return "cancelled" }
        return "\(e)"
    }

    /// The view model of an analysis with the marks of its proposed entities.
    static func viewModel(_ a: QueryAnalysis, _ r: ResolvedQuery) -> AnalysisViewModel {
        var vm = viewModel(a)
        vm.e2Note = QueryProposal.note(r.e2Source)
        vm.e3Note = QueryProposal.note(r.e3Source)
        return vm
    }

    /// The ⏎ detail: the session's lens and attention, the analysis' sublayer readings at t2.
    static func detail(_ d: AnalysisSession.LayerDetail, _ a: QueryAnalysis) -> AnalysisDetail {
        func tops(_ s: [TokenScore]) -> [TokenProb] { s.map { TokenProb(piece: $0.piece, prob: Double($0.prob)) } }
        var out = AnalysisDetail()
        out.lens = d.lens.map { $0.map(tops) }
        out.attentionT2 = d.attentionT2.map { $0.map(Double.init) }
        out.attentionOutT2 = [[]] + a.layers.map { tops($0.attentionT2.top) }
        out.mlpOutT2 = [[]] + a.layers.map { tops($0.mlpT2.top) }
        return out
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
                return PatchscopeReading(decoded: d, text: p.generation)
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

    static func result(_ c: BackPatchCell, base: Float) -> BackPatchResult {
        BackPatchResult(position: c.position, source: c.source, target: c.target,
                        // A grid cell stops generating once it names e3 ("…": the rest was not generated).
                        generation: c.stoppedOnceCorrect ? c.generation + "…" : c.generation, correct: c.correct, probBefore: Double(base),
                        probAfter: Double(c.answerProb), rankAfter: c.answerRank)
    }

    public func backPatch(query: String, position: TokenPosition, source: Int, target: Int) throws -> BackPatchResult {
        do {
            let (c, base) = try session.cell(query, position: position, source: source, target: target)
            return Self.result(c, base: base)
        } catch { throw BackendError(Self.describe(error)) }
    }

    public func grid(_ request: GridRequest, cancellation: Cancellation, progress: @Sendable (BackPatchResult) -> Void) throws {
        let base = try? session.patcher(request.query, for: .grid).baseAnswer.prob
        do {
            try withoutActuallyEscaping(progress) { progress in
                try session.grid(request.query, position: request.position, metric: request.metric,
                                 batchSize: gridBatchSize, cancel: cancellation) { cells in
                    for c in cells { progress(Self.result(c, base: base ?? 0)) }
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
