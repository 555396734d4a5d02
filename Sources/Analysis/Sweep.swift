import Foundation
import Model

/// One query of a sweep: its evaluation, its stages and its back-patching grids — one JSONL row
/// (DESIGN §3 sweep rows).
///
/// ```json
/// {"id":"showcase-toyota-currency","model":"SmolLM2-135M-Instruct.Q4_1.gguf",
///  "hop1_correct":true,"hop2_correct":true,"composition_correct":false,
///  "shortcut_entity_correct":false,"shortcut_relation_correct":false,
///  "composition_generation":" the Toyota Corporation.…","generations":{…},
///  "stages":{"first_hop":null,"info_propagation":14.5,"info_propagation_parts":{"knockout":13,…},…},
///  "patchscope":{"layers":"grid","samples":0,"seed":0,"prompt":"description"},
///  "backpatch":{"t1":{"fixed":true,"cells_correct":[[17,4],…],"cells":435,"layers":30,"metric":"generation"},
///               "t2":{…}}}
/// ```
///
/// `stages` is null when stages were not computed; `backpatch` is null when the query was not
/// back-patched (by default only the paper's incorrect cases are: both hops right, both shortcuts
/// wrong, composition wrong). A query that could not be analysed has an `error` and whatever was
/// computed before it. Rows hold no timings, so a sweep's rows are the same however it was sharded
/// or resumed.
public struct SweepRow: Codable, Sendable, Equatable {
    public var id: String
    /// The model file's name (not its path), so merged shards can be checked to come from one model.
    public var model: String?
    /// The five correctness flags and generations (flattened into the row).
    public var evaluation: Evaluation?
    public var stages: Stages?
    /// How the stages' Patchscopes were run (nil when there are no stages).
    public var patchscope: PatchscopeSettings?
    /// The row has stages in an older hopscope's format (other definitions): read as no stages.
    public var legacyStages = false
    public var backpatch: BackPatchSummary?
    /// Why the query could not be (fully) analysed.
    public var error: String?

    public init(id: String, model: String? = nil, evaluation: Evaluation? = nil, stages: Stages? = nil,
                patchscope: PatchscopeSettings? = nil, backpatch: BackPatchSummary? = nil, error: String? = nil) {
        self.id = id
        self.model = model
        self.evaluation = evaluation
        self.stages = stages
        self.patchscope = patchscope
        self.backpatch = backpatch
        self.error = error
    }

    enum CodingKeys: String, CodingKey { case id, model, stages, patchscope, backpatch, error, hop1Correct = "hop1_correct" }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        model = try c.decodeIfPresent(String.self, forKey: .model)
        evaluation = c.contains(.hop1Correct) ? try Evaluation(from: decoder) : nil
        if c.contains(.stages), try !c.decodeNil(forKey: .stages) {
            do { stages = try c.decode(Stages.self, forKey: .stages) } catch { legacyStages = true }
        }
        patchscope = try c.decodeIfPresent(PatchscopeSettings.self, forKey: .patchscope)
        backpatch = try c.decodeIfPresent(BackPatchSummary.self, forKey: .backpatch)
        error = try c.decodeIfPresent(String.self, forKey: .error)
    }

    public func encode(to encoder: any Encoder) throws {
        try evaluation?.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encodeIfPresent(model, forKey: .model)
        try c.encode(stages, forKey: .stages)
        try c.encodeIfPresent(patchscope, forKey: .patchscope)
        try c.encode(backpatch, forKey: .backpatch)
        try c.encodeIfPresent(error, forKey: .error)
    }

    /// The row as one line of JSON (sorted keys, no trailing newline).
    public func jsonLine() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    // MARK: The paper's filtering

    /// Both hops answered correctly on their own.
    public var hopsKnown: Bool { evaluation.map { $0.hop1Correct && $0.hop2Correct } ?? false }
    /// A shortcut prompt ("the r2 of e1", "the r2 of the r1") already gives e3: the composition's
    /// answer could come from it, so the paper leaves the query out.
    public var shortcutCorrect: Bool { evaluation.map { $0.shortcutEntityCorrect || $0.shortcutRelationCorrect } ?? false }
    /// In the paper's analysed set: both hops known, neither shortcut correct.
    public var kept: Bool { hopsKnown && !shortcutCorrect }
    /// A kept query whose composition the model gets wrong: the cases back-patching tries to fix.
    public var incorrectCase: Bool { kept && evaluation?.compositionCorrect == false }
    public var correctCase: Bool { kept && evaluation?.compositionCorrect == true }
}

/// The back-patching outcome of one query at t1 and t2 (either may be missing).
public struct BackPatchSummary: Codable, Sendable, Equatable {
    public var t1: GridSummary?
    public var t2: GridSummary?

    public init(t1: GridSummary? = nil, t2: GridSummary? = nil) {
        self.t1 = t1
        self.t2 = t2
    }

    public subscript(_ p: PatchPosition) -> GridSummary? { p == .t1 ? t1 : t2 }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(t1, forKey: .t1)
        try c.encode(t2, forKey: .t2)
    }
}

/// A back-patch grid reduced to what a sweep keeps: whether it fixed the query, and which cells did.
public struct GridSummary: Codable, Sendable, Equatable {
    /// At least one ℓs > ℓt cell succeeded.
    public var fixed: Bool
    /// The successful cells as [source, target] pairs, in the grid's order.
    public var cellsCorrect: [[Int]]
    /// Cells tried (L(L−1)/2 for a full grid).
    public var cells: Int
    /// Number of layers L.
    public var layers: Int
    public var metric: BackPatchMetric

    public init(fixed: Bool, cellsCorrect: [[Int]], cells: Int, layers: Int, metric: BackPatchMetric) {
        self.fixed = fixed
        self.cellsCorrect = cellsCorrect
        self.cells = cells
        self.layers = layers
        self.metric = metric
    }

    public init(_ grid: BackPatchGrid) {
        self.init(fixed: grid.fixed, cellsCorrect: grid.cells.filter(\.correct).map { [$0.source, $0.target] },
                  cells: grid.cells.count, layers: grid.layers, metric: grid.metric)
    }

    enum CodingKeys: String, CodingKey { case fixed, cellsCorrect = "cells_correct", cells, layers, metric }
}

/// `--shard I/N`: the queries whose ordinal (0-based, among the file's non-blank lines) is I modulo N.
///
/// Deterministic and independent of what is already done, so N array tasks over one file cover
/// every line exactly once, and a task re-run with `--resume` redoes exactly its own lines.
public struct SweepShard: Sendable, Equatable, CustomStringConvertible {
    public let index: Int
    public let count: Int

    public static let whole = SweepShard(uncheckedIndex: 0, count: 1)

    private init(uncheckedIndex: Int, count: Int) {
        self.index = uncheckedIndex
        self.count = count
    }

    public init(index: Int, count: Int) throws(AnalysisError) {
        guard count >= 1 else { throw .badOption("--shard: N must be at least 1, got \(count)") }
        guard index >= 0 && index < count else {
            throw .badOption("--shard: I must be in 0..<\(count) (0-based), got \(index)")
        }
        self.init(uncheckedIndex: index, count: count)
    }

    /// Parses "I/N", e.g. "0/4" … "3/4".
    public init(parsing text: String) throws(AnalysisError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0].trimmingCharacters(in: .whitespaces)),
              let n = Int(parts[1].trimmingCharacters(in: .whitespaces)) else {
            throw .badOption("--shard: expected I/N (e.g. 0/4), got '\(text)'")
        }
        try self.init(index: i, count: n)
    }

    public func contains(ordinal: Int) -> Bool { ordinal % count == index }

    public var description: String { "\(index)/\(count)" }
}

/// Runs the per-query pipeline of a sweep: evaluation, stages, back-patch grids.
///
/// ```swift
/// let sweep = try Sweep(model: lm, options: .init())
/// let row = try sweep.run(query, progress: { f, m in … })
/// ```
public final class Sweep: @unchecked Sendable {
    /// Which queries get back-patching grids.
    public enum BackPatchSelection: String, Sendable, CaseIterable {
        /// The paper's incorrect cases (both hops right, both shortcuts wrong, composition wrong).
        case incorrect
        /// Every query.
        case all
        /// None.
        case none
    }

    /// Which queries get stages (Patchscope, knockout, lens, projections).
    public enum StageSelection: String, Sendable, CaseIterable {
        /// Queries whose two hops the model knows: the population the paper analyses (and the only
        /// one whose stages mean something — "first hop resolved" needs a first hop the model knows).
        case known
        /// Every query.
        case all
    }

    public struct Options: Sendable {
        /// Compute stages (Patchscope, knockout, lens, projections): the slower half of a query.
        public var stages = true
        /// For which queries, when `stages`.
        public var stagesFor: StageSelection = .known
        public var backpatch: BackPatchSelection = .incorrect
        public var positions: [PatchPosition] = [.t1, .t2]
        /// `.generation` is the paper's criterion; `.firstToken` is ~10× faster.
        public var metric: BackPatchMetric = .generation
        /// Greedy tokens per generation (evaluation, and back-patch cells under `.generation`).
        public var maxTokens = 10
        /// Cells per back-patch batch (nil: `BackPatcher.defaultBatchSize`).
        public var batchSize: Int?
        /// Stage options; sweeps run the full Patchscope grid by default (the paper's).
        public var analyzer: Analyzer.Options = {
            var a = Analyzer.Options()
            a.patchscopeSettings.layers = .grid
            return a
        }()
        /// Written into every row (the model file's name).
        public var modelName: String?
        public init() {}
    }

    public let model: LanguageModel
    public let options: Options
    private let analyzer: Analyzer?

    public init(model: LanguageModel, options: Options = Options()) throws(AnalysisError) {
        guard options.maxTokens > 0 else { throw .badOption("max tokens must be positive, got \(options.maxTokens)") }
        if let b = options.batchSize, b <= 0 { throw .badOption("batch size must be positive, got \(b)") }
        self.model = model
        self.options = options
        var a = options.analyzer
        a.maxTokens = options.maxTokens
        analyzer = options.stages ? try Analyzer(model: model, options: a) : nil
    }

    /// Relative cost of the parts of a query, for progress fractions.
    private var weights: (eval: Double, stages: Double, grid: Double) {
        let grid = options.metric == .generation ? 6.0 : 1.5
        let patchscopes = options.analyzer.patchscopeSettings.layers == .grid ? 2.0 * Double(model.config.layers) / 10 : 1
        return (0.3, options.stages ? 1.0 + patchscopes * Double(max(1, options.analyzer.patchscopeSettings.samples)) : 0, grid)
    }

    /// The row of one query. Problems with the query (e1 not in its tokens, …) end up in `error`;
    /// only cancellation throws.
    public func run(_ q: TwoHopQuery, progress: ProgressHandler? = nil, cancel: CancellationToken? = nil) throws(AnalysisError) -> SweepRow {
        var row = SweepRow(id: q.id, model: options.modelName)
        let w = weights
        let gridsWanted = options.backpatch == .none ? 0 : options.positions.count
        let total = w.eval + w.stages + w.grid * Double(gridsWanted)
        var done = 0.0
        func slice(_ weight: Double) -> ProgressHandler? {
            ProgressSlice(handler: progress, lo: done / total, hi: min(1, (done + weight) / total)).asHandler
        }
        func fail(_ error: Error, _ what: String) throws(AnalysisError) {
            if let e = error as? AnalysisError, e == .cancelled { throw .cancelled }
            row.error = "\(what): \(error)"
        }

        do {
            row.evaluation = try Evaluation.run(model: model, query: q, maxTokens: options.maxTokens, progress: slice(w.eval), cancel: cancel)
        } catch { try fail(error, "evaluation"); return row }
        done += w.eval

        if let analyzer, options.stagesFor == .all || row.hopsKnown {
            do {
                row.stages = try analyzer.run(q, progress: slice(w.stages), cancel: cancel).stages
                row.patchscope = analyzer.options.patchscope ? analyzer.options.patchscopeSettings : nil
            } catch { try fail(error, "stages"); return row }
            done += w.stages
        }

        let wanted: Bool
        switch options.backpatch {
        case .none: wanted = false
        case .all: wanted = true
        case .incorrect: wanted = row.incorrectCase
        }
        guard wanted, !options.positions.isEmpty else { return row }
        do {
            let problem = try BackPatchProblem(model: model, query: q.query, e1: q.e1, e3: q.e3Answer, generationTokens: options.maxTokens)
            let patcher = try BackPatcher(model: model, problem: problem)
            var summary = BackPatchSummary()
            for position in options.positions {
                let handler = slice(w.grid)
                let grid = try patcher.grid(position, metric: options.metric, batchSize: options.batchSize, cancel: cancel) { _, n, all in
                    handler?(Double(n) / Double(max(all, 1)), "back-patch \(position.rawValue) \(n)/\(all)")
                }
                if position == .t1 { summary.t1 = GridSummary(grid) } else { summary.t2 = GridSummary(grid) }
                done += w.grid
            }
            row.backpatch = summary
        } catch { try fail(error, "back-patching") }
        return row
    }
}
