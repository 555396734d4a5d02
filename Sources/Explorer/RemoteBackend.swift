// The explorer on a workshop server: the same backend calls, answered over the Unix socket.
import Analysis
import Foundation
import Wire

/// What a backend can tell the app unasked: connection changes, a presenter's view lines, follower counts.
public enum LiveEvent: Sendable {
    /// A line for the status bar (warning: the server has gone, …).
    case notice(String, warning: Bool)
    /// Followers of this presenting session.
    case followers(Int)
    /// A line of the followed presenter's stream.
    case view(TranscriptLine)
    /// The followed presenter left ("gone"), is back ("live"), or restarted its stream ("reset": forget
    /// what was applied; the whole stream follows again).
    case presenter(String)
}

/// An `ExplorerBackend` over a workshop server (`hopscope serve`): the server holds the model, this
/// explorer sends the requests (protocol of docs/protocol.md) and maps the answers onto the view
/// models exactly as `ModelBackend` does for a local model.
///
/// When the server goes away every call fails with one line saying so, the screen stays, and the
/// backend reconnects in the background (every second); once back it says so, presents or follows
/// again, and a presenter sends its whole stream again so that followers catch up.
public final class RemoteBackend: ExplorerBackend, @unchecked Sendable {
    public let path: String
    public let sessionName: String?
    /// The server's name of the model this explorer uses.
    public let serverModel: String
    public let model: ModelSummary
    private let samples: [SampleQuery]
    private let lock = NSLock()
    private var client: WorkshopClient?
    private var sink: (@Sendable (LiveEvent) -> Void)?
    private var presenting: String?
    private var following: String?
    /// Every line published while presenting (sent again after a reconnect).
    private var published: [TranscriptLine] = []
    private var reconnecting = false

    /// Connects to the server at `path` as `name`, using its model `model` (nil: its first).
    public init(path: String, name: String?, model wanted: String?) throws {
        self.path = path
        sessionName = name
        let c: WorkshopClient
        do { c = try WorkshopClient(path: path, name: name) } catch { throw BackendError("\(error)") }
        let models = c.hello.models ?? []
        guard let m = wanted.map({ w in models.first { $0.name == w } }) ?? models.first else {
            c.shutdown()
            throw BackendError("the server has no model \(wanted ?? "") (models: \(models.map(\.name).joined(separator: ", ")))")
        }
        serverModel = m.name
        model = ModelSummary(name: m.displayName, layers: m.layers, dim: m.dim, info: m.info)
        var r = WireRequest(id: c.nextID(), op: .samples)
        r.model = m.name
        do { samples = (try c.call(r).samples ?? []).map(SampleQuery.init) } catch { c.shutdown(); throw BackendError("\(error)") }
        client = c
        attach(c)
    }

    /// Where connection changes and live lines go (the app's event queue).
    public func setLiveSink(_ s: @escaping @Sendable (LiveEvent) -> Void) { lock.lock(); sink = s; lock.unlock() }

    private func emit(_ e: LiveEvent) { lock.lock(); let s = sink; lock.unlock(); s?(e) }

    private func attach(_ c: WorkshopClient) {
        c.unsolicited = { [weak self] ev in self?.unsolicited(ev) }
        c.onClose = { [weak self] reason in self?.lost(reason) }
    }

    private func unsolicited(_ ev: WireEvent) {
        switch ev.event {
        case "followers": emit(.followers(ev.count ?? 0))
        case "view":
            guard let line = ev.line, let data = try? WireCoding.encoder().encode(line),
                  let l = try? WireCoding.decoder().decode(TranscriptLine.self, from: data) else { return }
            emit(.view(l))
        case "presenter": emit(.presenter(ev.state ?? ""))
        case "closing": emit(.notice("the server closed the connection: \(ev.message ?? "")", warning: true))
        default: break
        }
    }

    private func lost(_ reason: String) {
        lock.lock()
        client = nil
        let again = !reconnecting
        reconnecting = true
        lock.unlock()
        emit(.notice("the server at \(path) has gone (\(reason)) · reconnecting …", warning: true))
        guard again else { return }
        Thread.detachNewThread { [weak self] in self?.reconnectLoop() }
    }

    private func reconnectLoop() {
        while true {
            Thread.sleep(forTimeInterval: 1)
            guard let c = try? WorkshopClient(path: path, name: sessionName) else { continue }
            guard (c.hello.models ?? []).contains(where: { $0.name == serverModel }) else {
                c.shutdown()
                emit(.notice("the server is back but has no model \(serverModel) any more", warning: true))
                continue
            }
            lock.lock()
            client = c
            reconnecting = false
            let p = presenting, f = following, lines = published
            lock.unlock()
            attach(c)
            if let p { try? sendPresent(c, p, lines: lines) }
            if let f {
                emit(.presenter("reset"))
                var r = WireRequest(id: c.nextID(), op: .follow); r.name = f
                _ = try? c.call(r)
            }
            emit(.notice("reconnected to the server at \(path)", warning: false))
            return
        }
    }

    private func connected() throws -> WorkshopClient {
        lock.lock(); defer { lock.unlock() }
        guard let c = client else { throw BackendError("the server at \(path) is not reachable · reconnecting …") }
        return c
    }

    /// Calls the server; `cancellation` (polled every 20 ms) sends a cancel for the request. Events
    /// before the result reach `onEvent` on this thread.
    private func call(_ r: (WorkshopClient) -> WireRequest, cancellation: Cancellation? = nil,
                      onEvent: (WireEvent) -> Void = { _ in }) throws -> WireEvent {
        let c = try connected()
        let req = r(c)
        let done = CancellationToken()
        if let cancellation {
            Thread.detachNewThread {
                while !done.isCancelled {
                    if cancellation.isCancelled { c.cancel(req.id); return }
                    usleep(20_000)
                }
            }
        }
        defer { done.cancel() }
        do { return try c.call(req, onEvent: onEvent) } catch {
            if error.code == .cancelled { throw BackendError("cancelled") }
            throw BackendError(error.message)
        }
    }

    private func request(_ c: WorkshopClient, _ op: WireRequest.Op, query: String) -> WireRequest {
        var r = WireRequest(id: c.nextID(), op: op)
        r.model = serverModel
        r.query = query
        return r
    }

    // MARK: ExplorerBackend

    public func sampleQueries() -> [SampleQuery] { samples }

    public func analyze(query: String) throws -> AnalysisViewModel {
        try analyze(query: query, cancellation: Cancellation(), progress: { _, _ in }, partial: { _ in })
    }

    public func analyze(query: String, cancellation: Cancellation, progress: @escaping @Sendable (Double, String) -> Void,
                        partial: @escaping @Sendable (AnalysisViewModel) -> Void) throws -> AnalysisViewModel {
        let ev = try call({ c in var r = self.request(c, .analyze, query: query); r.detail = true; return r },
                          cancellation: cancellation) { ev in
            if ev.event == "progress" { progress(ev.fraction ?? 0, ev.message ?? "") }
            if ev.event == "partial", let a = ev.analysis { partial(ModelBackend.viewModel(a.analysis, a.resolved)) }
        }
        guard let a = ev.analysis else { throw BackendError("the server's analysis result has no analysis") }
        var vm = ModelBackend.viewModel(a.analysis, a.resolved)
        vm.hop1 = ev.hop1.map { HopResult(generation: $0.generation, correct: $0.correct) }
        vm.hop2 = ev.hop2.map { HopResult(generation: $0.generation, correct: $0.correct) }
        if let d = ev.detail { vm.detail = ModelBackend.detail(d, a.analysis) }
        return vm
    }

    public func propose(_ line: String) throws -> QueryProposal {
        let ev = try call { c in self.request(c, .resolve, query: line) }
        guard let r = ev.resolved else { throw BackendError("the server's answer has no resolved query") }
        return QueryProposal(r.resolvedQuery)
    }

    public func backPatch(query: String, position: TokenPosition, source: Int, target: Int) throws -> BackPatchResult {
        let ev = try call { c in
            var r = self.request(c, .cell, query: query); r.position = position; r.source = source; r.target = target; return r
        }
        guard let cell = ev.cell else { throw BackendError("the server's answer has no cell") }
        return ModelBackend.result(cell, base: ev.baseProb ?? 0)
    }

    public func grid(_ g: GridRequest, cancellation: Cancellation, progress: @Sendable (BackPatchResult) -> Void) throws {
        // Every `cells` event carries p(e3) without patching, as the result does.
        do {
            _ = try call({ c in
                var r = self.request(c, .grid, query: g.query); r.position = g.position; r.metric = g.metric; return r
            }, cancellation: cancellation) { ev in
                for cell in ev.cells ?? [] { progress(ModelBackend.result(cell, base: ev.baseProb ?? 0)) }
            }
        } catch let e as BackendError where cancellation.isCancelled && e.description == "cancelled" { return }
    }

    // MARK: presenting and following

    private func sendPresent(_ c: WorkshopClient, _ name: String, lines: [TranscriptLine]) throws {
        var r = WireRequest(id: c.nextID(), op: .present)
        r.name = name
        r.reset = true
        do { _ = try c.call(r) } catch { throw BackendError(error.message) }
        for l in lines { publish(l, via: c) }
    }

    /// Publishes this session's view as `name` (followers see it live).
    public func present(_ name: String) throws {
        let c = try connected()
        lock.lock(); presenting = name; published = []; lock.unlock()
        try sendPresent(c, name, lines: [])
    }

    /// Sends one line of this presenting session's stream (kept for a reconnect).
    public func publish(_ line: TranscriptLine) {
        lock.lock()
        guard presenting != nil else { lock.unlock(); return }
        published.append(line)
        let c = client
        lock.unlock()
        if let c { publish(line, via: c) }
    }

    private func publish(_ line: TranscriptLine, via c: WorkshopClient) {
        guard let data = try? WireCoding.encoder().encode(line), let v = try? WireCoding.decoder().decode(JSONValue.self, from: data) else { return }
        var r = WireRequest(id: c.nextID(), op: .publish)
        r.line = v
        try? c.send(r)
    }

    /// Follows the presenter `name`: its stream arrives as `.view` lines.
    public func follow(_ name: String) throws {
        let c = try connected()
        lock.lock(); following = name; lock.unlock()
        var r = WireRequest(id: c.nextID(), op: .follow)
        r.name = name
        do { _ = try c.call(r) } catch {
            lock.lock(); following = nil; lock.unlock()
            throw BackendError(error.message)
        }
    }

    /// Stops following (the session goes on as this client's own).
    public func unfollow() {
        lock.lock(); following = nil; let c = client; lock.unlock()
        guard let c else { return }
        try? c.send(WireRequest(id: c.nextID(), op: .unfollow))
    }
}
