/// One transformer family (llama.cpp's architecture of the same name): its metadata, its weights,
/// its block's variant choices.
///
/// A family is one file of this folder, and one line of `Families.all`. The shared forward pass
/// (Transformer.swift), the hooks, caches and batching read only what the family decoded into
/// `ModelConfig` and `BlockWeights`; what a family does not read makes the load fail by name
/// (`MetadataReader.refuseUnread`, `WeightLoader.refuseUnread`).
protocol Family {
    /// `general.architecture` of its files.
    static var architecture: String { get }

    /// Sets the family's variant choices on the shared config, reading its own `{arch}.*` keys.
    static func configure(_ c: inout ModelConfig, _ m: MetadataReader) throws(ModelError)

    /// The weights of block `l`.
    static func block(_ l: Int, _ c: ModelConfig, _ w: WeightLoader) throws(ModelError) -> BlockWeights

    /// The unembedding (nil: tied to the embedding) and its optional bias.
    static func output(_ c: ModelConfig, _ w: WeightLoader) throws(ModelError) -> (matrix: Linear?, bias: [Float]?)

    /// RoPE frequency factors (headDim/2 … ropeDims/2 values) dividing each pair's angle, if the family has them.
    static func ropeFactors(_ c: ModelConfig, _ w: WeightLoader) throws(ModelError) -> [Float]?
}

extension Family {
    /// `output.weight` when present, else tied to `token_embd.weight`; no bias.
    static func output(_ c: ModelConfig, _ w: WeightLoader) throws(ModelError) -> (matrix: Linear?, bias: [Float]?) {
        (try w.optionalLinear("output.weight", out: c.vocabSize, in: c.dim), nil)
    }

    static func ropeFactors(_ c: ModelConfig, _ w: WeightLoader) throws(ModelError) -> [Float]? { nil }
}

/// The registry of families: adding one is its file plus one line here.
enum Families {
    static let all: [any Family.Type] = [
        Llama.self,
        Qwen2.self,
        Qwen3.self,
        Gemma2.self,
        Gemma3.self,
        Phi3.self,
        Olmo2.self,
    ]

    static func named(_ architecture: String) -> (any Family.Type)? {
        all.first { $0.architecture == architecture }
    }

    /// "llama, qwen2, …": for error messages.
    static var supportedList: String { all.map { $0.architecture }.joined(separator: ", ") }
}
