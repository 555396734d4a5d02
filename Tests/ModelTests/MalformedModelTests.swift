import Foundation
import GGUF
@testable import Model
import Testing
import TestSupport

/// Well-formed GGUF containers holding a model hopscope cannot run: wrong architecture, missing
/// keys or tensors, shapes that do not fit, absurd hyper-parameters. Each load must fail with a
/// `ModelError` that names the key or tensor, in under a second.
@Suite struct MalformedModelTests {
    // MARK: Helpers

    static let spec: SyntheticModel = {
        var s = SyntheticModel(dim: 32, layers: 1, ffn: 64, heads: 2, kvHeads: 1, vocab: 260)
        s.type = .q8_0
        return s
    }()
    static let valid: [UInt8] = try! spec.writer().serialized()

    /// The valid tiny model with edits: metadata set (nil removes), tensors dropped or reshaped
    /// (reshaped tensors keep their type and get zero bytes), written to a temporary file.
    static func variant(_ dir: TemporaryDirectory, set meta: [String: GGUFValue?] = [:], drop: Set<String> = [],
                        reshape: [String: [Int]] = [:], renamePrefix: (String, String)? = nil,
                        add: [(String, [Int])] = []) throws -> String {
        let src = try GGUFFile(bytes: valid)
        var w = GGUFWriter()
        for key in src.metadataKeys {
            var newKey = key
            if let (from, to) = renamePrefix, key.hasPrefix(from) { newKey = to + key.dropFirst(from.count) }
            if let v = meta[newKey] {
                if let v { w.set(newKey, v) }
            } else {
                w.set(newKey, src.metadata[key]!)
            }
        }
        for (key, v) in meta where w.metadataValue(key) == nil { if let v { w.set(key, v) } }
        for t in src.tensors where !drop.contains(t.name) {
            if let shape = reshape[t.name] {
                let bytes = t.type.rowBytes(shape[0])! * shape.dropFirst().reduce(1, *)
                try w.addTensor(t.name, type: t.type, shape: shape, bytes: [UInt8](repeating: 0, count: bytes))
            } else {
                try w.addTensor(t.name, type: t.type, shape: t.shape, bytes: Array(src.data(t)))
            }
        }
        for (name, shape) in add {
            // F32 ones: norm weights.
            try w.addTensor(name, type: .f32, shape: shape, bytes: (0..<shape.reduce(1, *)).flatMap { _ in withUnsafeBytes(of: Float(1).bitPattern.littleEndian, Array.init) })
        }
        let path = dir.path("model.gguf")
        try w.write(to: path)
        return path
    }

    /// Loads `path`, expecting a `ModelError` whose description contains each of `mentions`.
    @discardableResult
    static func expectLoadError(_ path: String, mentions: [String], availableMemory: Int? = nil,
                                sourceLocation: SourceLocation = #_sourceLocation) -> ModelError? {
        let clock = ContinuousClock(), start = clock.now
        var caught: ModelError?
        do {
            _ = try LanguageModel(path: path, availableMemory: availableMemory)
            Issue.record("loaded without error", sourceLocation: sourceLocation)
        } catch {
            caught = error
        }
        #expect(clock.now - start < .seconds(1), sourceLocation: sourceLocation)
        for m in mentions {
            #expect(caught?.description.contains(m) == true, "'\(caught?.description ?? "no error")' does not mention '\(m)'",
                    sourceLocation: sourceLocation)
        }
        return caught
    }

    @Test func theTinyModelLoads() throws {
        let dir = TemporaryDirectory()
        let m = try LanguageModel(path: try Self.variant(dir), availableMemory: nil)
        #expect(m.config.dim == 32 && m.tokenizer.vocabSize == 260)
    }

    // MARK: Not a model at all

    @Test func directoryEmptyAndTextFiles() throws {
        let dir = TemporaryDirectory()
        let d = Self.expectLoadError(dir.url.path, mentions: [dir.url.path, "directory"])
        #expect(d == .gguf(GGUFError(.notGGUF, "is a directory, not a GGUF file", path: dir.url.path)))

        FileManager.default.createFile(atPath: dir.path("empty.gguf"), contents: Data())
        Self.expectLoadError(dir.path("empty.gguf"), mentions: ["empty.gguf", "empty"])

        try "not a model\n".write(toFile: dir.path("readme.gguf"), atomically: true, encoding: .utf8)
        Self.expectLoadError(dir.path("readme.gguf"), mentions: ["readme.gguf", "not a GGUF file", "magic"])

        Self.expectLoadError(dir.path("missing.gguf"), mentions: ["missing.gguf", "No such file"])
    }

    @Test func namedPipeDoesNotHang() throws {
        let dir = TemporaryDirectory()
        let fifo = dir.path("pipe.gguf")
        #expect(mkfifo(fifo, 0o600) == 0)
        Self.expectLoadError(fifo, mentions: ["pipe.gguf", "not a regular file"])
    }

    @Test func truncatedModel() throws {
        let dir = TemporaryDirectory()
        let path = dir.path("cut.gguf")
        FileManager.default.createFile(atPath: path, contents: Data(Self.valid.prefix(Self.valid.count - 100)))
        let e = Self.expectLoadError(path, mentions: ["cut.gguf", "'output_norm.weight'"])
        if case .gguf(let g)? = e { #expect(g.kind == .truncated) } else { Issue.record("\(String(describing: e))") }
    }

    // MARK: Architecture

    @Test func unsupportedArchitecture() throws {
        let dir = TemporaryDirectory()
        let e = Self.expectLoadError(try Self.variant(dir, set: ["general.architecture": .string("mamba")]), mentions: [])
        #expect(e == .unsupportedArchitecture("mamba"))
        #expect(e?.description == "unsupported architecture 'mamba' (supported: llama, qwen2, qwen3, gemma2, gemma3, phi3, olmo2)")
    }

    @Test func architectureOfTheWrongType() throws {
        let dir = TemporaryDirectory()
        Self.expectLoadError(try Self.variant(dir, set: ["general.architecture": .uint32(1)]),
                             mentions: ["'general.architecture'", "expected a string"])
    }

    // MARK: Missing keys and tensors

    @Test(arguments: ["general.architecture", "llama.embedding_length", "llama.block_count",
                      "llama.attention.head_count", "llama.feed_forward_length", "tokenizer.ggml.model",
                      "tokenizer.ggml.tokens", "tokenizer.ggml.merges"])
    func missingKey(key: String) throws {
        let dir = TemporaryDirectory()
        Self.expectLoadError(try Self.variant(dir, set: [key: GGUFValue?.none]), mentions: ["'\(key)'"])
    }

    @Test(arguments: ["token_embd.weight", "blk.0.attn_norm.weight", "blk.0.attn_q.weight", "blk.0.attn_k.weight",
                      "blk.0.attn_v.weight", "blk.0.attn_output.weight", "blk.0.ffn_gate.weight",
                      "blk.0.ffn_up.weight", "blk.0.ffn_down.weight", "blk.0.ffn_norm.weight", "output_norm.weight"])
    func missingTensor(name: String) throws {
        let dir = TemporaryDirectory()
        let e = Self.expectLoadError(try Self.variant(dir, drop: [name]), mentions: ["missing tensor '\(name)'"])
        if case .badTensor? = e {} else { Issue.record("\(String(describing: e))") }
    }

    /// qwen2's Q/K/V biases are optional, as in llama.cpp (create_tensor_qkv): a llama-shaped file loads.
    @Test func qwen2WithoutBiases() throws {
        let dir = TemporaryDirectory()
        let path = try Self.variant(dir, set: ["general.architecture": .string("qwen2")], renamePrefix: ("llama.", "qwen2."))
        let m = try LanguageModel(path: path, availableMemory: nil)
        #expect(m.config.architecture == "qwen2" && m.transformer.weights.blocks[0].bq == nil)
    }

    /// gemma3 needs per-head Q/K norms and post-norms.
    @Test func gemma3WithoutItsNorms() throws {
        let dir = TemporaryDirectory()
        let path = try Self.variant(dir, set: ["general.architecture": .string("gemma3")], renamePrefix: ("llama.", "gemma3."))
        Self.expectLoadError(path, mentions: ["missing tensor 'blk.0.attn_q_norm.weight'"])
    }

    // MARK: Shapes that do not fit the architecture

    static let misshapen: [(String, [Int], String)] = [
        ("blk.0.attn_q.weight", [32, 64], "expected [32, 32]"),
        ("blk.0.attn_k.weight", [32, 32], "expected [32, 16]"),
        ("blk.0.ffn_down.weight", [32, 64], "expected [64, 32]"),
        ("blk.0.ffn_up.weight", [32, 64, 2], "expected [32, 64]"),
        ("token_embd.weight", [32, 259], "expected [32, 260]"),
        ("blk.0.attn_norm.weight", [64], "expected [32]"),
        ("output_norm.weight", [32, 2], "expected [32]"),
    ]
    @Test(arguments: misshapen)
    func shapeDoesNotFit(name: String, shape: [Int], expected: String) throws {
        let dir = TemporaryDirectory()
        let e = Self.expectLoadError(try Self.variant(dir, reshape: [name: shape]), mentions: ["'\(name)'", "\(shape)", expected])
        if case .badTensor? = e {} else { Issue.record("\(String(describing: e))") }
    }

    @Test func metadataDisagreesWithTheTensors() throws {
        let dir = TemporaryDirectory()
        Self.expectLoadError(try Self.variant(dir, set: ["llama.embedding_length": .uint32(64), "llama.rope.dimension_count": .uint32(32)]),
                             mentions: ["'token_embd.weight'", "expected [64, 260]"])
        // Without the matching rope dimension, llama refuses first (llama.cpp: "invalid n_rot").
        Self.expectLoadError(try Self.variant(dir, set: ["llama.embedding_length": .uint32(64)]),
                             mentions: ["'llama.rope.dimension_count' = 16", "head dim 32"])
    }

    @Test func tokenizerLargerThanTheEmbedding() throws {
        let dir = TemporaryDirectory()
        let src = try GGUFFile(bytes: Self.valid)
        let tokens = src.metadata["tokenizer.ggml.tokens"]!.array!.strings! + ["<extra_260>"]
        let types = src.metadata["tokenizer.ggml.token_type"]!.array!.ints!.map(Int32.init) + [3]
        let path = try Self.variant(dir, set: ["tokenizer.ggml.tokens": .array(.string(tokens)),
                                               "tokenizer.ggml.token_type": .array(.int32(types))])
        Self.expectLoadError(path, mentions: ["261 tokens", "260 rows", "'token_embd.weight'"])
    }

    // MARK: Hyper-parameters a file can lie about

    static let absurd: [(String, GGUFValue, String)] = [
        ("llama.attention.head_count", .uint32(0), "heads 0"),
        ("llama.attention.head_count_kv", .uint32(3), "not a multiple"),
        ("llama.attention.head_count_kv", .uint32(0), "kv heads 0"),
        ("llama.block_count", .uint32(0), "layers 0"),
        ("llama.block_count", .uint64(1 << 40), "layers 1099511627776"),
        ("llama.embedding_length", .int32(-32), "dim -32"),
        ("llama.attention.head_count", .uint64(1 << 62), "heads 4611686018427387904"),
        ("llama.feed_forward_length", .uint64(UInt64.max), "'llama.feed_forward_length'"),
        ("llama.rope.dimension_count", .int32(-2), "rope.dimension_count -2"),
        ("llama.rope.dimension_count", .uint32(7), "rope.dimension_count 7"),
        ("llama.context_length", .int32(0), "context_length 0"),
        ("llama.vocab_size", .uint32(1 << 30), "vocab 1073741824"),
        ("llama.embedding_length", .string("32"), "'llama.embedding_length'"),
    ]
    @Test(arguments: absurd)
    func absurdHyperParameter(key: String, value: GGUFValue, mention: String) throws {
        let dir = TemporaryDirectory()
        var meta: [String: GGUFValue?] = [key: value]
        if key == "llama.attention.head_count" { meta["llama.attention.key_length"] = .uint32(16) }
        Self.expectLoadError(try Self.variant(dir, set: meta), mentions: [mention])
    }

    /// 0 means no sliding window (llama.cpp); a negative window is refused.
    @Test func gemma3SlidingWindowZeroIsNone() throws {
        let dir = TemporaryDirectory()
        let path = try Self.variant(dir, set: ["general.architecture": .string("gemma3"), "gemma3.attention.sliding_window": .int32(0),
                                               "gemma3.attention.key_length": .uint32(16)],
                                    renamePrefix: ("llama.", "gemma3."), add: Self.gemmaNorms)
        #expect(try LanguageModel(path: path, availableMemory: nil).config.slidingWindow == nil)
    }

    /// The norms a gemma3 block has beyond llama's (1 layer, dim 32, head dim 16).
    static let gemmaNorms: [(String, [Int])] = [("blk.0.attn_q_norm.weight", [16]), ("blk.0.attn_k_norm.weight", [16]),
                                                ("blk.0.post_attention_norm.weight", [32]), ("blk.0.post_ffw_norm.weight", [32])]

    @Test(arguments: [Int32(-5)])
    func gemma3SlidingWindowNotPositive(window: Int32) throws {
        let dir = TemporaryDirectory()
        let path = try Self.variant(dir, set: ["general.architecture": .string("gemma3"),
                                               "gemma3.attention.sliding_window": .int32(window)],
                                    renamePrefix: ("llama.", "gemma3."), add: Self.gemmaNorms)
        Self.expectLoadError(path, mentions: ["sliding_window \(window)", "must be positive"])
    }

    @Test func tokenizerModelUnsupported() throws {
        let dir = TemporaryDirectory()
        Self.expectLoadError(try Self.variant(dir, set: ["tokenizer.ggml.model": .string("bert")]),
                             mentions: ["'tokenizer.ggml.model'", "'bert'", "gpt2, llama"])
    }

    // MARK: Bad input to a loaded model

    @Test func badTokenInput() throws {
        let dir = TemporaryDirectory()
        let m = try LanguageModel(path: try Self.variant(dir, set: ["llama.context_length": .uint32(8)]), availableMemory: nil)
        #expect(throws: ModelError.badInput("the prompt is empty (no tokens)")) { try m.run([]) }
        #expect(throws: ModelError.contextOverflow(needed: 9, limit: 8)) { try m.run([Int32](repeating: 65, count: 9)) }
        #expect(throws: ModelError.contextOverflow(needed: 12, limit: 8)) { try m.generate([1, 2], maxTokens: 10) }
        #expect(throws: ModelError.badInput("token id 260 is outside the vocabulary of 260")) { try m.run([1, 260]) }
        #expect(throws: ModelError.badInput("token id -1 is outside the vocabulary of 260")) { try m.run([-1]) }
    }
}
