import Analysis
import Foundation
import Model
import Testing
import TestSupport

/// Tests on the real default model (SmolLM2-135M-Instruct Q4_1); skipped when `make setup` has not run.
@Suite(.enabled(if: Shared.available, "needs the default model (make setup)"))
struct ModelBackedTests {
    let model: LanguageModel
    init() throws { model = try Shared.loaded.get() }

    // MARK: Tokens

    /// SmolLM2's vocabulary has " Toyota" (id 40169; merge "ĠToy ota"), as llama.cpp tokenizes it.
    @Test func toyotaT1IsTheToyotaToken() throws {
        let t = try QueryTokens(model: model, query: Shared.toyota.query, e1: "Toyota")
        #expect(t.ids == [504, 9850, 282, 260, 1798, 282, 5062, 282, 40169, 314])   // llama.cpp's ids
        #expect(t.pieces[t.t1] == " Toyota" && t.e1Positions == 8...8)
        #expect(t.t2 == t.ids.count - 1 && t.pieces[t.t2] == " is")
    }

    @Test func multiTokenEntityEndsOnItsLastPiece() throws {
        let query = "The currency of the country of origin of Xiaomi Redmi is"
        let t = try QueryTokens(model: model, query: query, e1: "Xiaomi Redmi")
        #expect(t.e1Positions.count > 1)
        #expect(t.e1Positions.map { t.pieces[$0] }.joined() == " Xiaomi Redmi")
        #expect(t.t1 == t.t2 - 1)
    }

    @Test func singleTokenEntity() throws {
        let t = try QueryTokens(model: model, query: "The capital of France is", e1: "France")
        #expect(t.pieces[t.t1] == " France" && t.e1Positions.count == 1)
    }

    @Test func tokenErrors() {
        #expect(throws: AnalysisError.entityNotInQuery(entity: "Honda", query: Shared.toyota.query)) {
            try QueryTokens(model: model, query: Shared.toyota.query, e1: "Honda")
        }
        #expect(throws: AnalysisError.emptyQuery) { try QueryTokens(model: model, query: "", e1: "Toyota") }
    }

    @Test func answerFirstTokenKeepsLeadingSpace() throws {
        let id = try answerFirstToken("Paris", after: "The capital of France is", model: model)
        #expect(model.tokenizer.piece(id) == " Paris")
        #expect(throws: AnalysisError.emptyEntity("answer")) { try answerFirstToken(" ", after: "x", model: model) }
    }

    // MARK: Known facts

    @Test func knownFacts() throws {
        let capital = try Evaluation.generate(model: model, prompt: "The capital of France is")
        #expect(capital.hasPrefix(" Paris"))
        let e = try Evaluation.run(model: model, query: Shared.toyota)
        #expect(e.hop1Correct)
        #expect(e.hop2Correct)
        #expect(!e.compositionCorrect)
        #expect(e.compositionGeneration.contains("Toyota"))
        // The five continuations run as one batch; each is what the prompt generates alone.
        let q = Shared.toyota
        for (name, prompt) in [("hop1", q.hop1), ("hop2", q.hop2), ("query", q.query),
                               ("shortcut_entity", q.shortcutEntity), ("shortcut_relation", q.shortcutRelation)] {
            #expect(e.generations[name] == (try Evaluation.generate(model: model, prompt: prompt)), "\(name)")
        }
    }

    // MARK: Logit lens

    @Test func finalLensEqualsModelDistribution() throws {
        let t = try QueryTokens(model: model, query: Shared.toyota.query, e1: "Toyota")
        let acts = try Activations(model: model, ids: t.ids, sublayers: false)
        let L = model.config.layers
        // Same code path: the recorded output of the last block through the model's head is the model's logits.
        let last = acts.hidden(layer: L - 1, position: t.t2)
        let viaLens = model.transformer.unembed(last, count: 1)
        let own = try model.nextLogits(t.ids)
        #expect(viaLens == own)
        // The lens (one batched unembedding over all layers × positions) agrees with the model's own
        // distribution; not bit-for-bit, because sgemm's summation order depends on the row count.
        let lens = try LogitLens.compute(model: model, activations: acts, topK: 5,
                                         track: [.init(position: t.t2, token: Int32(argmax(own)))])
        let dist = Distribution(logits: own)
        let top = dist.top(5) { model.tokenizer.piece($0) }
        #expect(lens.layers[L - 1][t.t2].map(\.id) == top.map(\.id))
        for (a, b) in zip(lens.layers[L - 1][t.t2], top) { #expect(abs(a.prob - b.prob) <= 1e-5) }
        #expect(lens.tracked[0].layers[L - 1].rank == 1)
        #expect(lens.layers.count == L && lens.layers[0].count == t.ids.count && lens.embedding.count == t.ids.count)
    }

    // MARK: Knockout

    @Test func knockoutBlocksOnlyItsEdges() throws {
        let t = try QueryTokens(model: model, query: Shared.toyota.query, e1: "Toyota")
        let L = model.config.layers
        let center = 10, k = 3
        let blocked = Knockout.blockedEdges(query: t.t2, keys: t.e1Positions, center: center, halfWindow: k, layers: L)
        #expect(Set(blocked.keys) == Set(7...13))
        let all = Set(0..<L)
        let (plain, _) = try model.run(t.ids, hooks: Hooks(record: [.block(L - 1)], recordAttention: all), logits: .all)
        let (ko, _) = try model.run(t.ids, hooks: Hooks(blockedEdges: blocked, record: [.block(L - 1)], recordAttention: all),
                                    logits: .all)
        for l in 0..<L {
            let a = ko.attention[l]!, b = plain.attention[l]!
            if (7...13).contains(l) {
                for p in t.e1Positions { #expect(a[t.t2][p] == 0, "layer \(l) key \(p)") }
                #expect(abs(a[t.t2].reduce(0, +) - 1) < 1e-4)
                #expect(a[t.t2] != b[t.t2])
            } else if l < 7 {
                #expect(a[t.t2] == b[t.t2], "layer \(l) before the window")
            }
            // Rows before t2 never change.
            for p in 0..<t.t2 { #expect(a[p] == b[p], "layer \(l) row \(p)") }
        }
        // Block outputs at positions before t2 are identical.
        let dim = model.config.dim
        #expect(ko.recorded[.block(L - 1)]![0..<(t.t2 * dim)] == plain.recorded[.block(L - 1)]![0..<(t.t2 * dim)])
        #expect(ko.recorded[.block(L - 1)]![(t.t2 * dim)...] != plain.recorded[.block(L - 1)]![(t.t2 * dim)...])
    }

    @Test func knockoutReportMatchesDirectRuns() throws {
        let q = Shared.toyota
        let t = try QueryTokens(model: model, query: q.query, e1: q.e1)
        let yen = try answerFirstToken(q.e3, after: q.query, model: model)
        // Every window: they run t2 as one batch, each forking from the baseline below its window, and
        // generate sharing the blocks below lo + 1 with whichever has the same tokens so far.
        let L = model.config.layers
        let report = try Knockout.run(model: model, tokens: t, answerToken: yen, answer: q.e3Answer)
        #expect(report.keys == .t1)
        // The baseline equals a plain greedy run; a window equals a full run with the edge t2 → t1 blocked.
        let plain = try Evaluation.generate(model: model, prompt: q.query)
        #expect(report.baseline.generation == plain)
        #expect(report.baseline.changed == nil)
        // Each window (entering at its first blocked layer) equals a full run with the edges blocked.
        for (i, center) in (0..<L).enumerated() {
            #expect(report.windows[i].changed == Knockout.matters(report.windows[i], baseline: report.baseline))
            let hooks = Hooks(blockedEdges: Knockout.blockedEdges(query: t.t2, keys: t.t1...t.t1, center: center,
                                                                  halfWindow: 3, layers: model.config.layers))
            let direct = try model.generate(t.ids, maxTokens: 10, hooks: hooks)
            #expect(report.windows[i].generation == model.tokenizer.decode(direct), "window \(center)")
            let logits = try model.run(t.ids, hooks: hooks).0.logits
            let s = Distribution(logits: logits).standing(of: yen)
            #expect(abs(report.windows[i].answerProb - s.prob) <= 1e-4 * s.prob, "window \(center)")
            #expect(report.windows[i].answerRank == s.rank, "window \(center)")
        }
        #expect(report.windows[20].window == [17, 23])
    }

    /// The all-e1-tokens variant blocks every e1 piece (Alibaba is " Al" "ib" "aba"), the default only t1.
    @Test func knockoutKeysVariant() throws {
        let q = TwoHopQuery(id: "alibaba", e1: "Alibaba", r1: "country of origin", e2: "China", r2: "capital", e3: "Beijing")
        let t = try QueryTokens(model: model, query: q.query, e1: q.e1)
        #expect(t.e1Positions.count == 3)
        let tok = try answerFirstToken(q.e3, after: q.query, model: model)
        for keys in Knockout.Keys.allCases {
            let report = try Knockout.run(model: model, tokens: t, answerToken: tok, answer: q.e3Answer, keys: keys, centers: [12])
            let blocked = keys == .t1 ? t.t1...t.t1 : t.e1Positions
            let hooks = Hooks(blockedEdges: Knockout.blockedEdges(query: t.t2, keys: blocked, center: 12, halfWindow: 3,
                                                                  layers: model.config.layers))
            let direct = try model.generate(t.ids, maxTokens: 10, hooks: hooks)
            #expect(report.windows[0].generation == model.tokenizer.decode(direct), "\(keys)")
        }
    }

    // MARK: Patchscope

    @Test func patchscopeMatchesUnbatchedGeneration() throws {
        let q = Shared.toyota
        let t = try QueryTokens(model: model, query: q.query, e1: q.e1)
        let acts = try Activations(model: model, ids: t.ids, sublayers: false)
        let scope = try Patchscope(model: model)
        // Rows enter at ℓt + 1 (ℓt = L − 1: straight to the head); each equals the definition, a full
        // run of the target prompt with block ℓt's output overwritten at the placeholder.
        let L = model.config.layers
        // At t1 the whole diagonal too: its cells' generations coincide for many layers (shared blocks).
        for (position, extra) in [(t.t1, (0..<L).map { ($0, $0) }), (t.t2, [])] {
            let cells = try scope.run(source: acts, position: position,
                                      cells: [(12, 12), (20, 4), (3, 0), (29, L - 1), (5, 21)] + extra,
                                      entities: [q.e1Answer, q.e2Answer, q.e3Answer])
            for cell in cells {
                let hooks = Hooks(overwrites: [HookSite(.block(cell.target), position: scope.placeholder):
                                                  acts.hidden(layer: cell.source, position: position)])
                let direct = try model.generate(scope.targetIds, maxTokens: 10, hooks: hooks)
                #expect(cell.generation == model.tokenizer.decode(direct), "cell (\(cell.source), \(cell.target)) at \(position)")
            }
        }
    }

    /// Sampled Patchscopes are reproducible, independent of batching, and differ between seeds.
    @Test func sampledPatchscopeIsReproducible() throws {
        let q = Shared.toyota
        let t = try QueryTokens(model: model, query: q.query, e1: q.e1)
        let acts = try Activations(model: model, ids: t.ids, sublayers: false)
        let scope = try Patchscope(model: model)
        let cells = [(source: 14, target: 14), (source: 22, target: 8)]
        let entities = [q.e1Answer, q.e2Answer, q.e3Answer]
        let a = try scope.run(source: acts, position: t.t1, cells: cells, entities: entities, samples: 3, seed: 7)
        #expect(a.map(\.sample) == [0, 1, 2, 0, 1, 2] && a.map(\.source) == [14, 14, 14, 22, 22, 22])
        scope.batchSize = 2
        let b = try scope.run(source: acts, position: t.t1, cells: cells, entities: entities, samples: 3, seed: 7)
        #expect(a == b)
        // One cell alone gives the same samples as within a batch.
        let alone = try scope.run(source: acts, position: t.t1, cells: [cells[1]], entities: entities, samples: 3, seed: 7)
        #expect(alone == Array(a[3...]))
        let other = try scope.run(source: acts, position: t.t1, cells: cells, entities: entities, samples: 3, seed: 8)
        #expect(other.map(\.generation) != a.map(\.generation))
        #expect(Set(a.map(\.generation)).count > 1)
    }

    // MARK: The whole analysis

    @Test func toyotaAnalysis() throws {
        let a = try #require(Shared.toyotaAnalysis)
        let L = model.config.layers
        #expect(a.layers.count == L)
        #expect(!a.answer.correct)
        #expect(a.pieces[a.t1] == " Toyota")
        // The final layer's lens at t2 is the model's answer.
        #expect(a.layers[L - 1].lensT2.first?.piece == a.answer.generation.split(separator: " ").first.map { " " + $0 })
        let japan = a.layers.filter { $0.patchscopeT1?.decoded == .e2 }.map(\.layer)
        FileHandle.standardError.write("""
            Toyota: t1=\(a.t1) t2=\(a.t2) answer=\(a.answer.generation.debugDescription) yen p=\(a.answer.e3Prob) rank=\(a.answer.e3Rank)
            stages: \(a.stages)
            Japan decoded from t1 at layers \(japan)
            e2 rank t1: \(a.layers.map(\.e2RankT1))
            e3 rank t2: \(a.layers.map(\.e3RankT2))
            e2 rank attn t2: \(a.layers.map(\.attentionT2.e2Rank))
            knockout yen p: \(a.layers.map { $0.knockout!.answerProb })
            patchscope: \(a.layers.map { "\($0.layer):\($0.patchscopeT1!.generation.debugDescription)" }.joined(separator: "\n"))
            timings: \(a.timings)

            """.data(using: .utf8)!)
        // Measured on SmolLM2-135M (greedy, default target prompt): layers 0–14 describe Toyota
        // (": Toyota is a Japanese car manufacturing company"), 15–19 echo the prompt's Microsoft, later
        // layers ramble; Japan is never decoded from t1 and yen never tops the lens at t2.
        #expect((0...10).allSatisfy { a.layers[$0].patchscopeT1?.decoded == .e1 })
        #expect(japan.isEmpty && a.stages.firstHop == nil)
        #expect(a.patchscope == PatchscopeSettings())
        // The prediction is the model's own top next token (the final layer's lens at t2 is its distribution).
        #expect(a.predictionPiece == a.layers[L - 1].lensT2.first?.piece)
        // JSON has the contract's fields, and the stages are the paper's formulas over its per-layer fields.
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(a)) as! [String: Any]
        for key in ["ids", "t1", "t2", "answer", "layers", "stages", "patchscope"] { #expect(json[key] != nil, "\(key)") }
        let layer0 = (json["layers"] as! [[String: Any]])[0]
        for key in ["layer", "lens_t1", "lens_t2", "e2_rank_t1", "e3_rank_t2", "patchscope_t1", "patchscope_t2", "knockout",
                    "attn_e2_rank_t2", "mlp_prediction_rank_t2", "mlp_e3_rank_t2"] {
            #expect(layer0[key] != nil, "\(key)")
        }
        let ps = layer0["patchscope_t1"] as! [String: Any]
        #expect(ps["generation"] is String && ps["decoded"] is String)
        #expect(PaperStages(analyzeJSON: json) == PaperStages(a.stages))
    }

    /// A first hop that does resolve: Alibaba → China is decoded from t1 (" Al" "ib" "aba") in the middle
    /// layers, while the model answers the composition wrongly (Shanghai; Beijing is second).
    @Test func alibabaFirstHop() throws {
        var options = Analyzer.Options()
        options.knockout = false
        let q = TwoHopQuery(id: "alibaba", e1: "Alibaba", r1: "country of origin", e2: "China", r2: "capital",
                            e3: "Beijing", e2Aliases: ["People's Republic of China", "PRC"])
        let a = try Analyzer(model: model, options: options).run(q)
        #expect(a.pieces[a.t1] == "aba" && a.e1Positions.count == 3)
        let china = a.layers.filter { $0.patchscopeT1?.decoded == .e2 }.map(\.layer)
        FileHandle.standardError.write("Alibaba: China decoded from t1 at layers \(china), stages \(a.stages)\n".data(using: .utf8)!)
        #expect(a.stages.firstHop.map { (8...14).contains($0) } == true)
        #expect(!a.answer.correct && a.answer.e3Rank == 2)
    }

    // MARK: Cancellation and progress

    @Test func cancelledRunThrows() throws {
        let token = CancellationToken()
        token.cancel()
        #expect(throws: AnalysisError.cancelled) { try Analyzer(model: model).run(Shared.toyota, cancel: token) }
    }

    @Test func cancelFromProgressCallback() throws {
        let token = CancellationToken()
        let seen = Locked<[Double]>([])
        #expect(throws: AnalysisError.cancelled) {
            try Analyzer(model: model).run(Shared.toyota, progress: { f, _ in
                seen.mutate { $0.append(f) }
                if f >= 0.2 { token.cancel() }
            }, cancel: token)
        }
        let fractions = seen.value
        #expect(fractions == fractions.sorted())
        #expect(fractions.last! < 0.6)
    }

    @Test func cancelFromAnotherThread() throws {
        let token = CancellationToken()
        // A thread of its own: a block on the global Dispatch queue can wait for a thread until
        // other tests running in parallel finish, i.e. until after the analysis (seen in CI).
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: 0.5)
            token.cancel()
        }
        let start = Date()
        #expect(throws: AnalysisError.cancelled) { try Analyzer(model: model).run(Shared.toyota, cancel: token) }
        // Stops within a batch or two of the request, not at the end of the analysis.
        #expect(Date().timeIntervalSince(start) < 5)
    }

    @Test func partialUpdatesAndQuickMode() throws {
        var options = Analyzer.Options()
        options.patchscope = false
        options.knockout = false
        let partials = Locked<[QueryAnalysis]>([])
        let a = try Analyzer(model: model, options: options).run(Shared.toyota, partial: { p in partials.mutate { $0.append(p) } })
        #expect(partials.value.count == 1)
        #expect(partials.value[0].answer.generation == "" && a.answer.generation.contains("Toyota"))
        #expect(a.layers.allSatisfy { $0.patchscopeT1 == nil && $0.knockout == nil })
        #expect(a.stages.infoPropagationParts.knockout == nil && a.stages.firstHop == nil)
        // The answer's e3 standing is the final lens row at t2.
        #expect(a.answer.e3Rank == a.layers.last!.e3RankT2)
    }

    @Test func patchscopeOnDemandCells() throws {
        let cells = try Analyzer(model: model).patchscopeCells(Shared.toyota, cells: [(5, 5), (14, 2)])
        #expect(cells.map(\.source) == [5, 14] && cells.map(\.target) == [5, 2])
        #expect(cells[0].generation == Shared.toyotaAnalysis?.layers[5].patchscopeT1?.generation)
        #expect(throws: AnalysisError.badOption("Patchscope cell (30, 0) is outside layers 0..<30")) {
            try Analyzer(model: model).patchscopeCells(Shared.toyota, cells: [(30, 0)])
        }
    }

    @Test func analyzerErrors() {
        var q = Shared.toyota
        q.e3 = ""
        #expect(throws: AnalysisError.emptyEntity("e3")) { try Analyzer(model: model).run(q) }
        let tail = TwoHopQuery(query: "The currency of Toyota", e1: "Toyota", e2: "Japan", e3: "yen")
        #expect(throws: AnalysisError.self) { try Analyzer(model: model).run(tail) }
    }
}

/// A value shared with a @Sendable closure.
final class Locked<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var v: T
    init(_ v: T) { self.v = v }
    var value: T { lock.lock(); defer { lock.unlock() }; return v }
    func mutate(_ f: (inout T) -> Void) { lock.lock(); f(&v); lock.unlock() }
}
