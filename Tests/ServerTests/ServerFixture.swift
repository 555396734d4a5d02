import Analysis
import Foundation
import GGUF
import Model
import Server
import TestSupport
import Testing
import Wire
#if canImport(Glibc)
import Glibc
#endif

/// A workshop server on a tiny synthetic model, in this process, on a socket of its own.
final class ServerFixture: @unchecked Sendable {
    static let model = TinyModels.load(dim: 64, layers: 6, ffn: 96, heads: 4, kvHeads: 2, vocab: 300, seed: 17)

    static let query = "The currency of the country of origin of Toyota is | Toyota | Japan | yen"

    let dir = TemporaryDirectory()
    let server: WorkshopServer
    let socket: String
    let logPath: String
    private let thread: Thread
    private let finished = DispatchSemaphore(value: 0)

    /// `model`: the synthetic one by default.
    init(model: LanguageModel? = nil, configure: (inout WorkshopServer.Options) -> Void = { _ in }) throws {
        socket = dir.path("s.sock")
        logPath = dir.path("server.log")
        var o = WorkshopServer.Options(socketPath: socket)
        configure(&o)
        let session = try AnalysisSession(model: model ?? Self.model)
        server = try WorkshopServer(options: o, models: [.init(name: "tiny", session: session)], log: try ServerLog(path: logPath))
        let ready = DispatchSemaphore(value: 0)
        let server = self.server, finished = self.finished
        thread = Thread {
            do { try server.run { ready.signal() } } catch { Issue.record("server: \(error)"); ready.signal() }
            finished.signal()
        }
        thread.start()
        ready.wait()
    }

    deinit {
        server.stop()
        _ = finished.wait(timeout: .now() + 5)
    }

    /// A connected, greeted client.
    func client(_ name: String = "test") throws -> WorkshopClient { try WorkshopClient(path: socket, name: name) }

    /// The log's lines as objects.
    func log() -> [[String: Any]] {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    /// Waits until a log line satisfies `p` (or `timeout` passes); returns it.
    func waitForLog(timeout: Double = 10, _ p: ([String: Any]) -> Bool) -> [String: Any]? {
        let end = Date().addingTimeInterval(timeout)
        while Date() < end {
            if let l = log().first(where: p) { return l }
            usleep(20_000)
        }
        return nil
    }
}

/// A raw connection for sending arbitrary bytes and reading events.
final class RawConnection {
    let fd: Int32
    private let reader: LineReader

    init(_ path: String) throws {
        fd = try UnixSocket.connect(path)
        var tv = timeval(tv_sec: 20, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        reader = LineReader(fd: fd, maxBytes: 1 << 30)
    }

    deinit { close(fd) }

    func send(_ s: String) { _ = FDWriter.writeAll(fd, Data(s.utf8)) }
    func send(_ d: Data) { _ = FDWriter.writeAll(fd, d) }

    /// The next event (nil at the end of the connection or after the read timeout).
    func next() -> [String: Any]? {
        guard case .line(let d) = reader.next() else { return nil }
        return try? JSONSerialization.jsonObject(with: d) as? [String: Any]
    }

    func hello() -> [String: Any]? {
        send("{\"id\":0,\"op\":\"hello\",\"protocol\":1,\"name\":\"raw\"}\n")
        return next()
    }
}

extension Dictionary where Key == String, Value == Any {
    var errorCode: String? { (self["error"] as? [String: Any])?["code"] as? String }
}
