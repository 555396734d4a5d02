import Foundation
import Model

/// One loaded model and everything a front end asks of it: the explorer, the CLI and the server call
/// this one type, so what one shows the others can print.
///
/// ```swift
/// let s = try AnalysisSession.load(path: nil)               // the default model and the sample queries
/// let r = try s.analyze("The capital of the country of origin of Skoda is")   // entities proposed
/// r.resolved.e2Source                                        // .modelAnswer
/// let c = try s.cell(r.resolved.query.query, position: .t2, source: 20, target: 5)
/// ```
///
/// Threads: every method may be called from any thread. Analyses, single cells and grids each keep
/// their own back-patcher (its own unpatched run and KV cache), so an analysis, a cell and a grid can
/// run at once; two calls of the same kind should not overlap (the explorer runs one of each).
public final class AnalysisSession: @unchecked Sendable {
    public let model: LanguageModel
    public let resolver: QueryResolver
    public let analyzer: Analyzer
    /// Problems met while starting (sample-query lines skipped).
    public let warnings: [String]

    private let lock = NSLock()
    private var patchers: [String: (key: String, patcher: BackPatcher)] = [:]

    public init(model: LanguageModel, samples: [TwoHopQuery] = [], warnings: [String] = [],
                options: Analyzer.Options = .init()) throws(AnalysisError) {
        self.model = model
        resolver = QueryResolver(model: model, samples: samples)
        analyzer = try Analyzer(model: model, options: options)
        self.warnings = warnings
    }

    /// Opens the model at `path` (nil: `$HOPSCOPE_MODEL`, then the default) with the sample queries of
    /// `SampleQueryFiles.folder()`, and starts the one-time weight repacks in the background.
    /// `prepareNow` repacks before returning (the workshop server: ready means fast from the first request).
    public static func load(path: String?, prepareNow: Bool = false) throws -> AnalysisSession {
        let lm = try LanguageModel(path: ModelPaths.resolve(path))
        _ = lm.prepareWeights(inBackground: !prepareNow)   // 7B-class Q4_0/Q8_0/Q3_K/Q4_K/Q5_K/Q6_K: repack while the user types
        var queries: [TwoHopQuery] = [], warnings: [String] = []
        if let folder = SampleQueryFiles.folder() { (queries, warnings) = SampleQueryFiles.load(folder: folder) }
        return try AnalysisSession(model: lm, samples: queries, warnings: warnings)
    }

    /// The model's display name, blocks and width (for headers).
    public var modelName: String { model.name }
    public var layers: Int { model.config.layers }
    public var dim: Int { model.config.dim }
    public var samples: [TwoHopQuery] { resolver.samples }
    /// What `hopscope info` prints about the model (family, shape, rope, vocabulary, types, kernels, memory).
    public var infoLines: [String] { model.summary.lines }

    // MARK: Queries

    /// A one-line query (`QueryRequest`'s form) made complete, entities proposed where missing.
    public func resolve(_ line: String) throws(AnalysisError) -> ResolvedQuery { try resolver.resolve(line: line) }

    // MARK: Analysis

    /// An analysis with what a screen shows around it: the hops' own answers and the layer detail.
    public struct Result: Sendable {
        public var resolved: ResolvedQuery
        public var analysis: QueryAnalysis
        /// The greedy answers to the hop prompts (nil when the query has none).
        public var hop1: (generation: String, correct: Bool)?
        public var hop2: (generation: String, correct: Bool)?
        public var detail: LayerDetail
        /// Seconds per part: the analysis' own ("lens", "patchscope", "knockout", …), "hops", "detail", "total".
        public var timings: [String: Double]
    }

    /// What the layer detail shows beyond a row, indexed embedding first, then block 0 … L−1.
    public struct LayerDetail: Codable, Sendable, Equatable {
        /// Top-20 lens tokens per row and position.
        public var lens: [[[TokenScore]]] = []
        /// Mean-over-heads attention from t2 to each position 0…t2 per row (empty for the embedding).
        public var attentionT2: [[Float]] = []
        public init() {}
    }

    /// Resolves and analyses a one-line query: lens, projections, Patchscopes, knockout, stages, then
    /// the hops and the layer detail. `partial` receives the analysis as it fills in (lens first);
    /// progress fractions rise to 1.
    /// `detail: false` leaves the layer detail empty (the CLI prints none).
    public func analyze(_ line: String, detail wantDetail: Bool = true, progress: ProgressHandler? = nil, cancel: CancellationToken? = nil,
                        partial: (@Sendable (ResolvedQuery, QueryAnalysis) -> Void)? = nil) throws(AnalysisError) -> Result {
        progress?(0, "resolving the query")
        return try analyze(resolved: try resolve(line), detail: wantDetail, progress: progress, cancel: cancel, partial: partial)
    }

    /// The same for a query already resolved (`resolve(_:)`).
    public func analyze(resolved: ResolvedQuery, detail wantDetail: Bool = true, progress: ProgressHandler? = nil,
                        cancel: CancellationToken? = nil,
                        partial: (@Sendable (ResolvedQuery, QueryAnalysis) -> Void)? = nil) throws(AnalysisError) -> Result {
        let start = ContinuousClock.now
        let q = resolved.query
        let a = try analyzer.run(q, progress: ProgressSlice(handler: progress, lo: 0, hi: 0.9).asHandler, cancel: cancel,
                                 partial: partial.map { p in { p(resolved, $0) } })
        var timings = a.timings
        var clock = ContinuousClock.now
        func lap(_ name: String) {
            let now = ContinuousClock.now
            timings[name] = Self.seconds(now - clock)
            clock = now
        }
        progress?(0.9, "first and second hop")
        try cancel.check()
        // Both hops generate together (one weight pass per token for the two).
        let g = try Evaluation.generate(model: model, prompts: [q.hop1, q.hop2], cancel: cancel)
        let hop1: (String, Bool)? = q.hop1.isEmpty ? nil : (g[0], q.e2Answer.matches(g[0]))
        let hop2: (String, Bool)? = q.hop2.isEmpty ? nil : (g[1], q.e3Answer.matches(g[1]))
        lap("hops")
        var detail = LayerDetail()
        if wantDetail {
            progress?(0.95, "layer detail")
            try cancel.check()
            detail = try layerDetail(ids: a.ids, t2: a.t2)
            lap("detail")
        }
        timings["total"] = Self.seconds(ContinuousClock.now - start)
        progress?(1, "done")
        var analysis = a
        analysis.timings = timings
        return Result(resolved: resolved, analysis: analysis, hop1: hop1, hop2: hop2, detail: detail, timings: timings)
    }

    /// Top-20 lens tokens at every layer × position and t2's attention at every layer.
    public func layerDetail(ids: [Int32], t2: Int, cancel: CancellationToken? = nil) throws(AnalysisError) -> LayerDetail {
        let L = model.config.layers
        // One pass records both the residual stream and the attention.
        try cancel.check()
        let acts = try Activations(model: model, ids: ids, sublayers: false, attention: true)
        let lens = try LogitLens.compute(model: model, activations: acts, topK: 20, cancel: cancel)
        var d = LayerDetail()
        d.lens = [lens.embedding] + lens.layers
        d.attentionT2 = [[]] + (0..<L).map { acts.result.attention[$0]?[t2] ?? [] }
        return d
    }

    /// A duration in seconds, for the timings every analysis reports.
    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    // MARK: Back-patching

    /// Which back-patcher a request uses: single cells and grids keep their own, so both can run at once.
    public enum Purpose: String, Sendable { case cell, grid }

    /// The back-patcher for a query (made once per query and purpose).
    public func patcher(_ line: String, for purpose: Purpose) throws(AnalysisError) -> BackPatcher {
        let q = try resolve(line).query
        let key = ([q.query, q.e1, q.e3] + q.e3Aliases).joined(separator: "\u{1}")
        lock.lock()
        let cached = patchers[purpose.rawValue]
        lock.unlock()
        if let c = cached, c.key == key { return c.patcher }
        let p: BackPatcher
        do {
            let problem = try BackPatchProblem(model: model, query: q.query, e1: q.e1, e3: q.e3Answer)
            p = try BackPatcher(model: model, problem: problem)
        } catch let e as AnalysisError { throw e } catch { throw .badQuery("\(error)") }
        lock.lock(); patchers[purpose.rawValue] = (key, p); lock.unlock()
        return p
    }

    /// One back-patch cell: h(source, position) written into block `target`'s output, then 10 greedy tokens.
    /// Returns the cell and p(e3's first token) without patching.
    public func cell(_ line: String, position: PatchPosition, source: Int, target: Int,
                     metric: BackPatchMetric = .generation,
                     cancel: CancellationToken? = nil) throws(AnalysisError) -> (cell: BackPatchCell, baseProb: Float) {
        let p = try patcher(line, for: .cell)
        do { return (try p.cell(position, source: source, target: target, metric: metric, cancel: cancel), p.baseAnswer.prob) }
        catch let e as AnalysisError { throw e } catch { throw .badQuery("\(error)") }
    }

    /// The whole ℓs > ℓt grid, `onCells` called after each batch; stops (throwing `.cancelled`) when
    /// `cancel` is set. Returns p(e3's first token) without patching.
    @discardableResult
    public func grid(_ line: String, position: PatchPosition, metric: BackPatchMetric, batchSize: Int? = nil,
                     cancel: CancellationToken? = nil, onCells: @escaping ([BackPatchCell]) -> Void) throws(AnalysisError) -> Float {
        let p = try patcher(line, for: .grid)
        do {
            _ = try p.grid(position, metric: metric, batchSize: batchSize, cancel: cancel) { cells, _, _ in onCells(cells) }
        } catch let e as AnalysisError { throw e } catch { throw .badQuery("\(error)") }
        return p.baseAnswer.prob
    }
}
