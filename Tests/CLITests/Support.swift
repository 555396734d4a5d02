import Foundation
import TestSupport

/// Runs the built `hopscope` binary: `$HOPSCOPE_BIN` (the Makefile sets it), else the package's
/// `.build/release` or `.build/debug` binary.
enum CLI {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../..").standardized

    static var binary: String? {
        if let b = ProcessInfo.processInfo.environment["HOPSCOPE_BIN"], !b.isEmpty { return b }
        for config in ["release", "debug"] {
            let p = packageRoot.appendingPathComponent(".build/\(config)/hopscope").path
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }

    static var available: Bool { binary != nil }
    static var modelAvailable: Bool { available && TestModels.available(TestModels.smollm2) }
    static var model: String { TestModels.smollm2 }

    static func sample(_ name: String) -> String { packageRoot.appendingPathComponent("sample-queries/\(name)").path }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        /// Killed by a signal (status is then the signal number).
        var signalled: Bool
    }

    /// Runs `hopscope args…` to completion (stdout and stderr through files: no pipe deadlocks).
    static func run(_ args: [String], environment: [String: String] = [:]) throws -> Result {
        let p = try start(args, environment: environment)
        p.process.waitUntilExit()
        return p.result()
    }

    /// Runs a shell command line with `$HOPSCOPE` set to the binary.
    static func shell(_ script: String) throws -> Result {
        let p = try start(["/bin/bash", "-c", script], environment: ["HOPSCOPE": binary!], direct: true)
        p.process.waitUntilExit()
        return p.result()
    }

    final class Running {
        let process: Process
        let out: URL
        let err: URL
        init(process: Process, out: URL, err: URL) {
            self.process = process
            self.out = out
            self.err = err
        }
        func result() -> Result {
            let o = (try? String(contentsOf: out, encoding: .utf8)) ?? ""
            let e = (try? String(contentsOf: err, encoding: .utf8)) ?? ""
            try? FileManager.default.removeItem(at: out)
            try? FileManager.default.removeItem(at: err)
            return Result(status: process.terminationStatus, stdout: o, stderr: e,
                          signalled: process.terminationReason == .uncaughtSignal)
        }
    }

    static func start(_ args: [String], environment: [String: String] = [:], direct: Bool = false) throws -> Running {
        let p = Process()
        if direct {
            p.executableURL = URL(fileURLWithPath: args[0])
            p.arguments = Array(args.dropFirst())
        } else {
            p.executableURL = URL(fileURLWithPath: binary!)
            p.arguments = args
        }
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        p.environment = env
        let tmp = FileManager.default.temporaryDirectory
        let out = tmp.appendingPathComponent("hopscope-cli-\(UUID().uuidString).out")
        let err = tmp.appendingPathComponent("hopscope-cli-\(UUID().uuidString).err")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        p.standardOutput = try FileHandle(forWritingTo: out)
        p.standardError = try FileHandle(forWritingTo: err)
        p.standardInput = FileHandle.nullDevice
        try p.run()
        return Running(process: p, out: out, err: err)
    }

    /// The lines of a JSONL file, each parsed (nil for a line that is not a JSON object).
    static func jsonLines(_ path: String) throws -> [(text: String, object: NSDictionary?)] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var lines = text.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        return lines.map { ($0, (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? NSDictionary) }
    }

    /// Rows by id (the id must be unique).
    static func rowsByID(_ path: String) throws -> [String: NSDictionary] {
        var out: [String: NSDictionary] = [:]
        for (_, o) in try jsonLines(path) {
            guard let o, let id = o["id"] as? String else { continue }
            out[id] = o
        }
        return out
    }

    /// Writes the first `n` lines of the showcase to `path`.
    static func showcase(_ n: Int, to path: String) throws {
        let lines = try String(contentsOfFile: sample("showcase.jsonl"), encoding: .utf8).split(separator: "\n").prefix(n)
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }
}
