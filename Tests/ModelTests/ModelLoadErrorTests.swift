import Foundation
import GGUF
@testable import Model
import Testing
import TestSupport

/// A model larger than the memory available is refused before anything large is allocated,
/// with the memory it needs and the memory there is, instead of being killed by the kernel.
@Suite struct ModelLoadErrorTests {
    /// ≈ 2.3 MB of Q8_0 weights, ≈ 8.5 MB as f32 copies.
    static func model(_ dir: TemporaryDirectory) throws -> String {
        var spec = SyntheticModel(dim: 256, layers: 2, ffn: 512, heads: 4, kvHeads: 4, vocab: 2048)
        spec.type = .q8_0
        let path = dir.path("mid.gguf")
        try spec.write(to: path)
        return path
    }

    static func fileSize(_ path: String) throws -> Int {
        try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int
    }

    @Test func refusedWhenTheWeightsDoNotFit() throws {
        let dir = TemporaryDirectory()
        let path = try Self.model(dir)
        let size = try Self.fileSize(path)
        let clock = ContinuousClock(), start = clock.now
        do {
            _ = try LanguageModel(path: path, availableMemory: 1 << 20)
            Issue.record("loaded with 1 MB available")
        } catch {
            guard case .tooLarge(let message) = error else { Issue.record("\(error)"); return }
            let neededMB = (size + (1 << 20) - 1) >> 20
            #expect(message.contains("mid.gguf"))
            #expect(message.contains("needs \(neededMB) MB of memory"), "\(message)")
            #expect(message.contains("only 1 MB is available"), "\(message)")
        }
        #expect(clock.now - start < .seconds(1))
    }

    /// With room for the quantized weights but not their f32 copies, the model loads without them.
    @Test func withoutRoomForTheF32CopiesTheModelStillLoads() throws {
        let dir = TemporaryDirectory()
        let path = try Self.model(dir)
        let tight = try LanguageModel(path: path, availableMemory: try Self.fileSize(path) + (1 << 20))
        #expect(tight.transformer.weights.linears.allSatisfy { $0.dense == nil })
        let roomy = try LanguageModel(path: path, availableMemory: 1 << 30)
        #expect(roomy.transformer.weights.linears.allSatisfy { $0.dense != nil })
        // Same answer either way.
        let ids: [Int32] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
        let a = try tight.nextLogits(ids), b = try roomy.nextLogits(ids)
        #expect(argmax(a) == argmax(b))
    }

    @Test func refusalMessageCountsTheF32Copies() throws {
        let dir = TemporaryDirectory()
        let file = try GGUFFile(path: try Self.model(dir))
        #expect(throws: ModelError.self) {
            try LanguageModel.checkMemory(file: file, dense: 100 << 20, available: 50 << 20)
        }
        do { try LanguageModel.checkMemory(file: file, dense: 100 << 20, available: 50 << 20) } catch {
            #expect(error.description.contains("+ 100 MB of f32 copies"), "\(error)")
            #expect(error.description.contains("only 50 MB is available"), "\(error)")
        }
        try LanguageModel.checkMemory(file: file, dense: 0, available: 1 << 30)
    }

    @Test func availableMemoryFromTheEnvironmentOrProc() {
        #expect(LanguageModel.availableMemory(environment: ["HOPSCOPE_MEMORY_LIMIT_MB": "512"]) == 512 << 20)
        #expect(LanguageModel.availableMemory(environment: ["HOPSCOPE_MEMORY_LIMIT_MB": "0"]) == 0)
        #if os(Linux)
        let proc = LanguageModel.availableMemory(environment: [:])
        #expect(proc != nil && proc! > 16 << 20)
        // A malformed override is ignored: /proc/meminfo decides.
        #expect(LanguageModel.availableMemory(environment: ["HOPSCOPE_MEMORY_LIMIT_MB": "lots"]) != nil)
        #endif
    }

    /// End to end through the command line, where the variable is the user's interface.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["HOPSCOPE_BIN"] != nil, "needs the built binary in HOPSCOPE_BIN (make test sets it)"))
    func commandLineReportsTooLarge() throws {
        let bin = try #require(ProcessInfo.processInfo.environment["HOPSCOPE_BIN"])
        let dir = TemporaryDirectory()
        let path = try Self.model(dir)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: bin)
        // `generate` loads the whole model (`tokenize` loads only the tokenizer).
        p.arguments = ["generate", "--model", path, "--max-tokens", "1", "hello"]
        var env = ProcessInfo.processInfo.environment
        env["HOPSCOPE_MEMORY_LIMIT_MB"] = "1"
        p.environment = env
        let err = Pipe()
        p.standardError = err
        p.standardOutput = Pipe()
        try p.run()
        p.waitUntilExit()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(p.terminationStatus != 0)
        #expect(text.contains("only 1 MB is available"), "\(text)")
    }
}
