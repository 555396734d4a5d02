import Foundation
import GGUF
import Model

/// Tiny random-weight f32 models (byte tokenizer) for tests that need a model before any download.
public enum TinyModels {
    /// Writes a synthetic model of this shape and seed to a temporary file and loads it (the file is
    /// removed once loaded: the model keeps its mapping).
    public static func load(dim: Int, layers: Int, ffn: Int, heads: Int = 4, kvHeads: Int = 2, vocab: Int = 300,
                            seed: UInt64) -> LanguageModel {
        let dir = TemporaryDirectory()
        var spec = SyntheticModel(dim: dim, layers: layers, ffn: ffn, heads: heads, kvHeads: kvHeads, vocab: vocab)
        spec.type = .f32
        spec.seed = seed
        let path = dir.path("tiny-\(dim)x\(layers)-\(seed).gguf")
        try! spec.write(to: path)
        return try! LanguageModel(path: path)
    }
}

/// A real model loaded once for a suite, or the reason it could not be: under
/// `HOPSCOPE_REQUIRE_MODELS=1` a missing file lets the suite run (`TestModels.available`), and each
/// test then fails on `get()` naming the file, instead of the whole test process crashing on a
/// force-unwrap and losing every other suite's result.
public final class LoadedModel: @unchecked Sendable {
    public let path: String
    private let result: Result<LanguageModel, any Error>

    public init(_ path: String) {
        self.path = path
        result = Result { try LanguageModel(path: path) }
    }

    /// The model, or an error naming the file and why it did not load.
    public func get() throws -> LanguageModel {
        do { return try result.get() } catch { throw LoadError(description: "cannot load \(path): \(error)") }
    }

    struct LoadError: Error, CustomStringConvertible { var description: String }
}
