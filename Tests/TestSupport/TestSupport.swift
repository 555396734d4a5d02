import Foundation

/// Where the default models live for tests: the cache that `make setup` fills.
public enum TestModels {
    public static var home: String {
        if let h = ProcessInfo.processInfo.environment["HOPSCOPE_HOME"], !h.isEmpty { return h }
        return NSHomeDirectory() + "/.cache/hopscope"
    }
    public static var smollm2: String { home + "/models/SmolLM2-135M-Instruct.Q4_1.gguf" }
    public static var gemma3: String { home + "/models/gemma-3-270m-q4_k_m.gguf" }

    /// True when the model file exists (tests of the real models require `make setup`).
    ///
    /// Under `HOPSCOPE_REQUIRE_MODELS=1` (set by `make test`, after the setup step has run) a missing
    /// model is an error, never a skip: this returns true, so the suite runs and fails on the missing
    /// file, and says so on stderr.
    public static func available(_ path: String) -> Bool {
        if FileManager.default.fileExists(atPath: path) { return true }
        guard required else { return false }
        FileHandle.standardError.write(Data("error: HOPSCOPE_REQUIRE_MODELS=1 but \(path) is missing: the model-dependent tests will fail\n".utf8))
        return true
    }

    /// Whether model-dependent tests must run (`HOPSCOPE_REQUIRE_MODELS=1`).
    public static var required: Bool { ProcessInfo.processInfo.environment["HOPSCOPE_REQUIRE_MODELS"] == "1" }
}

/// Locates fixture files next to a test source file.
public enum Fixtures {
    /// `Fixtures/<name>` in the directory of the calling test file.
    public static func url(_ name: String, file: StaticString = #filePath) -> URL {
        URL(fileURLWithPath: "\(file)").deletingLastPathComponent().appendingPathComponent("Fixtures").appendingPathComponent(name)
    }

    public static func data(_ name: String, file: StaticString = #filePath) throws -> Data {
        try Data(contentsOf: url(name, file: file))
    }
}

/// A temporary directory removed when the value is deinitialised.
public final class TemporaryDirectory {
    public let url: URL
    public init() {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("hopscope-test-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    public func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    deinit { try? FileManager.default.removeItem(at: url) }
}
