import Analysis
import Foundation
import GGUF
import Model
import Testing
import TestSupport

/// The analysis on a tiny synthetic model (random f32 weights, byte tokenizer): runs before any model
/// is downloaded, and is small enough for the full ℓs × ℓt Patchscope grid with sampling.
@Suite struct SyntheticAnalysisTests {
    static let model = TinyModels.load(dim: 64, layers: 4, ffn: 96, heads: 4, kvHeads: 2, vocab: 300, seed: 11)

    static let query = TwoHopQuery(id: "toyota-currency", e1: "Toyota", r1: "country of origin", e2: "Japan",
                                   r2: "currency", e3: "yen", e3Aliases: ["JPY"])

    var model: LanguageModel { Self.model }

    // MARK: Patchscope grid

    /// Every cell of the full grid, batched with rows entering at ℓt + 1, equals the definition: a full
    /// run of the target prompt with block ℓt's output overwritten at the placeholder.
    @Test func fullGridEqualsNaiveCells() throws {
        let q = Self.query, L = model.config.layers
        let t = try QueryTokens(model: model, query: q.query, e1: q.e1)
        let acts = try Activations(model: model, ids: t.ids, sublayers: false)
        let scope = try Patchscope(model: model, targetPrompt: Patchscope.repeatTargetPrompt, maxTokens: 6)
        scope.batchSize = 5                         // batches mix target layers
        let settings = PatchscopeSettings(layers: .grid)
        for position in [t.t1, t.t2] {
            let cells = try scope.run(source: acts, position: position, cells: settings.cells(layers: L),
                                      entities: [q.e1Answer, q.e2Answer, q.e3Answer])
            #expect(cells.count == L * L)
            for cell in cells {
                let hooks = Hooks(overwrites: [HookSite(.block(cell.target), position: scope.placeholder):
                                                  acts.hidden(layer: cell.source, position: position)])
                let direct = try model.generate(scope.targetIds, maxTokens: 6, hooks: hooks)
                #expect(cell.generation == model.tokenizer.decode(direct), "cell (\(cell.source), \(cell.target)) at \(position)")
            }
        }
    }

    /// Pooling: a source layer decodes what any of its cells (targets × samples) decodes.
    @Test func poolingOverTargetsAndSamples() {
        let cells = [
            PatchscopeCell(source: 0, target: 0, sample: 0, generation: "a", decoded: .e1),
            PatchscopeCell(source: 0, target: 1, sample: 0, generation: "b", decoded: .other),
            PatchscopeCell(source: 0, target: 1, sample: 1, generation: "c", decoded: .e2),
            PatchscopeCell(source: 2, target: 0, sample: 1, generation: "d", decoded: .e3),
        ]
        let pooled = PatchscopePooled.pool(cells, layers: 3)
        #expect(pooled[0] == PatchscopePooled(generation: "a", decoded: .e1, target: 0, decodedAny: [.e1, .e2, .other], cells: 3))
        #expect(pooled[1] == nil)
        // No diagonal cell: the first one run stands for the layer.
        #expect(pooled[2]?.generation == "d" && pooled[2]?.target == 0 && pooled[2]?.decodedAny == [.e3])
    }

    // MARK: Name variants

    /// The first tokens of the name variants, and the best rank equals the minimum over them.
    @Test func entityNameVariants() {
        let e = AnswerMatcher(label: "Japan", aliases: ["Nippon", "J"])
        let names = EntityNames(e, model: model)       // byte-level BPE: with leading spaces
        #expect(names.variants == ["Japan", "Nippon", "japan", "nippon", " Japan", " Nippon", " japan", " nippon"])
        let byte = { (s: String) in model.tokenizer.encode(s, addSpecial: false).first! }
        #expect(names.tokens == [byte("J"), byte("N"), byte("j"), byte("n"), byte(" ")])
        let noSpace = EntityNames(e, leadingSpace: false) { model.tokenizer.encode($0, addSpecial: false) }
        #expect(noSpace.variants.count == 4)
        var logits = [Float](repeating: 0, count: 300)
        for i in logits.indices { logits[i] = Float((i * 37) % 101) }
        let naive = names.tokens.map { tok in logits.filter { $0 > logits[Int(tok)] }.count }.min()
        #expect(names.rank(in: logits) == naive)
        logits[Int(byte("n"))] = 1000
        #expect(names.rank(in: logits) == 0)
        #expect(EntityNames(tokens: [], variants: []).rank(in: logits) == nil)
    }

    // MARK: Sampling

    @Test func seededSamplerIsDeterministicAndKeepsTopK() {
        var logits = [Float](repeating: -10, count: 300)
        for i in 0..<5 { logits[i * 10] = Float(5 - i) }     // five good tokens, the rest far below
        let sampler = TopKSampler(topK: 3)
        var g1 = SeededGenerator(seed: 42, stream: [1, 2]), g2 = SeededGenerator(seed: 42, stream: [1, 2])
        let a = (0..<200).map { _ in sampler.sample(logits, using: &g1) }
        let b = (0..<200).map { _ in sampler.sample(logits, using: &g2) }
        #expect(a == b)
        #expect(Set(a) == [0, 10, 20])                         // only the top 3 are ever drawn
        // Frequencies follow softmax over the kept three: e^2 : e^1 : e^0 ≈ 0.665 : 0.245 : 0.090.
        let n = 20_000
        var g = SeededGenerator(seed: 7)
        var counts = [Int32: Int]()
        for _ in 0..<n { counts[sampler.sample(logits, using: &g), default: 0] += 1 }
        let p0 = Double(counts[0] ?? 0) / Double(n)
        #expect(abs(p0 - exp(2) / (exp(2) + exp(1) + 1)) < 0.015)
        var other = SeededGenerator(seed: 42, stream: [1, 3])
        #expect((0..<200).map { _ in sampler.sample(logits, using: &other) } != a)
    }

    // MARK: The whole analysis

    /// Grid + sampling on the synthetic model: every per-layer field is there, and the stages are the
    /// paper's formulas over the JSON's per-layer fields.
    @Test func analysisStagesFollowFromPerLayerFields() throws {
        var options = Analyzer.Options()
        options.patchscopeSettings = PatchscopeSettings(layers: .grid, samples: 2, seed: 3, prompt: Patchscope.repeatTargetPrompt)
        options.maxTokens = 5
        let a = try Analyzer(model: model, options: options).run(Self.query)
        let L = model.config.layers
        #expect(a.layers.count == L)
        for l in a.layers {
            #expect(l.patchscopeT1?.cells == 2 * L && l.patchscopeT2?.cells == 2 * L)
            #expect(l.knockout?.changed != nil)
        }
        let data = try JSONEncoder().encode(a)
        let json = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        #expect(PaperStages(analyzeJSON: json) == PaperStages(a.stages))
        #expect(PaperStages(stagesJSON: json["stages"] as! [String: Any]) == PaperStages(a.stages))
        let ps = json["patchscope"] as! [String: Any]
        #expect(ps["layers"] as? String == "grid" && ps["samples"] as? Int == 2 && ps["prompt"] as? String == "repeat")
        #expect(json["knockout_keys"] as? String == "t1")
        // The prediction is the unpatched run's top next token; its MLP rank at the last layer is 0-based.
        let acts = try Activations(model: model, ids: a.ids, sublayers: false)
        #expect(a.predictionToken == Int32(argmax(acts.nextLogits)))
        #expect(a.layers.allSatisfy { $0.mlpPredictionRankT2 >= 0 })
        // Same query, same settings: the same analysis (sampling is seeded).
        let again = try Analyzer(model: model, options: options).run(Self.query)
        #expect(again.layers.map(\.patchscopeT2) == a.layers.map(\.patchscopeT2))
    }

    /// Hand-checked ranks: attn e2 rank and MLP prediction rank equal naive counts over the projection.
    @Test func sublayerRanksAreZeroBasedMinimaOverVariants() throws {
        let a = try Analyzer(model: model, options: { var o = Analyzer.Options(); o.patchscope = false; o.knockout = false; return o }())
            .run(Self.query)
        let acts = try Activations(model: model, ids: a.ids, sublayers: true)
        let e2 = EntityNames(Self.query.e2Answer, model: model)
        for l in a.layers {
            let attn = model.transformer.unembed(acts.vector(.attention(l.layer), position: a.t2), count: 1)
            let mlp = model.transformer.unembed(acts.vector(.mlp(l.layer), position: a.t2), count: 1)
            let naiveE2 = e2.tokens.map { t in attn.filter { $0 > attn[Int(t)] }.count }.min()
            #expect(l.attnE2RankT2 == naiveE2, "layer \(l.layer)")
            #expect(l.mlpPredictionRankT2 == mlp.filter { $0 > mlp[Int(a.predictionToken)] }.count, "layer \(l.layer)")
        }
    }

    /// A sweep defaults to the full grid and records its mode in the row.
    @Test func sweepRecordsPatchscopeMode() throws {
        var options = Sweep.Options()
        options.stagesFor = .all
        options.backpatch = .none
        options.maxTokens = 4
        let row = try Sweep(model: model, options: options).run(Self.query)
        #expect(row.error == nil)
        #expect(row.patchscope == PatchscopeSettings(layers: .grid))
        let object = try JSONSerialization.jsonObject(with: try row.jsonLine()) as! [String: Any]
        #expect((object["patchscope"] as? [String: Any])?["layers"] as? String == "grid")
        #expect(try JSONDecoder().decode(SweepRow.self, from: try row.jsonLine()) == row)
    }

    /// Shared blocks: sequences with equal histories at the same position fork from the member with the
    /// highest floor, at their own floor; the others run alone from the embedding.
    @Test func sharedBlocksGroupEqualHistories() {
        let tokens: [[Int32]] = [[5, 6], [5, 6], [5, 7], [5, 6], [5, 7], [9]]
        let positions = [10, 10, 10, 10, 10, 11]
        let floors = [3, 8, 2, 0, 12, 12]
        let rows = GreedyBatch.batchRows(live: [0, 1, 2, 3, 4, 5], tokens: tokens, positions: positions, step: 2,
                                         floors: floors, layers: 12)
        // Anchors first (one per group: {0, 1, 3} → 1, {2, 4} → 4, {5} → 5), then forks by start layer.
        #expect(rows.prefix(3).map(\.sequence) == [1, 4, 5])
        #expect(rows.prefix(3).allSatisfy { $0.startLayer == 0 && $0.parent == nil })
        let forks = Array(rows.dropFirst(3))
        #expect(forks.map(\.sequence) == [3, 2, 0])
        #expect(forks.map(\.startLayer) == [0, 2, 3])
        #expect(forks.map(\.parent) == [nil, 1, 0])
        #expect(rows.map(\.position) == [11, 11, 12, 11, 11, 11])
        // Without floors: one row per live sequence, nothing shared.
        let plain = GreedyBatch.batchRows(live: [0, 5], tokens: tokens, positions: positions, step: 2, floors: nil, layers: 12)
        #expect(plain == [BatchRow(sequence: 0, position: 11), BatchRow(sequence: 5, position: 12)])
    }
}
