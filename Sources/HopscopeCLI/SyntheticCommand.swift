import ArgumentParser
import Foundation
import GGUF
import Analysis

/// `hopscope synthetic`: writes a llama-architecture GGUF of a benchmark shape with deterministic
/// random weights (for `make bench`; no real 7B model is downloaded), or, with `--family`, one of the
/// tiny F32 files of the family fidelity tests (the golden script runs llama.cpp on the same bytes):
///
/// ```
/// $ hopscope synthetic --family qwen3 --seed 1 --out /tmp/qwen3.gguf
/// ```
/// Hidden: a tool, not an analysis.
struct SyntheticCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synthetic", abstract: "Write a synthetic benchmark-shaped GGUF (random weights).", shouldDisplay: false)

    @Option(help: "Shape: llama2-7b (dim 4096, 32 layers, ffn 11008, 32 heads) or llama3-8b (dim 4096, 32 layers, ffn 14336, 32 heads, 8 kv heads, vocab 128,256).") var preset = "llama2-7b"
    @Option(help: "Weight type: \(SyntheticCommand.typeNames.joined(separator: ", ")) (the _S/_M mixes as llama.cpp's quantizer makes them).") var type = "q4_0"
    @Option(help: "Copy the tokenizer (and vocabulary size) from this GGUF (default: the installed SmolLM2).") var tokenizerFrom: String?
    @Option(help: "A tiny family test file instead: \(SyntheticModel.familyCases.joined(separator: ", ")), or one of them with \"\(SyntheticModel.wideSuffix)\" (dim 256, for K-quants).") var family: String?
    @Option(help: "Seed of the random weights (with --family).") var seed: UInt64 = 1
    @Option(help: "Output path.") var out: String

    /// The --type names: a type for every matrix, or a K-quant mix.
    static let types: [String: (GGMLType, KQuantMix?)] = {
        var t: [String: (GGMLType, KQuantMix?)] = [
            "f16": (.f16, nil), "bf16": (.bf16, nil), "q8_0": (.q8_0, nil), "q6_k": (.q6_K, nil), "q5_k": (.q5_K, nil), "q3_k": (.q3_K, nil),
            "q4_k": (.q4_K, nil), "q4_0": (.q4_0, nil), "q4_1": (.q4_1, nil), "q5_0": (.q5_0, nil), "q5_1": (.q5_1, nil),
        ]
        for m in KQuantMix.allCases { t[m.rawValue.lowercased()] = (m.base, m) }
        return t
    }()
    static var typeNames: [String] { types.keys.sorted() }

    func run() throws {
        if let family {
            guard let spec = SyntheticModel.familyCase(family, seed: seed) else {
                throw CLIError("--family: unknown '\(family)' (known: \(SyntheticModel.familyCases.joined(separator: ", ")))")
            }
            try spec.write(to: out)
            return
        }
        let presets: [String: SyntheticModel] = ["llama2-7b": .llama2_7B, "llama3-8b": .llama3_8B]
        guard var spec = presets[preset] else { throw CLIError("--preset: unknown shape '\(preset)' (known: llama2-7b, llama3-8b)") }
        guard let (t, mix) = SyntheticCommand.types[type.lowercased()] else {
            throw CLIError("--type: unknown '\(type)' (known: \(SyntheticCommand.typeNames.joined(separator: ", ")))")
        }
        let source = ModelPaths.resolve(tokenizerFrom)
        let vocabFile = try GGUFFile(path: source)
        guard let vocab = vocabFile.value("tokenizer.ggml.tokens")?.array?.count else {
            throw CLIError("\(source): no tokenizer.ggml.tokens")
        }
        // The tokenizer's vocabulary, or the shape's when larger (padded with unused tokens: llama3-8b).
        spec.vocab = max(vocab, preset == "llama3-8b" ? spec.vocab : vocab)
        spec.tokenizer = .copied(from: source)
        spec.type = t
        spec.mix = mix
        spec.name = "synthetic \(preset) \(type)"
        let tmp = out + ".partial"
        try FileManager.default.createDirectory(atPath: (out as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try spec.write(to: tmp)
        if FileManager.default.fileExists(atPath: out) { try FileManager.default.removeItem(atPath: out) }
        try FileManager.default.moveItem(atPath: tmp, toPath: out)
    }
}
