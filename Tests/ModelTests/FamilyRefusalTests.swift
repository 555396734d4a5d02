import Foundation
import GGUF
@testable import Model
import Testing
import TestSupport

/// Refusal by construction: every tensor of a file must be read by its family's code and every
/// `{arch}.*` key read by its config decoding, or the load fails naming it; values the code does not
/// implement fail by name. One test per case.
@Suite struct FamilyRefusalTests {
    /// A tiny family file with edits: metadata set (nil removes), extra F32 tensors added.
    static func variant(_ family: String, _ dir: TemporaryDirectory, set meta: [String: GGUFValue?] = [:],
                        add: [(String, [Int])] = [], drop: Set<String> = []) throws -> String {
        var spec = SyntheticModel.familyCase(family)!
        spec.layers = 1
        if family == "gemma3" { spec.layers = 2 }
        let src = try GGUFFile(bytes: try spec.writer().serialized())
        var w = GGUFWriter()
        for key in src.metadataKeys {
            if let v = meta[key] { if let v { w.set(key, v) } } else { w.set(key, src.metadata[key]!) }
        }
        for (key, v) in meta where w.metadataValue(key) == nil { if let v { w.set(key, v) } }
        for t in src.tensors where !drop.contains(t.name) {
            try w.addTensor(t.name, type: t.type, shape: t.shape, bytes: Array(src.data(t)))
        }
        for (name, shape) in add {
            try w.addTensor(name, type: .f32, shape: shape, bytes: [UInt8](repeating: 0, count: 4 * shape.reduce(1, *)))
        }
        let path = dir.path("\(family).gguf")
        try w.write(to: path)
        return path
    }

    static func expectRefusal(_ path: String, mentions: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        MalformedModelTests.expectLoadError(path, mentions: mentions, sourceLocation: sourceLocation)
    }

    @Test(arguments: SyntheticModel.familyCases)
    func everyTinyFileLoads(name: String) throws {
        let dir = TemporaryDirectory()
        let m = try LanguageModel(path: try Self.variant(name, dir), availableMemory: nil)
        #expect(m.config.architecture == SyntheticModel.familyCase(name)!.family.architecture)
    }

    // MARK: Tensors no code reads

    @Test func unusedTensorIsNamed() throws {
        let dir = TemporaryDirectory()
        // qwen2 has no attention output bias in llama.cpp: a file with one must not load.
        Self.expectRefusal(try Self.variant("qwen2", dir, add: [("blk.0.attn_output.bias", [64])]),
                           mentions: ["'blk.0.attn_output.bias'", "not used by hopscope's qwen2 family"])
    }

    @Test func gemma2OutputMatrixIsRefused() throws {
        let dir = TemporaryDirectory()
        Self.expectRefusal(try Self.variant("gemma2", dir, add: [("output.weight", [64, 512])]),
                           mentions: ["'output.weight'", "gemma2"])
    }

    @Test func ropeFactorsOnAFamilyWithoutThem() throws {
        let dir = TemporaryDirectory()
        Self.expectRefusal(try Self.variant("qwen2", dir, add: [("rope_freqs.weight", [8])]),
                           mentions: ["'rope_freqs.weight'"])
    }

    @Test func expertTensorsAreNamedAsMixtureOfExperts() throws {
        let dir = TemporaryDirectory()
        Self.expectRefusal(try Self.variant("llama3", dir, add: [("blk.0.ffn_gate_exps.weight", [64, 128, 4])]),
                           mentions: ["mixture-of-experts", "'blk.0.ffn_gate_exps.weight'"])
    }

    @Test func mixtralStyleFileIsRefusedAsMixtureOfExperts() throws {
        let dir = TemporaryDirectory()
        let path = try Self.variant("llama3", dir, set: ["llama.expert_count": .uint32(8), "llama.expert_used_count": .uint32(2)],
                                    add: [("blk.0.ffn_gate_inp.weight", [64, 8])],
                                    drop: ["blk.0.ffn_gate.weight", "blk.0.ffn_up.weight", "blk.0.ffn_down.weight"])
        let e = MalformedModelTests.expectLoadError(path, mentions: [])
        #expect(e == .unsupported("mixture-of-experts models (8 experts, 2 used) are not supported"))
    }

    @Test func fusedQKVWithPartOfTheSeparateBiases() throws {
        let dir = TemporaryDirectory()
        Self.expectRefusal(try Self.variant("llama-yarn", dir, add: [("blk.0.attn_q.bias", [64])]),
                           mentions: ["'blk.0.attn_qkv.weight'", "only 1 of the three separate biases"])
    }

    // MARK: Keys no code reads, values no code implements

    @Test(arguments: ["llama.rope.scaling.yarn_beta_fast", "llama.attention.scale", "llama.embedding_length_out",
                      "llama.attention.sliding_window", "llama.pooling_type"])
    func unreadKeyIsNamed(key: String) throws {
        let dir = TemporaryDirectory()
        Self.expectRefusal(try Self.variant("llama3", dir, set: [key: .float32(1)]),
                           mentions: ["'\(key)'", "not implemented by hopscope's llama family"])
    }

    @Test func inertKeyIsAccepted() throws {
        let dir = TemporaryDirectory()
        _ = try LanguageModel(path: try Self.variant("llama3", dir, set: ["llama.rope.scaling.finetuned": .bool(true)]), availableMemory: nil)
    }

    @Test(arguments: [("qwen2", "longrope"), ("gemma3", "yarn"), ("gemma2", "yarn"), ("phi3", "yarn"), ("qwen3", "longrope")])
    func scalingTheFamilyDoesNotImplement(family: String, type: String) throws {
        let dir = TemporaryDirectory()
        let arch = SyntheticModel.familyCase(family)!.family.architecture
        Self.expectRefusal(try Self.variant(family, dir, set: ["\(arch).rope.scaling.type": .string(type),
                                                               "\(arch).rope.scaling.factor": .float32(4)]),
                           mentions: ["'\(arch).rope.scaling.type' = '\(type)'", "not implemented for the \(arch) family"])
    }

    @Test func unknownScalingType() throws {
        let dir = TemporaryDirectory()
        Self.expectRefusal(try Self.variant("llama3", dir, set: ["llama.rope.scaling.type": .string("dynamic")]),
                           mentions: ["'llama.rope.scaling.type' = 'dynamic'"])
    }

    @Test func nonCausalAttention() throws {
        let dir = TemporaryDirectory()
        Self.expectRefusal(try Self.variant("llama3", dir, set: ["llama.attention.causal": .bool(false)]),
                           mentions: ["'llama.attention.causal'", "non-causal"])
    }

    @Test func valueHeadsOfAnotherWidth() throws {
        let dir = TemporaryDirectory()
        Self.expectRefusal(try Self.variant("llama3", dir, set: ["llama.attention.value_length": .uint32(16)]),
                           mentions: ["'llama.attention.value_length' = 16"])
    }

    @Test func headCountsThatDifferBetweenLayers() throws {
        let dir = TemporaryDirectory()
        var spec = SyntheticModel.familyCase("llama3")!
        spec.layers = 2
        var w = try spec.writer()
        w.set("llama.attention.head_count", .array(.uint32([4, 8])))
        let path = dir.path("m.gguf")
        try w.write(to: path)
        Self.expectRefusal(path, mentions: ["'llama.attention.head_count' differs between layers"])
    }

    @Test func partialRotaryOnLlama() throws {
        let dir = TemporaryDirectory()
        Self.expectRefusal(try Self.variant("llama3", dir, set: ["llama.rope.dimension_count": .uint32(16)]),
                           mentions: ["'llama.rope.dimension_count' = 16"])
    }

    @Test func headsThatDoNotTileTheResidualOnQwen2() throws {
        let dir = TemporaryDirectory()
        Self.expectRefusal(try Self.variant("qwen2", dir, set: ["qwen2.attention.key_length": .uint32(24)]),
                           mentions: ["'qwen2.attention.key_length' = 24"])
    }

    // MARK: What the families compute from their keys

    @Test func gemma3ScalingAppliesToGlobalLayersOnly() throws {
        let dir = TemporaryDirectory()
        let m = try LanguageModel(path: try Self.variant("gemma3", dir), availableMemory: nil)
        #expect(m.config.rope.freqScale == 1.0 / 8)
        #expect(m.config.ropeLocal.freqScale == 1)
        #expect(m.config.ropeLocal.base == 10000)
        #expect(m.config.ropeScaling == .linear)
    }

    @Test func llama3ReadsItsFrequencyFactors() throws {
        let dir = TemporaryDirectory()
        let m = try LanguageModel(path: try Self.variant("llama3", dir), availableMemory: nil)
        #expect(m.config.rope.usesFactors)
        #expect(m.transformer.weights.ropeFactors?.count == 12)
    }

    @Test func phi3LongContextIsLimitedToTheOriginalContext() throws {
        let dir = TemporaryDirectory()
        let m = try LanguageModel(path: try Self.variant("phi3", dir), availableMemory: nil)
        #expect(m.config.contextLength == 256)
        #expect(m.config.rope.usesFactors)
        #expect(m.config.rope.attnFactor == Float(1.19))
    }

    // MARK: The summary `hopscope info` prints

    @Test(arguments: SyntheticModel.familyCases)
    func summaryDescribesEveryFamily(name: String) throws {
        let dir = TemporaryDirectory()
        let m = try LanguageModel(path: try Self.variant(name, dir), availableMemory: nil)
        let s = m.summary
        #expect(s.family == m.config.architecture && s.layers == m.config.layers && s.headDim == m.config.headDim)
        #expect(s.rope.scaling == m.config.ropeScaling.rawValue)
        #expect(s.kernels.map(\.matrices).reduce(0, +) == m.transformer.weights.linears.count)
        #expect(s.memoryBytes >= s.fileBytes)
        let text = s.lines.joined(separator: "\n")
        #expect(text.contains("family      \(s.family)"))
        if m.config.rope.usesFactors { #expect(text.contains("frequency factors")) }
        if let w = m.config.slidingWindow { #expect(text.contains("sliding window \(w)")) }
    }
}

