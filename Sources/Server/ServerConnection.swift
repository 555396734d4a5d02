import Analysis
import Foundation
import Wire
#if canImport(Glibc)
import Glibc
#endif

/// One client of the workshop server: its reader thread, its outgoing queue, its running requests
/// and its own analysis sessions (one per model it uses, sharing the server's loaded weights).
///
/// The file descriptor is closed once both the reader and the writer have stopped; whichever side
/// ends first shuts the socket down so the other ends too.
final class ServerConnection: @unchecked Sendable {
    let id: Int
    let fd: Int32
    /// Strong: a connection may outlive `run()` by its last writes; `remove` (at the last of the
    /// reader and the writer) breaks the cycle.
    let server: WorkshopServer
    private let outbox: Outbox
    private let lock = NSLock()
    private(set) var name: String
    private var greeted = false
    private var running: [Int: (op: String, token: CancellationToken)] = [:]
    private var sessions: [String: AnalysisSession] = [:]
    private var lastActivity = Date()
    private var ended = false
    private var refs = 2

    init(id: Int, fd: Int32, server: WorkshopServer) {
        self.id = id; self.fd = fd; self.server = server
        name = "client-\(id)"
        outbox = Outbox(fd: fd, limit: server.options.clientMemory)
        outbox.onStop = { [self] in
            Glibc.shutdown(fd, Int32(SHUT_RDWR))
            self.dropRef()
        }
        let t = Thread { [self] in self.readLoop() }
        t.name = "hopscope.server.reader"
        t.start()
    }

    // MARK: state seen by the server

    /// Seconds since the client last sent a line, when nothing of its runs (nil while busy or watching).
    func idleSeconds(now: Date) -> Double? {
        lock.lock(); defer { lock.unlock() }
        guard running.isEmpty, !ended else { return nil }
        return now.timeIntervalSince(lastActivity)
    }

    /// Queues an event; a client that lets more than its memory bound wait is dropped.
    func send(_ ev: WireEvent) {
        guard let data = try? WireCoding.line(ev) else { return }
        if !outbox.push(data) {
            lock.lock(); let wasEnded = ended; lock.unlock()
            if !wasEnded {
                server.log.write("failed", client: id, name: name, message: "more than \(server.options.clientMemory) bytes of results waiting: dropped")
                end(flush: false)
            }
        }
    }

    /// Ends the connection: says why (when `reason` is given), stops its requests, flushes what is queued.
    func close(reason: WireError?) {
        if let reason {
            var ev = WireEvent(id: nil, event: "closing")
            ev.message = reason.message
            ev.error = reason
            if let d = try? WireCoding.line(ev) { outbox.push(d) }
        }
        end(flush: true)
    }

    private func end(flush: Bool) {
        lock.lock()
        if ended { lock.unlock(); return }
        ended = true
        let tokens = running.values.map(\.token)
        lock.unlock()
        tokens.forEach { $0.cancel() }
        server.hub.leave(client: id)
        outbox.close(flush: flush)
    }

    private func dropRef() {
        lock.lock()
        refs -= 1
        let last = refs == 0
        lock.unlock()
        if last {
            Glibc.close(fd)
            server.remove(self)
        }
    }

    // MARK: reading

    private func readLoop() {
        let reader = LineReader(fd: fd, maxBytes: server.options.maxLineBytes)
        loop: while true {
            switch reader.next() {
            case .end: break loop
            case .tooLong(let n):
                touch()
                send(.error(WireError(.lineTooLong, "a line of \(n) bytes is longer than the limit of \(server.options.maxLineBytes); skipped")))
            case .line(let data):
                touch()
                if data.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }   // blank lines are allowed
                handle(data)
            }
        }
        server.log.write("disconnect", client: id, name: name)
        end(flush: true)
        dropRef()
    }

    private func touch() { lock.lock(); lastActivity = Date(); lock.unlock() }

    private func result(_ id: Int) -> WireEvent { WireEvent(id: id, event: "result") }

    private func handle(_ data: Data) {
        let r: WireRequest
        do { r = try WireRequest.parse(data) } catch { send(.error(error)); return }
        lock.lock(); let hello = greeted; lock.unlock()
        guard hello || r.op == .hello else {
            send(.error(WireError(.notHello, "say hello first: {\"id\":1,\"op\":\"hello\",\"protocol\":\(WireProtocol.version)}", id: r.id)))
            return
        }
        do { try dispatch(r) } catch { send(.error(error)) }
    }

    private func dispatch(_ r: WireRequest) throws(WireError) {
        switch r.op {
        case .hello:
            guard r.version == WireProtocol.version else {
                send(.error(WireError(.protocolVersion, "this server speaks protocol \(WireProtocol.version), the client \(r.version ?? 0)", id: r.id)))
                close(reason: nil)
                return
            }
            lock.lock()
            if let n = r.name { name = n }
            greeted = true
            lock.unlock()
            server.log.write("hello", client: id, name: name)
            var ev = result(r.id)
            ev.version = WireProtocol.version
            ev.server = "hopscope"
            ev.models = server.modelList
            ev.name = name
            send(ev)
        case .models:
            var ev = result(r.id); ev.models = server.modelList; send(ev)
        case .ping:
            send(result(r.id))
        case .bye:
            send(result(r.id))
            close(reason: nil)
        case .cancel:
            lock.lock(); let t = running[r.request!]?.token; lock.unlock()
            guard let t else { throw WireError(.unknownRequest, "no request \(r.request!) is running", id: r.id) }
            t.cancel()
            send(result(r.id))
        case .present:
            do { try server.hub.present(r.name ?? name, client: id, reset: r.reset ?? true) } catch { throw with(error, r.id) }
            server.log.write("present", client: id, name: r.name ?? name)
            send(result(r.id))
        case .publish:
            do { try server.hub.publish(r.line!, client: id) } catch { throw with(error, r.id) }
            send(result(r.id))
        case .follow:
            let n: Int
            do { n = try server.hub.follow(r.name!, client: id) } catch { throw with(error, r.id) }
            server.log.write("follow", client: id, name: name, message: r.name!)
            var ev = result(r.id); ev.count = n; send(ev)
        case .unfollow:
            server.hub.unfollow(client: id)
            send(result(r.id))
        case .samples:
            let s = try session(r)
            var ev = result(r.id); ev.samples = s.samples; send(ev)
        case .resolve, .analyze, .cell, .grid:
            try start(r)
        }
    }

    private func with(_ e: WireError, _ id: Int) -> WireError { var e = e; e.id = id; return e }

    /// The server's name of the request's model (its first when the request names none).
    private func modelName(_ r: WireRequest) -> String { r.model ?? server.models[0].name }

    /// This client's session on the request's model (made on first use).
    private func session(_ r: WireRequest) throws(WireError) -> AnalysisSession {
        let name = modelName(r)
        guard let proto = server.models.first(where: { $0.name == name })?.session else {
            throw WireError(.unknownModel, "no model \"\(name)\" on this server (models: \(server.models.map(\.name).joined(separator: ", ")))", id: r.id)
        }
        lock.lock(); defer { lock.unlock() }
        if let s = sessions[name] { return s }
        do {
            let s = try AnalysisSession(model: proto.model, samples: proto.samples, warnings: proto.warnings)
            sessions[name] = s
            return s
        } catch { throw WireError(.analysis, "\(error)", id: r.id) }
    }

    // MARK: engine work

    /// Starts a request that computes: it waits for its turns on the engine on a thread of its own.
    /// Takes a place in this client's queue for request `id` (throws when the id runs or the queue is full).
    private func admit(_ r: WireRequest, _ token: CancellationToken) throws(WireError) {
        lock.lock(); defer { lock.unlock() }
        if running[r.id] != nil { throw WireError(.badRequest, "request id \(r.id) is already running", id: r.id) }
        guard running.count < server.options.queueLimit else {
            throw WireError(.queueFull, "\(server.options.queueLimit) requests of this client are already queued or running", id: r.id)
        }
        running[r.id] = (r.op.rawValue, token)
    }

    /// Answers a request that another's computation finished for (a shared analysis), once.
    func complete(_ id: Int, _ ev: WireEvent, outcome: String) {
        lock.lock()
        let was = running.removeValue(forKey: id)
        lock.unlock()
        guard was != nil else { return }
        send(ev)
        server.log.write(outcome, client: self.id, name: name, id: id, op: "analyze", message: ev.error?.message)
    }

    private func start(_ r: WireRequest) throws(WireError) {
        let s = try session(r)
        if r.op == .analyze { return try startShared(r, s) }
        let ticketBox = TicketBox()
        let scheduler = server.scheduler
        let token = CancellationToken(onCheck: { if let t = ticketBox.ticket { scheduler.yield(t) } },
                                      onCancel: { if let t = ticketBox.ticket { scheduler.withdraw(t) } })
        try admit(r, token)
        let t = Thread { [self] in
            let queuedAt = Date()
            let weight: EngineScheduler.Weight = r.op == .grid ? .bulk : .interactive
            let ticket = scheduler.acquire(client: id, weight: weight)
            ticketBox.ticket = ticket
            let started = Date()
            server.log.write("start", client: id, name: name, id: r.id, op: r.op.rawValue, queued: started.timeIntervalSince(queuedAt))
            var outcome = "done", message: String?
            do {
                try token.check()
                try run(r, s, token)
            } catch {
                if token.isCancelled {
                    outcome = "cancelled"
                    send(.error(WireError(.cancelled, "cancelled", id: r.id)))
                } else {
                    outcome = "failed"
                    message = "\(error)"
                    send(.error(WireError(.analysis, "\(error)", id: r.id)))
                }
            }
            ticketBox.ticket = nil
            scheduler.release(ticket)
            lock.lock(); running[r.id] = nil; lock.unlock()
            server.log.write(outcome, client: id, name: name, id: r.id, op: r.op.rawValue,
                             seconds: Date().timeIntervalSince(started), message: message)
        }
        t.name = "hopscope.server.request"
        t.start()
    }

    /// An analysis: from the shared cache, joined to the same analysis running for another client,
    /// or computed here (on this client's turns) for everyone who asks meanwhile.
    private func startShared(_ r: WireRequest, _ s: AnalysisSession) throws(WireError) {
        let key = [modelName(r), r.query!, "\(r.detail ?? false)"].joined(separator: "\u{1}")
        // This request's own token: cancelling it leaves the job (set once the job is known).
        let leave = LeaveBox()
        let mine = CancellationToken(onCancel: { leave.run() })
        try admit(r, mine)
        switch server.shared.join(key, conn: self, id: r.id) {
        case .cached(let ev):
            var e = ev; e.id = r.id
            server.log.write("start", client: id, name: name, id: r.id, op: "analyze", queued: 0, message: "cached")
            complete(r.id, e, outcome: "done")
        case .subscribed(let job, let sub, let owner):
            let shared = server.shared
            leave.set { shared.leave(job, sub: sub) }
            if mine.isCancelled { leave.run() }
            guard owner else {
                server.log.write("start", client: id, name: name, id: r.id, op: "analyze", queued: 0, message: "joined")
                return
            }
            let ticketBox = TicketBox()
            let scheduler = server.scheduler
            job.token = CancellationToken(onCheck: { if let t = ticketBox.ticket { scheduler.yield(t) } },
                                          onCancel: { if let t = ticketBox.ticket { scheduler.withdraw(t) } })
            let t = Thread { [self] in
                let queuedAt = Date()
                let ticket = scheduler.acquire(client: id, weight: .interactive)
                ticketBox.ticket = ticket
                let started = Date()
                server.log.write("start", client: id, name: name, id: r.id, op: "analyze", queued: started.timeIntervalSince(queuedAt))
                let outcome: Result<WireEvent, WireError>
                do {
                    try job.token.check()
                    outcome = .success(try analyze(r, s, job.token) { shared.broadcast(job, $0) })
                } catch {
                    outcome = .failure(job.token.isCancelled ? WireError(.cancelled, "cancelled") : WireError(.analysis, "\(error)"))
                }
                ticketBox.ticket = nil
                scheduler.release(ticket)
                shared.finish(job, outcome)
                server.log.write("computed", client: id, name: name, id: r.id, op: "analyze", seconds: Date().timeIntervalSince(started))
            }
            t.name = "hopscope.server.analysis"
            t.start()
        }
    }

    /// The analysis result event (id set by the caller); progress and partial events go to `events`.
    private func analyze(_ r: WireRequest, _ s: AnalysisSession, _ token: CancellationToken,
                         events: @escaping @Sendable (WireEvent) -> Void) throws -> WireEvent {
        let res = try s.analyze(r.query!, detail: r.detail ?? false, progress: { f, m in
            var ev = WireEvent(id: nil, event: "progress"); ev.fraction = f; ev.message = m; events(ev)
        }, cancel: token, partial: { resolved, a in
            var ev = WireEvent(id: nil, event: "partial"); ev.analysis = AnalyzeOutput(analysis: a, resolved: resolved); events(ev)
        })
        var ev = WireEvent(id: nil, event: "result")
        ev.analysis = AnalyzeOutput(analysis: res.analysis, resolved: res.resolved)
        ev.hop1 = res.hop1.map { WireHop(generation: $0.generation, correct: $0.correct) }
        ev.hop2 = res.hop2.map { WireHop(generation: $0.generation, correct: $0.correct) }
        if r.detail == true { ev.detail = res.detail }
        ev.timings = res.timings
        return ev
    }

    private func run(_ r: WireRequest, _ s: AnalysisSession, _ token: CancellationToken) throws {
        let query = r.query!
        switch r.op {
        case .resolve:
            var ev = result(r.id); ev.resolved = WireResolved(try s.resolve(query)); send(ev)
        case .cell:
            let c = try s.cell(query, position: r.position ?? .t2, source: r.source!, target: r.target!,
                               metric: r.metric ?? .generation, cancel: token)
            var ev = result(r.id); ev.cell = c.cell; ev.baseProb = c.baseProb; send(ev)
        case .grid:
            let position = r.position ?? .t2, metric = r.metric ?? .generation
            let patcher = try s.patcher(query, for: .grid)
            let batch = server.gridBatch(s, patcher, position: position, metric: metric)
            let baseProb = patcher.baseAnswer.prob
            let L = s.layers
            let total = L * (L - 1) / 2
            var done = 0
            let id = r.id
            let base = try s.grid(query, position: position, metric: metric, batchSize: batch, cancel: token) { [self] cells in
                done += cells.count
                var ev = WireEvent(id: id, event: "cells")
                ev.cells = cells; ev.done = done; ev.total = total; ev.baseProb = baseProb
                send(ev)
            }
            var ev = result(r.id); ev.baseProb = base; ev.done = done; ev.total = total; send(ev)
        default:
            break
        }
    }
}

/// What cancelling a shared analysis request does, once it is known (and at most once).
final class LeaveBox: @unchecked Sendable {
    private let lock = NSLock()
    private var action: (() -> Void)?
    private var done = false
    func set(_ a: @escaping () -> Void) { lock.lock(); action = a; lock.unlock() }
    func run() {
        lock.lock()
        guard !done, let a = action else { lock.unlock(); return }
        done = true
        lock.unlock()
        a()
    }
}

/// The ticket of a request once it has one (read by its cancellation checks on the same thread).
final class TicketBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: EngineScheduler.Ticket?
    var ticket: EngineScheduler.Ticket? {
        get { lock.lock(); defer { lock.unlock() }; return stored }
        set { lock.lock(); stored = newValue; lock.unlock() }
    }
}
