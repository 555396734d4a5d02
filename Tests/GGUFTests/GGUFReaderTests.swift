import Foundation
import Testing
import TestSupport
@testable import GGUF

// MARK: - The real default models

@Test(.enabled(if: TestModels.available(TestModels.smollm2), "needs the default models (make setup)"))
func readsSmolLM2() throws {
    let f = try GGUFFile(path: TestModels.smollm2)
    #expect(f.version == 3)
    #expect(f.tensors.count == 272)
    #expect(f.metadataKeys.count == 33)
    #expect(try f.requireString("general.architecture") == "llama")
    #expect(try f.requireInt("llama.block_count") == 30)
    #expect(try f.requireArray("tokenizer.ggml.tokens").count == 49152)
    #expect(try f.requireArray("tokenizer.ggml.merges").count == 48900)
    #expect(try f.bool("tokenizer.ggml.add_bos_token") == false)
    let embd = try f.requireTensor("token_embd.weight")
    #expect(embd.type == .q8_0)
    #expect(embd.shape == [576, 49152])
    #expect(f.data(embd).count == 49152 * 18 * 34)
    #expect(try f.requireTensor("blk.0.ffn_down.weight").type == .q4_1)
}

@Test(.enabled(if: TestModels.available(TestModels.gemma3), "needs the Gemma-3 model (make setup)"))
func readsGemma3() throws {
    let f = try GGUFFile(path: TestModels.gemma3)
    #expect(try f.requireString("general.architecture") == "gemma3")
    #expect(try f.requireArray("tokenizer.ggml.tokens").count == 262144)
    #expect(try f.requireArray("tokenizer.ggml.scores").floats?.count == 262144)
    #expect(Set(f.tensors.map(\.type)) == [.f32, .q5_0, .q4_K, .q8_0, .q6_K])
}
