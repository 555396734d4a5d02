import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One connection to a workshop server: the handshake, requests by id, their events routed back.
///
/// ```swift
/// let c = try WorkshopClient(path: "/run/hopscope/workshop.sock", name: "alice")
/// var r = WireRequest(id: c.nextID(), op: .cell); r.query = "…"; r.source = 20; r.target = 5
/// let result = try c.call(r) { event in … }     // progress, partial, cells; then the result
/// ```
///
/// A reader thread receives every line; events of a request queue up for the thread that sent it
/// (`Pending`), events without an id go to `unsolicited`. When the connection ends, every waiting call throws
/// `WireError(.disconnected)` and `onClose` runs once.
public final class WorkshopClient: @unchecked Sendable {
    public let path: String
    public private(set) var hello = WireEvent(id: 0, event: "result")
    private let fd: Int32
    private let lock = NSLock()
    private var waiting: [Int: Pending] = [:]
    private var closed = false
    private var counter = 0
    /// Events without an id (view lines, follower counts, presenter changes, closing), on the reader thread.
    public var unsolicited: (@Sendable (WireEvent) -> Void)?
    /// Runs once when the connection ends (the reason), on the reader thread.
    public var onClose: (@Sendable (String) -> Void)?

    /// Connects and says hello; throws with the server's reason when it refuses.
    public init(path: String, name: String?) throws {
        self.path = path
        fd = try UnixSocket.connect(path)
        let reader = Thread { [self] in self.readLoop() }   // the connection lives until its reader ends
        reader.name = "hopscope.wire.reader"
        reader.start()
        var h = WireRequest(id: nextID(), op: .hello)
        h.version = WireProtocol.version
        h.name = name
        do { hello = try call(h) } catch { shutdown(); throw error }
    }

    deinit { shutdown(); close(fd) }

    /// A fresh request id.
    public func nextID() -> Int { lock.lock(); defer { lock.unlock() }; counter += 1; return counter }

    /// Whether the connection has ended.
    public var isClosed: Bool { lock.lock(); defer { lock.unlock() }; return closed }

    /// A request's events as they come, read on the caller's thread with `next()`.
    public final class Pending: @unchecked Sendable {
        public let id: Int
        private let cond = NSCondition()
        private var events: [WireEvent] = []
        private var outcome: Result<WireEvent, WireError>?
        init(id: Int) { self.id = id }

        func deliver(_ e: WireEvent) { cond.lock(); events.append(e); cond.signal(); cond.unlock() }
        func finish(_ r: Result<WireEvent, WireError>) { cond.lock(); outcome = r; cond.signal(); cond.unlock() }

        /// The next event before the result (progress, partial, cells), or nil once the result (or
        /// error) is in: `result()` then gives it.
        public func next() -> WireEvent? {
            cond.lock(); defer { cond.unlock() }
            while events.isEmpty && outcome == nil { cond.wait() }
            return events.isEmpty ? nil : events.removeFirst()
        }

        /// The result; throws the server's error object, or `.disconnected`.
        public func result() throws(WireError) -> WireEvent {
            cond.lock()
            while outcome == nil { cond.wait() }
            let o = outcome!
            cond.unlock()
            return try o.get()
        }
    }

    /// Sends a request; its events are read from the returned `Pending`.
    public func start(_ r: WireRequest) throws(WireError) -> Pending {
        let p = Pending(id: r.id)
        lock.lock()
        if closed { lock.unlock(); throw WireError(.disconnected, "the server at \(path) has gone", id: r.id) }
        waiting[r.id] = p
        lock.unlock()
        do { try send(r) } catch {
            lock.lock(); waiting[r.id] = nil; lock.unlock()
            throw error
        }
        return p
    }

    /// Sends a request and waits for its `result`; its other events go to `onEvent` on this thread.
    /// Throws the server's error object, or `.disconnected` when the connection ends first.
    public func call(_ r: WireRequest, onEvent: (WireEvent) -> Void = { _ in }) throws(WireError) -> WireEvent {
        let p = try start(r)
        while let e = p.next() { onEvent(e) }
        return try p.result()
    }

    /// Sends a request without waiting (publish, cancel, bye).
    public func send(_ r: WireRequest) throws(WireError) {
        guard let data = try? r.data() else { throw WireError(.badRequest, "cannot encode the request", id: r.id) }
        lock.lock(); defer { lock.unlock() }
        guard !closed, FDWriter.writeAll(fd, data) else { throw WireError(.disconnected, "the server at \(path) has gone", id: r.id) }
    }

    /// Asks the server to stop request `id` (its call then throws `.cancelled`).
    public func cancel(_ id: Int) {
        var r = WireRequest(id: nextID(), op: .cancel)
        r.request = id
        try? send(r)
    }

    /// Ends the connection (waiting calls throw `.disconnected`).
    public func shutdown() {
        Glibc.shutdown(fd, Int32(SHUT_RDWR))
    }

    private func readLoop() {
        let reader = LineReader(fd: fd, maxBytes: 1 << 30)
        let decoder = WireCoding.decoder()
        var reason = "the server closed the connection"
        loop: while true {
            switch reader.next() {
            case .end: break loop
            case .tooLong: continue
            case .line(let data):
                guard let ev = try? decoder.decode(WireEvent.self, from: data) else { continue }
                if ev.event == "closing", let m = ev.message { reason = m }
                guard let id = ev.id else { unsolicited?(ev); continue }
                lock.lock()
                let w = waiting[id]
                if ev.event == "result" || ev.event == "error" { waiting[id] = nil }
                lock.unlock()
                guard let w else { continue }
                switch ev.event {
                case "result": w.finish(.success(ev))
                case "error": w.finish(.failure(ev.error ?? WireError(.analysis, "error", id: id)))
                default: w.deliver(ev)
                }
            }
        }
        lock.lock()
        closed = true
        let all = waiting
        waiting = [:]
        lock.unlock()
        for (id, w) in all { w.finish(.failure(WireError(.disconnected, "the server at \(path) has gone", id: id))) }
        onClose?(reason)
    }
}
