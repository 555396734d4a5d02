import Analysis
import Foundation
import Wire
#if canImport(Glibc)
import Glibc
#endif

/// The workshop server: one process holds the models and runs every client's requests through one
/// scheduler (`EngineScheduler`), on a Unix socket speaking the line protocol of docs/protocol.md.
///
/// ```swift
/// let s = try WorkshopServer(options: .init(socketPath: "/tmp/hs.sock"), models: [("smollm2", session)])
/// try s.run()          // until stop()
/// ```
///
/// Clients name models by the server's names only; nothing a client sends is ever opened as a path.
public final class WorkshopServer: @unchecked Sendable {
    public struct Options: Sendable {
        public var socketPath: String
        public var maxClients = 32
        /// Seconds without a line from a client that runs nothing and watches nobody before it is closed.
        public var idleTimeout: Double = 3600
        /// Requests of one client queued or running at once.
        public var queueLimit = 8
        /// Bytes of results waiting for one client before it is dropped.
        public var clientMemory = 64 << 20
        /// Bytes of view history kept per presenter (for followers joining late).
        public var historyLimit = 64 << 20
        public var maxLineBytes = WireProtocol.maxLineBytes
        /// Cells per grid batch (nil: one step of a batch stays near half a second; see `gridBatch`).
        public var gridBatch: Int?
        public init(socketPath: String) { self.socketPath = socketPath }
    }

    /// A model the server holds: its name for clients and the session its clients' sessions copy.
    public struct Model: Sendable {
        public var name: String
        public var session: AnalysisSession
        public init(name: String, session: AnalysisSession) { self.name = name; self.session = session }
    }

    public let options: Options
    public let models: [Model]
    public let log: ServerLog
    let scheduler = EngineScheduler()
    private(set) var hub: PresenterHub!
    /// Analyses computed once for every client that asks (`SharedAnalyses`).
    let shared = SharedAnalyses()
    private let lock = NSLock()
    private var connections: [Int: ServerConnection] = [:]
    private var nextClient = 0
    private var stopping = false
    private var listenFD: Int32 = -1

    public init(options: Options, models: [Model], log: ServerLog? = nil) throws {
        guard !models.isEmpty else { throw WireError(.unknownModel, "the server needs at least one model") }
        let names = models.map(\.name)
        if let dup = names.first(where: { n in names.filter { $0 == n }.count > 1 }) {
            throw WireError(.unknownModel, "two models are named \(dup); name them with NAME=PATH")
        }
        self.options = options
        self.models = models
        self.log = try log ?? ServerLog(path: nil)
        hub = PresenterHub(historyLimit: options.historyLimit) { [weak self] client, ev in self?.connection(client)?.send(ev) }
    }

    var modelList: [WireModel] {
        models.map { WireModel(name: $0.name, displayName: $0.session.modelName, layers: $0.session.layers, dim: $0.session.dim,
                               info: $0.session.infoLines) }
    }

    func connection(_ id: Int) -> ServerConnection? { lock.lock(); defer { lock.unlock() }; return connections[id] }

    func remove(_ c: ServerConnection) {
        lock.lock(); connections[c.id] = nil; lock.unlock()
        scheduler.forget(client: c.id)
    }

    /// Clients connected now.
    public var clientCount: Int { lock.lock(); defer { lock.unlock() }; return connections.count }

    /// Cells per grid batch for a query: the option, or as many as keep one step of the batch (the
    /// patched prompt rows, or one generated token per cell) under ~2.5·10¹⁰ weight-row products —
    /// about half a second on two cores — so that a cell of another client waits at most that long,
    /// and a cancelled grid stops within it; at least 1, at most 64, and the KV cache under 128 MB.
    func gridBatch(_ s: AnalysisSession, _ p: BackPatcher, position: PatchPosition, metric: BackPatchMetric) -> Int {
        if let b = options.gridBatch { return max(1, b) }
        let c = s.model.config
        let params = Double(c.layers) * Double(c.dim) * Double(2 * c.dim + 2 * c.kvDim + 3 * c.ffnDim) + Double(c.vocabSize * c.dim)
        let rowsPerCell = Double(max(1, p.problem.ids.count - p.problem.index(of: position)))
        let byWork = Int(2.5e10 / (params * rowsPerCell))
        return max(1, min(64, byWork, p.defaultBatchSize(position, metric: metric) / 8))
    }

    /// Listens and serves until `stop()`; `ready` runs once the socket accepts connections.
    public func run(ready: () -> Void = {}) throws {
        listenFD = try UnixSocket.listen(options.socketPath)
        defer { Glibc.close(listenFD); unlink(options.socketPath) }
        ready()
        let sweeper = Thread { [self] in sweepIdle() }
        sweeper.name = "hopscope.server.idle"
        sweeper.start()
        while true {
            lock.lock(); let s = stopping; lock.unlock()
            if s { break }
            var p = pollfd(fd: listenFD, events: Int16(POLLIN), revents: 0)
            let n = poll(&p, 1, 200)
            if n <= 0 { continue }
            let fd = accept(listenFD, nil, nil)
            if fd < 0 { continue }
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            admit(fd)
        }
        // Shutting down: every client is told, its work stopped.
        lock.lock(); let all = Array(connections.values); lock.unlock()
        for c in all { c.close(reason: WireError(.shuttingDown, "the server is shutting down")) }
        let end = Date().addingTimeInterval(2)
        while clientCount > 0 && Date() < end { usleep(20_000) }
    }

    /// Stops accepting and ends every connection (from any thread, e.g. a signal handler's queue).
    public func stop() { lock.lock(); stopping = true; lock.unlock() }

    private func admit(_ fd: Int32) {
        lock.lock()
        guard connections.count < options.maxClients else {
            lock.unlock()
            let e = WireError(.tooManyClients, "the server has its maximum of \(options.maxClients) clients; try again later")
            var ev = WireEvent(id: nil, event: "closing"); ev.message = e.message; ev.error = e
            if let d = try? WireCoding.line(ev) { _ = FDWriter.writeAll(fd, d) }
            Glibc.close(fd)
            log.write("refused", message: e.message)
            return
        }
        nextClient += 1
        let id = nextClient
        let c = ServerConnection(id: id, fd: fd, server: self)
        connections[id] = c
        lock.unlock()
        log.write("connect", client: id)
    }

    private func sweepIdle() {
        while true {
            lock.lock(); let s = stopping; let all = Array(connections.values); lock.unlock()
            if s { return }
            let now = Date()
            for c in all {
                guard let idle = c.idleSeconds(now: now), idle > options.idleTimeout, !hub.isWatching(c.id) else { continue }
                log.write("idle", client: c.id, name: c.name, seconds: idle)
                c.close(reason: WireError(.idle, "closed after \(Int(idle)) s without a request (idle timeout \(Int(options.idleTimeout)) s)"))
            }
            Thread.sleep(forTimeInterval: min(1, max(0.05, options.idleTimeout / 4)))
        }
    }
}
