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
