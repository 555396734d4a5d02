import Foundation
import Testing
import TestSupport
@testable import GGUF

@Test func tinySyntheticModelReadsBack() throws {
    var spec = SyntheticModel(dim: 64, layers: 2, ffn: 96, heads: 4, kvHeads: 2, vocab: 300)
    spec.type = .q8_0
    let dir = TemporaryDirectory()
    try spec.write(to: dir.path("tiny.gguf"))
    let f = try GGUFFile(path: dir.path("tiny.gguf"))
    #expect(try f.requireString("general.architecture") == "llama")
    #expect(try f.requireInt("llama.block_count") == 2)
    #expect(try f.requireInt("llama.embedding_length") == 64)
    #expect(try f.requireInt("llama.feed_forward_length") == 96)
    #expect(try f.requireInt("llama.attention.head_count") == 4)
    #expect(try f.requireInt("llama.attention.head_count_kv") == 2)
    #expect(try f.requireInt("llama.context_length") == 2048)
    #expect(try f.requireInt("llama.rope.dimension_count") == 16)
    #expect(try f.requireDouble("llama.rope.freq_base") == 10000)
    #expect(try f.requireArray("tokenizer.ggml.tokens").count == 300)
    #expect(try f.requireArray("tokenizer.ggml.tokens").strings?[32] == "Ġ")
    #expect(try f.requireString("tokenizer.ggml.model") == "gpt2")

    var expected: [String: [Int]] = ["token_embd.weight": [64, 300], "output_norm.weight": [64]]
    for l in 0..<2 {
        let p = "blk.\(l)."
        expected[p + "attn_norm.weight"] = [64]
        expected[p + "ffn_norm.weight"] = [64]
        expected[p + "attn_q.weight"] = [64, 64]
        expected[p + "attn_k.weight"] = [64, 32]
        expected[p + "attn_v.weight"] = [64, 32]
        expected[p + "attn_output.weight"] = [64, 64]
        expected[p + "ffn_gate.weight"] = [64, 96]
        expected[p + "ffn_up.weight"] = [64, 96]
        expected[p + "ffn_down.weight"] = [96, 64]
    }
    #expect(Set(f.tensors.map(\.name)) == Set(expected.keys))
    for t in f.tensors {
        #expect(t.shape == expected[t.name], "\(t.name)")
        #expect(t.type == (t.shape.count == 1 ? .f32 : .q8_0), "\(t.name)")
    }
    #expect(f.tensor("output.weight") == nil)

    // Weight statistics: matrices ~ N(0, 1/fan_in) in spread, norms ≈ 1.
    let q = Dequantize.tensor(f, try f.requireTensor("blk.1.ffn_down.weight"))
    let rms = (q.reduce(0) { $0 + Double($1 * $1) } / Double(q.count)).squareRoot()
    #expect(abs(rms * 96.0.squareRoot() - 1) < 0.1)
    let norm = Dequantize.tensor(f, try f.requireTensor("blk.0.attn_norm.weight"))
    #expect(norm.allSatisfy { abs($0 - 1) <= 0.05 })
}

@Test(arguments: [GGMLType.f32, .f16, .bf16, .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q4_K, .q6_K])
func syntheticWeightsHaveTheRequestedSpread(_ type: GGMLType) throws {
    // ffn_gate's rows have dim elements: 128, or one 256-element super-block for the K types.
    let dim = type.blockElements == 256 ? 256 : 128
    var spec = SyntheticModel(dim: dim, layers: 1, ffn: 256, heads: 4, kvHeads: 4, vocab: 258)
    spec.type = type
    spec.untiedOutput = true
    let f = try GGUFFile(bytes: try spec.writer().serialized())
    #expect(f.tensor("output.weight")?.type == type)
    let w = Dequantize.tensor(f, try f.requireTensor("blk.0.ffn_gate.weight"))
    let mean = w.reduce(0) { $0 + Double($1) } / Double(w.count)
    let rms = (w.reduce(0) { $0 + Double($1 * $1) } / Double(w.count)).squareRoot()
    #expect(abs(mean) < 0.01)
    #expect(abs(rms * Double(dim).squareRoot() - 1) < 0.05, "\(type) rms·√fan_in = \(rms * Double(dim).squareRoot())")
}

@Test func syntheticModelsAreDeterministic() throws {
    var spec = SyntheticModel(dim: 32, layers: 1, ffn: 64, heads: 2, kvHeads: 1, vocab: 260)
    let a = try spec.writer().serialized()
    #expect(try spec.writer().serialized() == a)
    spec.seed = 2
    #expect(try spec.writer().serialized() != a)
}

@Test func syntheticShapeErrors() {
    var spec = SyntheticModel(dim: 30, layers: 1, ffn: 64, heads: 4, kvHeads: 1, vocab: 260)
    #expect(throws: GGUFError.self) { try spec.writer() }      // 30 not divisible by 4 heads
    spec = SyntheticModel(dim: 64, layers: 1, ffn: 64, heads: 4, kvHeads: 4, vocab: 100)
    #expect(throws: GGUFError.self) { try spec.writer() }      // byte tokenizer needs 258 tokens
    spec = SyntheticModel(dim: 128, layers: 1, ffn: 256, heads: 4, kvHeads: 4, vocab: 258)
    spec.type = .q4_K
    #expect(throws: GGUFError.self) { try spec.writer() }      // rows of 128 are not whole Q4_K super-blocks
    spec.vocab = 300
    spec.type = .q6_K
    #expect(throws: GGUFError.self) { try spec.writer() }
}

@Test(.enabled(if: TestModels.available(TestModels.smollm2), "needs the default models (make setup)"))
func syntheticModelWithSmolLM2Tokenizer() throws {
    var spec = SyntheticModel(dim: 64, layers: 1, ffn: 64, heads: 2, kvHeads: 1, vocab: 49152)
    spec.tokenizer = .copied(from: TestModels.smollm2)
    spec.type = .q4_0
    let dir = TemporaryDirectory()
    try spec.write(to: dir.path("smol-tok.gguf"))
    let f = try GGUFFile(path: dir.path("smol-tok.gguf"))
    let src = try GGUFFile(path: TestModels.smollm2)
    for key in src.metadataKeys where key.hasPrefix("tokenizer.") {
        #expect(f.value(key) == src.value(key), "\(key)")
    }
    #expect(try f.requireTensor("token_embd.weight").shape == [64, 49152])
}
