import Foundation
import GGUF
import Model
import Testing
import TestSupport
@testable import Analysis

/// The Analysis methods run unchanged on every family: on a tiny random file of each, the fast
/// back-patching grid equals its oracle (every cell re-run in full), and a whole analysis completes
/// with every layer's row. (Random weights: what the model answers does not matter, only that the
/// methods mean the same thing on each family's hook points.)
@Suite struct FamilyAnalysisTests {
    static let query = TwoHopQuery(id: "toyota-currency", e1: "Toyota", r1: "country of origin", e2: "Japan",
                                   r2: "currency", e3: "yen", e3Aliases: ["JPY"])

    static func model(_ name: String, _ dir: TemporaryDirectory) throws -> LanguageModel {
        let path = dir.path("\(name).gguf")
        try SyntheticModel.familyCase(name)!.write(to: path)
        return try LanguageModel(path: path)
    }

    @Test(arguments: SyntheticModel.familyCases)
    func backPatchGridEqualsOracle(name: String) throws {
        let dir = TemporaryDirectory()
        let model = try Self.model(name, dir)
        let patcher = try BackPatcher(model: model, problem: BackPatchProblem(model: model, query: Self.query.query, e1: "Toyota",
                                                                             e3: AnswerMatcher(label: "yen", aliases: ["JPY"])))
        let pairs = BackPatchGrid.pairs(layers: model.config.layers)
        for position in PatchPosition.allCases {
            for metric in [BackPatchMetric.generation, .firstToken] {
                let fast = try patcher.cells(position, pairs: pairs, metric: metric)
                for (cell, pair) in zip(fast, pairs) {
                    let oracle = try patcher.naiveCell(position, source: pair.source, target: pair.target, metric: metric)
                    #expect(cell.generation == oracle.generation, "\(name) \(position) \(pair): \(cell.generation.debugDescription) vs \(oracle.generation.debugDescription)")
                    #expect(abs(cell.answerProb - oracle.answerProb) <= 1e-4, "\(name) \(position) \(pair): p \(cell.answerProb) vs \(oracle.answerProb)")
                }
            }
        }
    }

    @Test(arguments: SyntheticModel.familyCases)
    func analysisRuns(name: String) throws {
        let dir = TemporaryDirectory()
        let model = try Self.model(name, dir)
        var options = Analyzer.Options()
        options.maxTokens = 4
        let a = try Analyzer(model: model, options: options).run(Self.query)
        #expect(a.layers.count == model.config.layers)
    }
}
