import Foundation
import GGUF
import Model
import Testing
import TestSupport

/// The engine against independent references: a float64 numpy forward pass over weights dequantized
/// by the `gguf` package (SmolLM2), and llama.cpp's own next token (Gemma-3). Fixtures come from
/// `scripts/golden/make_logits_golden.py`.
@Suite(.serialized, .enabled(if: TestModels.available(TestModels.smollm2)))
struct SmolLM2Fidelity {
    struct Golden: Decodable {
        struct Prompt: Decodable { let text: String; let ids: [Int32] }
        struct Blocks: Decodable { let prompt_index: Int; let file: String }
        let vocab: Int
        let layers: Int
        let dim: Int
        let prompts: [Prompt]
        let blocks: [Blocks]
    }

    static let loaded = LoadedModel(TestModels.smollm2)
    static let golden = try! JSONDecoder().decode(Golden.self, from: Fixtures.data("smollm2-logits.json"))

    @Test func nextTokenLogitsMatchFloat64Reference() throws {
        let g = Self.golden
        let (reference, shape) = try NPY.decode(Fixtures.data("smollm2-logits.npy"))
        #expect(g.prompts.count >= 20)
        #expect(shape == [g.prompts.count, g.vocab])
        var worst: Float = 0
        for (i, prompt) in g.prompts.enumerated() {
            let ours = try Self.loaded.get().nextLogits(prompt.ids)
            let ref = reference[(i * g.vocab)..<((i + 1) * g.vocab)]
            let maxAbs = ref.map(abs).max()!
            let maxDelta = zip(ours, ref).map { abs($0 - $1) }.max()!
            worst = max(worst, maxDelta / maxAbs)
            // Bar: max |Δ| ≤ 2e-3 · max|logit| of the float64 reference.
            #expect(maxDelta <= 2e-3 * maxAbs, "prompt \(i) \(prompt.text.debugDescription): max |Δ| \(maxDelta), max |logit| \(maxAbs)")
            #expect(argmax(ours) == argmax(ref), "prompt \(i): top-1 differs")
        }
        print("SmolLM2 logits: worst max|Δ| / max|logit| = \(worst) over \(g.prompts.count) prompts")
    }

    @Test func blockOutputsMatchFloat64Reference() throws {
        let g = Self.golden
        var worst: Double = 0
        for b in g.blocks {
            let ids = g.prompts[b.prompt_index].ids
            let (ref, shape) = try NPY.decode(Fixtures.data(b.file))
            #expect(shape == [g.layers, ids.count, g.dim])
            let (result, _) = try Self.loaded.get().run(ids, hooks: .recordingResidualStream(layers: g.layers))
            for l in 0..<g.layers {
                let ours = result.recorded[.block(l)]!
                let r = ref[(l * ids.count * g.dim)..<((l + 1) * ids.count * g.dim)]
                var num = 0.0, den = 0.0
                for (a, b) in zip(ours, r) { num += Double(a - b) * Double(a - b); den += Double(b) * Double(b) }
                let rel = (num / den).squareRoot()
                worst = max(worst, rel)
                // Bar: every layer's block output within 1e-3 relative L2 of the reference.
                #expect(rel <= 1e-3, "prompt \(b.prompt_index) layer \(l): relative L2 \(rel)")
            }
        }
        print("SmolLM2 block outputs: worst relative L2 = \(worst)")
    }
}

@Suite(.serialized, .enabled(if: TestModels.available(TestModels.gemma3)))
struct Gemma3Fidelity {
    struct Golden: Decodable {
        struct Top: Decodable { let top_ids: [Int]; let top_logits: [Float] }
        struct Prompt: Decodable { let text: String?; let ids: [Int32]; let llama_cpp: Top; let near_tie: Bool; let reference: Top? }
        let prompts: [Prompt]
        /// 513- and 700-token prompts: beyond the 512-token sliding window of the local layers.
        let long_prompts: [Prompt]
    }

    @Test func topTokenMatchesLlamaCpp() throws {
        let model = try LanguageModel(path: TestModels.gemma3)
        let g = try JSONDecoder().decode(Golden.self, from: Fixtures.data("gemma3-top1.json"))
        #expect(g.prompts.count >= 20)
        var compared = 0
        for p in g.prompts + g.long_prompts {
            let ours = try model.nextLogits(p.ids)
            if !p.near_tie {
                compared += 1
                #expect(argmax(ours) == p.llama_cpp.top_ids[0], "\(p.text?.debugDescription ?? "\(p.ids.count) tokens"): ours \(argmax(ours)), llama.cpp \(p.llama_cpp.top_ids[0])")
            }
            if let ref = p.reference {   // float64 reference: its top logits, exactly comparable
                for (id, logit) in zip(ref.top_ids.prefix(10), ref.top_logits) {
                    #expect(abs(ours[id] - logit) <= 2e-3 * abs(ref.top_logits[0]) + 1e-3, "\(p.text?.debugDescription ?? "\(p.ids.count) tokens") token \(id): \(ours[id]) vs \(logit)")
                }
            }
        }
        #expect(compared >= 15)
        #expect(g.long_prompts.count == 2)
    }
}
