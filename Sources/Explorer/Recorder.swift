// asciicast v2 recording of what the terminal was sent (the JSONL transcript is in Transcript.swift).
import Foundation

/// Writes an asciicast v2 file (https://docs.asciinema.org/manual/asciicast/v2/): a JSON header line,
/// then one `[time, code, data]` array per line: "o" output, "r" resize ("COLSxROWS"), "m" marker.
/// Thread-safe; each event is flushed as it is written so a crash leaves a playable file.
public final class CastRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private let handle: FileHandle
    private let start: Date
    private var pending: [UInt8] = []   // an incomplete UTF-8 sequence carried to the next write
    private var lastTime: Double = 0

    public init(path: String, cols: Int, rows: Int, environment env: [String: String] = ProcessInfo.processInfo.environment,
                start: Date = Date()) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil) else {
            throw DemoError("cannot create the recording file \(path)")
        }
        handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        self.start = start
        var header: [String: Any] = ["version": 2, "width": cols, "height": rows, "timestamp": Int(start.timeIntervalSince1970),
                                     "title": "hopscope explore"]
        var e: [String: String] = [:]
        for k in ["SHELL", "TERM"] { if let v = env[k] { e[k] = v } }
        header["env"] = e
        let data = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys, .withoutEscapingSlashes])
        handle.write(data + Data("\n".utf8))
    }

    private func now() -> Double {
        // Times never go backwards, even if the clock does.
        lastTime = max(lastTime, Date().timeIntervalSince(start))
        return lastTime
    }

    private func event(_ code: String, _ text: String) {
        let t = now()
        let arr: [Any] = [(t * 1_000_000).rounded() / 1_000_000, code, text]
        if let data = try? JSONSerialization.data(withJSONObject: arr, options: [.withoutEscapingSlashes]) {
            handle.write(data + Data("\n".utf8))
        }
    }

    /// Records bytes sent to the terminal. Splits only at complete UTF-8 sequences.
    public func output(_ bytes: UnsafeBufferPointer<UInt8>) {
        lock.lock(); defer { lock.unlock() }
        pending.append(contentsOf: bytes)
        // Find the longest prefix that ends on a character boundary.
        var cut = pending.count
        var back = 0
        while back < 4 && cut - back - 1 >= 0 {
            let b = pending[cut - back - 1]
            if b & 0xC0 == 0x80 { back += 1; continue }
            let need = b & 0x80 == 0 ? 1 : b & 0xE0 == 0xC0 ? 2 : b & 0xF0 == 0xE0 ? 3 : b & 0xF8 == 0xF0 ? 4 : 1
            if back + 1 < need { cut = cut - back - 1 }
            break
        }
        guard cut > 0 else { return }
        let text = String(decoding: pending[..<cut], as: UTF8.self)
        pending.removeFirst(cut)
        event("o", text)
    }

    public func output(_ s: String) {
        var bytes = Array(s.utf8)
        bytes.withUnsafeMutableBufferPointer { output(UnsafeBufferPointer($0)) }
    }

    public func resize(cols: Int, rows: Int) { lock.lock(); event("r", "\(cols)x\(rows)"); lock.unlock() }
    public func marker(_ label: String) { lock.lock(); event("m", label); lock.unlock() }
    public func close() { lock.lock(); try? handle.close(); lock.unlock() }
}
