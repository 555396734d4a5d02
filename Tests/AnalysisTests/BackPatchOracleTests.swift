import Foundation
import Model
import Testing
import TestSupport
@testable import Analysis

/// The fast back-patching path against its oracle: every cell re-run in full, by the definition.
///
/// The fast path reuses the unpatched run's cache for positions before p and layers ≤ ℓt, runs cells
/// together as one batch, and generates for all cells at once. None of that may change a result:
/// generations must be identical and first-token probabilities within 1e-4 relative (+ 1e-7 absolute:
/// the probabilities here are ~5e-4, where an absolute 1e-4 would let a 20 % error pass).
@Suite(.serialized, .enabled(if: Shared.available, "needs the default model (make setup)"))
struct BackPatchOracleTests {
    static let queries: [(query: String, e1: String, e3: AnswerMatcher)] = [
        ("The currency of the country of origin of Toyota is", "Toyota", AnswerMatcher(label: "Japanese yen", aliases: ["yen"])),
        ("The capital of the country of origin of Toyota is", "Toyota", AnswerMatcher(label: "Tokyo")),
        ("The capital of the country of origin of Alibaba is", "Alibaba", AnswerMatcher(label: "Beijing", aliases: ["Peking"])),
    ]

    /// A spread of cells: both corners, adjacent layers, far layers, and a stride through the grid.
    static func sampleCells(layers: Int) -> [(source: Int, target: Int)] {
        let all = BackPatchGrid.pairs(layers: layers)
        var picked = all.enumerated().filter { $0.offset % 37 == 0 }.map(\.element)
        picked += [(1, 0), (layers - 1, 0), (layers - 1, layers - 2), (layers / 2, layers / 2 - 1)]
        return picked
    }

    @Test(arguments: [PatchPosition.t1, .t2], [0, 1, 2])
    func fastCellsEqualFullReruns(position: PatchPosition, queryIndex: Int) throws {
        let model = try #require(Shared.model)
        let q = Self.queries[queryIndex]
        let patcher = try BackPatcher(model: model, problem: BackPatchProblem(model: model, query: q.query, e1: q.e1, e3: q.e3))
        let pairs = Self.sampleCells(layers: model.config.layers)
        for metric in [BackPatchMetric.generation, .firstToken] {
            let fast = try patcher.cells(position, pairs: pairs, metric: metric)
            for (cell, pair) in zip(fast, pairs) {
                let oracle = try patcher.naiveCell(position, source: pair.source, target: pair.target, metric: metric)
                #expect(cell.source == pair.source && cell.target == pair.target)
                #expect(cell.generation == oracle.generation, "\(q.e1) \(position) \(pair): \(cell.generation.debugDescription) vs \(oracle.generation.debugDescription)")
                #expect(cell.correct == oracle.correct)
                #expect(abs(cell.answerProb - oracle.answerProb) <= 1e-4 * oracle.answerProb + 1e-7, "\(q.e1) \(position) \(pair): p \(cell.answerProb) vs \(oracle.answerProb)")
                #expect(cell.answerRank == oracle.answerRank || abs(cell.answerProb - oracle.answerProb) <= 1e-6)
            }
        }
    }

    /// Stopping a cell once its text names e3 decides every cell the same way; a stopped generation is
    /// the start of the full one. (The full-generation path is what `fastCellsEqualFullReruns` checks.)
    @Test func stoppingOnceCorrectDecidesTheSameCells() throws {
        let model = try #require(Shared.model)
        var stopped = 0
        for q in Self.queries {
            let patcher = try BackPatcher(model: model, problem: BackPatchProblem(model: model, query: q.query, e1: q.e1, e3: q.e3))
            for position in PatchPosition.allCases {
                let pairs = Self.sampleCells(layers: model.config.layers)
                let full = try patcher.cells(position, pairs: pairs, metric: .generation, untilDecided: false)
                let early = try patcher.cells(position, pairs: pairs, metric: .generation, untilDecided: true)
                for (a, b) in zip(full, early) {
                    #expect(a.correct == b.correct, "\(q.e1) \(position) (\(a.source), \(a.target))")
                    #expect(!a.stoppedOnceCorrect)
                    if b.stoppedOnceCorrect {
                        stopped += 1
                        #expect(b.correct && a.generation.hasPrefix(b.generation) && b.generation.count < a.generation.count,
                                "\(b.generation.debugDescription) vs \(a.generation.debugDescription)")
                    } else {
                        #expect(a.generation == b.generation)
                    }
                    #expect(a.answerProb == b.answerProb)
                }
            }
        }
        #expect(stopped > 0, "no cell succeeded early: the test exercised nothing")
    }

    /// A cell's result does not depend on which other cells share its batch.
    @Test func gridIsIndependentOfBatching() throws {
        let model = try #require(Shared.model)
        let q = Self.queries[0]
        let patcher = try BackPatcher(model: model, problem: BackPatchProblem(model: model, query: q.query, e1: q.e1, e3: q.e3))
        // The default batch holds the whole SmolLM2 grid (cells share most when together).
        #expect(patcher.defaultBatchSize(.t2, metric: .generation) >= 435 && patcher.defaultBatchSize(.t1, metric: .generation) >= 435)
        let whole = try patcher.grid(.t2, metric: .firstToken, batchSize: 1000)
        let small = try patcher.grid(.t2, metric: .firstToken, batchSize: 7)
        #expect(whole.cells.count == 435 && small.cells.count == 435)
        for (a, b) in zip(whole.cells, small.cells) {
            #expect(a.source == b.source && a.target == b.target)
            #expect(abs(a.answerProb - b.answerProb) <= 1e-4 * b.answerProb + 1e-7)
        }
        // Progress arrives per batch and covers every cell exactly once; cancellation stops the grid.
        var seen = 0
        let token = CancellationToken()
        #expect(throws: AnalysisError.cancelled) {
            _ = try patcher.grid(.t2, metric: .firstToken, batchSize: 50, cancel: token) { done, count, total in
                seen += done.count
                #expect(count == seen && total == 435)
                if count >= 100 { token.cancel() }
            }
        }
        #expect(seen == 100)
    }

    /// The unpatched run is what a patch of a layer onto itself would give: identity patches change nothing.
    @Test func patchingAnUnchangedStateIsANoOp() throws {
        let model = try #require(Shared.model)
        let q = Self.queries[0]
        let problem = try BackPatchProblem(model: model, query: q.query, e1: q.e1, e3: q.e3)
        let patcher = try BackPatcher(model: model, problem: problem)
        // Overwriting block ℓ's output with its own value is the unpatched run.
        let hooks = Hooks(overwrites: [HookSite(.block(5), position: problem.t2): patcher.hidden(layer: 5, position: problem.t2)])
        let patched = try model.nextLogits(problem.ids)
        let (same, _) = try model.run(problem.ids, hooks: hooks)
        #expect(patched == same.logits)
        #expect(patcher.baseLogits == patched)
        #expect(problem.t1 == 8 && problem.t2 == 9)
    }

    @Test func badCellsAreRefused() throws {
        let model = try #require(Shared.model)
        let q = Self.queries[0]
        let patcher = try BackPatcher(model: model, problem: BackPatchProblem(model: model, query: q.query, e1: q.e1, e3: q.e3))
        #expect(throws: AnalysisError.self) { try patcher.cell(.t2, source: 3, target: 3) }
        #expect(throws: AnalysisError.self) { try patcher.cell(.t2, source: 30, target: 3) }
        #expect(throws: AnalysisError.self) { try patcher.cell(.t1, source: 2, target: -1) }
    }
}

/// The same equivalence on the second architecture and tokenizer (SentencePiece, BOS, sliding window).
@Suite(.serialized, .enabled(if: TestModels.available(TestModels.gemma3), "needs the Gemma-3 model (make setup)"))
struct BackPatchOracleGemmaTests {
    @Test func fastCellsEqualFullRerunsOnGemma() throws {
        let model = try LanguageModel(path: TestModels.gemma3)
        let problem = try BackPatchProblem(model: model, query: "The currency of the country of origin of Toyota is", e1: "Toyota",
                                           e3: AnswerMatcher(label: "Japanese yen", aliases: ["yen"]))
        #expect(model.tokenizer.bos == problem.ids[0])
        let patcher = try BackPatcher(model: model, problem: problem)
        let pairs = [(17, 0), (10, 4), (5, 4), (17, 16)]
        for position in PatchPosition.allCases {
            let fast = try patcher.cells(position, pairs: pairs, metric: .generation)
            for (cell, pair) in zip(fast, pairs) {
                let oracle = try patcher.naiveCell(position, source: pair.0, target: pair.1)
                #expect(cell.generation == oracle.generation)
                #expect(abs(cell.answerProb - oracle.answerProb) <= 1e-4 * oracle.answerProb + 1e-7)
            }
        }
    }
}
