import Foundation
import Wire

/// The server's event log (`--log FILE`): one JSON object per line, written whole.
///
/// `{"t": unix seconds, "event": "connect"|"disconnect"|"start"|"done"|"cancelled"|"failed"|"refused",
///   "client": N, "name": "…", "id": request id, "op": "…", "seconds": run time, "queued": seconds waiting,
///   "message": "…"}`
public final class ServerLog: @unchecked Sendable {
    private let lock = NSLock()
    private let fd: Int32?
    /// Also print each line on stderr (`--verbose`).
    private let echo: Bool

    public init(path: String?, echo: Bool = false) throws {
        self.echo = echo
        if let path {
            let f = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
            guard f >= 0 else { throw WireError(.badRequest, "cannot open the log \(path): \(String(cString: strerror(errno)))") }
            fd = f
        } else { fd = nil }
    }

    deinit { if let fd { close(fd) } }

    public func write(_ event: String, client: Int? = nil, name: String? = nil, id: Int? = nil, op: String? = nil,
                      seconds: Double? = nil, queued: Double? = nil, message: String? = nil) {
        guard fd != nil || echo else { return }
        var o: [String: JSONValue] = ["t": .number((Date().timeIntervalSince1970 * 1000).rounded() / 1000), "event": .string(event)]
        if let client { o["client"] = .number(Double(client)) }
        if let name { o["name"] = .string(name) }
        if let id { o["id"] = .number(Double(id)) }
        if let op { o["op"] = .string(op) }
        if let seconds { o["seconds"] = .number((seconds * 1e4).rounded() / 1e4) }
        if let queued { o["queued"] = .number((queued * 1e4).rounded() / 1e4) }
        if let message { o["message"] = .string(message) }
        guard let data = try? WireCoding.line(JSONValue.object(o)) else { return }
        lock.lock(); defer { lock.unlock() }
        if let fd { _ = data.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) } }
        if echo { FileHandle.standardError.write(data) }
    }
}
