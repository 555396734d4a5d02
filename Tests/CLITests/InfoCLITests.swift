import Foundation
import Testing
import TestSupport

/// `hopscope info` on a file of every family (`hopscope synthetic --family`), the default models, and
/// a file it must refuse: JSON fields scripts rely on, a one-line error naming the problem.
@Suite(.enabled(if: CLI.available, "the hopscope binary is not built"))
struct InfoCLITests {
    static let cases = ["llama3", "llama-linear", "llama-yarn", "qwen2", "qwen3", "gemma2", "gemma3", "phi3", "olmo2"]

    @Test(arguments: cases)
    func infoOnEveryFamily(name: String) throws {
        let dir = TemporaryDirectory()
        let path = dir.path("\(name).gguf")
        let w = try CLI.run(["synthetic", "--family", name, "--out", path])
        #expect(w.status == 0, "\(w.stderr)")
        let r = try CLI.run(["info", "--json", "--model", path])
        #expect(r.status == 0, "\(r.stderr)")
        let j = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        for key in ["family", "layers", "dim", "heads", "kvHeads", "headDim", "rope", "vocabSize", "tokenizer",
                    "tensorTypes", "kernels", "memoryBytes"] {
            #expect(j[key] != nil, "\(name): no '\(key)' in \(r.stdout)")
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
