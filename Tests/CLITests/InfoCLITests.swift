import Foundation
import Testing
import TestSupport

/// `hopscope info` on every file of the families table (docs/families.md: each family's F32 file from
/// `hopscope synthetic --family`, its Q8_0, the wide F32 and its Q4_K_M, quantized with the tensor types
/// llama.cpp's quantizer chose), the default models, and a file it must refuse: JSON fields scripts
/// rely on, a one-line error naming the problem.
@Suite(.enabled(if: CLI.available, "the hopscope binary is not built"))
struct InfoCLITests {
    static let cases = ["llama3", "llama-linear", "llama-yarn", "qwen2", "qwen3", "gemma2", "gemma3", "phi3", "olmo2"]

    /// The table's files: "CASE" (F32) or "CASE:QUANT", QUANT the key of the golden's tensor types.
    static let files = cases.flatMap { [$0, "\($0):q8_0", "\($0)-wide", "\($0)-wide:q4_k_m"] }
    /// general.file_type of each quantized variant (llama.cpp's LLAMA_FTYPE_MOSTLY_*).
    static let fileTypes: [String: UInt32] = ["q8_0": 7, "q4_k_m": 15]

    @Test(arguments: files)
    func infoOnEveryFamily(file: String) throws {
        let parts = file.split(separator: ":").map(String.init)
        let name = parts[0], quantized = parts.count > 1 ? (key: parts[1], fileType: Self.fileTypes[parts[1]]!) : nil
        let dir = TemporaryDirectory()
        var path = dir.path("\(name).gguf")
        let w = try CLI.run(["synthetic", "--family", name, "--out", path])
        #expect(w.status == 0, "\(w.stderr)")
        if let quantized {
            let golden = CLI.packageRoot.appendingPathComponent("Tests/ModelTests/Fixtures/families/\(name).json")
            let doc = try JSONSerialization.jsonObject(with: Data(contentsOf: golden)) as? [String: Any]
            let types = try #require((doc?[quantized.key] as? [String: Any])?["tensor_types"] as? [String])
            path = try QuantizedCopy(of: path, types: types, fileType: quantized.fileType, to: dir.path("\(name)-\(quantized.key).gguf")).path
        }
        let r = try CLI.run(["info", "--json", "--model", path])
        #expect(r.status == 0, "\(r.stderr)")
        let j = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        for key in ["family", "layers", "dim", "heads", "kvHeads", "headDim", "rope", "vocabSize", "tokenizer",
                    "tensorTypes", "kernels", "memoryBytes"] {
            #expect(j[key] != nil, "\(path): no '\(key)' in \(r.stdout)")
        }
        let text = try CLI.run(["info", "--model", path])
        #expect(text.status == 0 && text.stdout.contains("family      "))
    }

    @Test(.enabled(if: CLI.modelAvailable, "the default model is not installed"))
    func infoOnTheDefaultModel() throws {
        let r = try CLI.run(["info", "--model", CLI.model])
        #expect(r.status == 0 && r.stdout.contains("family      llama") && r.stdout.contains("kernel      Q4_1"), "\(r.stdout)\(r.stderr)")
    }

    @Test func infoOnANonModelFails() throws {
        let dir = TemporaryDirectory()
        try "not a model\n".write(toFile: dir.path("x.gguf"), atomically: true, encoding: .utf8)
        let r = try CLI.run(["info", "--model", dir.path("x.gguf")])
        #expect(r.status != 0 && r.stderr.contains("x.gguf"))
    }
}
