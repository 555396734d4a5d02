import Foundation

/// The paper's summaries of a sweep (`hopscope report`), from the rows of one or more result files.
///
/// Definitions (Biran et al. 2024, §3 and §5):
/// - **hops known**: hop1 and hop2 are each answered correctly on their own.
/// - **shortcut filtering**: of those, queries whose entity shortcut ("The r2 of e1 is") or relation
///   shortcut ("The r2 of the r1 is") already yields e3 are left out — their composition could be
///   answered without the two hops.
/// - **correct / incorrect cases**: the remaining (kept) queries, split by whether the composition's
///   10-token generation contains e3.
/// - **fixed at p**: an incorrect case whose back-patch grid at p has at least one successful
///   (ℓs > ℓt) cell; fractions are over the incorrect cases that have a grid at p.
/// - **success rate of a cell** (ℓs, ℓt): the fraction of those incorrect cases that the cell fixes.
/// - **stage distributions**: per group (correct, incorrect cases), the layer of each of the paper's four
///   stages (and the three parts of information propagation) over the queries where it happened — the
///   statistics of the paper's stage box plot (`plot_stage_boxplots`: NaN-dropped, quartiles, whiskers
///   at the furthest value within 1.5 IQR of the box, as seaborn draws them).
public struct SweepReport: Codable, Sendable, Equatable {
    /// Rows after merging (one per id).
    public var rows: Int
    /// Rows with an `error` (they count only as far as they got).
    public var errors: Int
    /// Ids that appeared in more than one row (identical copies are merged; differing ones are listed).
    public var duplicateIDs: [String]
    public var conflictingIDs: [String]
    /// Model names found in the rows.
    public var models: [String]
    /// Rows with an evaluation.
    public var evaluated: Int
    public var hop1Correct: Int
    public var hop2Correct: Int
    /// hop1 and hop2 both correct.
    public var hopsKnown: Int
    /// Of `hopsKnown`, left out because a shortcut gives e3.
    public var shortcutFiltered: Int
    public var shortcutEntityCorrect: Int
    public var shortcutRelationCorrect: Int
    /// `hopsKnown − shortcutFiltered`.
    public var kept: Int
    public var compositionCorrect: Int
    public var compositionIncorrect: Int
    /// Composition correct over every evaluated row, before any filtering.
    public var compositionCorrectAll: Int
    public var backpatch: [String: PositionSummary]
    /// Incorrect cases fixed at t1 or t2 (among those with both grids).
    public var fixedEither: Int
    public var withBothGrids: Int
    /// Stage layer distributions: group ("correct", "incorrect", "all") → stage → distribution.
    public var stages: [String: [String: StageDistribution]]
    /// Number of layers (from the grids; else 1 + the largest stage layer seen).
    public var layers: Int
    /// The Patchscope settings the rows' stages used (`PatchscopeSettings.description`), one per distinct setting.
    public var patchscopeModes: [String]
    /// Rows whose stages are in an older hopscope's format (other definitions), read as having no stages.
    public var legacyStageRows: Int

    /// Back-patching at one position, over the incorrect cases.
    public struct PositionSummary: Codable, Sendable, Equatable {
        /// Incorrect cases with a grid at this position.
        public var tried: Int
        public var fixed: Int
        /// fixed / tried (nil when nothing was tried).
        public var fraction: Double?
        /// `successes[s][t]`: cases fixed by the cell (ℓs = s, ℓt = t); zero above the diagonal.
        public var successes: [[Int]]
        /// The grids' metric ("generation", "first-token"; several joined by commas if mixed).
        public var metric: String?

        /// successes / tried per cell (nil when ℓs ≤ ℓt or nothing was tried).
        public func rate(source: Int, target: Int) -> Double? {
            guard source > target, tried > 0, source < successes.count, target < successes[source].count else { return nil }
            return Double(successes[source][target]) / Double(tried)
        }
    }

    /// Where one stage happened across a group of queries.
    public struct StageDistribution: Codable, Sendable, Equatable {
        /// Queries with stages computed.
        public var queries: Int
        /// Of those, where the stage never happened.
        public var never: Int
        /// counts[ℓ] = queries whose stage is at layer ℓ.
        public var counts: [Int]
        public var median: Double?
        public var mean: Double?
        public var quartiles: [Double]?
        /// The box plot's whiskers: the smallest and largest values within 1.5 IQR of the quartiles.
        public var whiskers: [Double]?
        /// Values outside the whiskers.
        public var outliers: [Double]?
    }

    /// The stage names, in the order of the reasoning (the four stages, the parts after propagation).
    public static let stageNames = ["first_hop", "info_propagation", "info_propagation_knockout", "info_propagation_attention",
                                    "info_propagation_patchscope", "second_hop", "prediction_extracted"]
    public static let groups = ["correct", "incorrect", "all"]

    enum CodingKeys: String, CodingKey {
        case rows, errors, duplicateIDs = "duplicate_ids", conflictingIDs = "conflicting_ids", models, evaluated
        case hop1Correct = "hop1_correct", hop2Correct = "hop2_correct", hopsKnown = "hops_known"
        case shortcutFiltered = "shortcut_filtered", shortcutEntityCorrect = "shortcut_entity_correct"
        case shortcutRelationCorrect = "shortcut_relation_correct", kept
        case compositionCorrect = "composition_correct", compositionIncorrect = "composition_incorrect"
        case compositionCorrectAll = "composition_correct_all", backpatch, fixedEither = "fixed_either"
        case withBothGrids = "with_both_grids", stages, layers
        case patchscopeModes = "patchscope_modes", legacyStageRows = "legacy_stage_rows"
    }

    /// Rows merged by id: the first row of each id, in input order; ids seen again, and those whose
    /// copies differ.
    public static func merge(_ input: [SweepRow]) -> (rows: [SweepRow], duplicates: [String], conflicts: [String]) {
        var byID: [String: SweepRow] = [:]
        var order: [String] = []
        var duplicates: Set<String> = [], conflicts: Set<String> = []
        for r in input {
            if let seen = byID[r.id] {
                duplicates.insert(r.id)
                if seen != r { conflicts.insert(r.id) }
                continue
            }
            byID[r.id] = r
            order.append(r.id)
        }
        return (order.map { byID[$0]! }, duplicates.sorted(), conflicts.sorted())
    }

    /// Merges rows by id (see `merge`) and summarises them.
    public init(rows input: [SweepRow]) {
        let merged = Self.merge(input)
        let rows = merged.rows
        self.rows = rows.count
        errors = rows.filter { $0.error != nil }.count
        duplicateIDs = merged.duplicates
        conflictingIDs = merged.conflicts
        models = Array(Set(rows.compactMap(\.model))).sorted()
        let evals = rows.compactMap(\.evaluation)
        evaluated = evals.count
        hop1Correct = evals.filter(\.hop1Correct).count
        hop2Correct = evals.filter(\.hop2Correct).count
        compositionCorrectAll = evals.filter(\.compositionCorrect).count
        let known = rows.filter(\.hopsKnown)
        hopsKnown = known.count
        shortcutEntityCorrect = known.filter { $0.evaluation!.shortcutEntityCorrect }.count
        shortcutRelationCorrect = known.filter { $0.evaluation!.shortcutRelationCorrect }.count
        shortcutFiltered = known.filter(\.shortcutCorrect).count
        kept = known.count - shortcutFiltered
        let correct = rows.filter(\.correctCase), incorrect = rows.filter(\.incorrectCase)
        compositionCorrect = correct.count
        compositionIncorrect = incorrect.count

        let gridLayers = rows.compactMap { r in [r.backpatch?.t1?.layers, r.backpatch?.t2?.layers].compactMap { $0 }.max() }.max()
        let stageMax = rows.compactMap(\.stages).flatMap { s in Self.stageNames.compactMap { s.value($0) } }.max()
        let L = gridLayers ?? (stageMax.map { Int($0.rounded(.down)) + 1 } ?? 0)
        layers = L
        patchscopeModes = Array(Set(rows.filter { $0.stages != nil }.map { $0.patchscope?.description ?? "unknown" })).sorted()
        legacyStageRows = rows.filter(\.legacyStages).count

        var bp: [String: PositionSummary] = [:]
        for p in PatchPosition.allCases {
            let grids = incorrect.compactMap { $0.backpatch?[p] }
            var successes = Array(repeating: Array(repeating: 0, count: L), count: L)
            for g in grids {
                for cell in g.cellsCorrect where cell.count == 2 && cell[0] < L && cell[1] < L && cell[0] >= 0 && cell[1] >= 0 {
                    successes[cell[0]][cell[1]] += 1
                }
            }
            let fixed = grids.filter(\.fixed).count
            bp[p.rawValue] = PositionSummary(tried: grids.count, fixed: fixed,
                                             fraction: grids.isEmpty ? nil : Double(fixed) / Double(grids.count),
                                             successes: successes, metric: Set(grids.map(\.metric.rawValue)).sorted().joined(separator: ","))
            if grids.isEmpty { bp[p.rawValue]!.metric = nil }
        }
        backpatch = bp
        let both = incorrect.filter { $0.backpatch?.t1 != nil && $0.backpatch?.t2 != nil }
        withBothGrids = both.count
        fixedEither = both.filter { $0.backpatch!.t1!.fixed || $0.backpatch!.t2!.fixed }.count

        var stages: [String: [String: StageDistribution]] = [:]
        for (group, members) in [("correct", correct), ("incorrect", incorrect), ("all", rows)] {
            let computed = members.compactMap(\.stages)
            var byStage: [String: StageDistribution] = [:]
            for name in Self.stageNames {
                let values = computed.map { $0.value(name) }
                byStage[name] = StageDistribution(values: values, layers: L)
            }
            stages[group] = byStage
        }
        self.stages = stages
    }

    /// One stage's layer by its JSON name.
    public static func stage(_ name: String, of s: Stages) -> Double? { s.value(name) }

    /// Reads rows from JSONL files, naming the file and line of anything that is not a row.
    /// A torn last line (no newline, not JSON — a sweep killed mid-write) is skipped with a warning.
    public static func read(paths: [String], warn: (String) -> Void = { _ in }) throws(AnalysisError) -> [SweepRow] {
        var rows: [SweepRow] = []
        for path in paths {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw .badQuery("\(path): \(FileManager.default.fileExists(atPath: path) ? "cannot be read" : "no such file")")
            }
            let bytes = [UInt8](data)
            var start = 0, line = 0
            while start < bytes.count {
                let end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
                line += 1
                let slice = Data(bytes[start..<end])
                defer { start = end + 1 }
                if slice.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
                do {
                    rows.append(try JSONDecoder().decode(SweepRow.self, from: slice))
                } catch {
                    if end == bytes.count && (try? JSONSerialization.jsonObject(with: slice)) == nil {
                        warn("\(path):\(line): torn last line (a sweep stopped mid-write?) skipped")
                        continue
                    }
                    throw .badQuery("\(path):\(line): not a sweep row: \(QueryFile.describe(error))")
                }
            }
        }
        return rows
    }
}

extension SweepReport.StageDistribution {
    /// The distribution of `values` (nil = never); `counts` bins a fractional layer at its floor.
    public init(values: [Double?], layers: Int) {
        queries = values.count
        never = values.filter { $0 == nil }.count
        let seen = values.compactMap { $0 }.sorted()
        let top = max(layers, Int((seen.last ?? -1).rounded(.down)) + 1)
        var counts = Array(repeating: 0, count: max(top, 0))
        for v in seen where v >= 0 { counts[Int(v.rounded(.down))] += 1 }
        self.counts = counts
        mean = seen.isEmpty ? nil : seen.reduce(0, +) / Double(seen.count)
        median = Self.quantile(seen, 0.5)
        if let q1 = Self.quantile(seen, 0.25), let q3 = Self.quantile(seen, 0.75) {
            quartiles = [q1, q3]
            let reach = 1.5 * (q3 - q1)
            let inside = seen.filter { $0 >= q1 - reach && $0 <= q3 + reach }
            whiskers = [inside.first ?? q1, inside.last ?? q3]
            outliers = seen.filter { $0 < q1 - reach || $0 > q3 + reach }
        } else {
            quartiles = nil
            whiskers = nil
            outliers = nil
        }
    }

    /// Linear-interpolation quantile of sorted values (numpy's default).
    static func quantile(_ sorted: [Double], _ q: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let pos = q * Double(sorted.count - 1)
        let lo = Int(pos.rounded(.down)), hi = Int(pos.rounded(.up))
        return sorted[lo] + (pos - Double(lo)) * (sorted[hi] - sorted[lo])
    }
}
