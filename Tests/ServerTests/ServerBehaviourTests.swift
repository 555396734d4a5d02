import Analysis
import Foundation
import Model
import Server
import TestSupport
import Testing
import Wire
#if canImport(Glibc)
import Glibc
#endif

/// The workshop server on a tiny synthetic model: the handshake, results equal to a local session's,
/// the limits, presenters and followers.
@Suite struct ServerBehaviourTests {
    @Test func helloFirstAndVersionMismatch() throws {
        let f = try ServerFixture()
        let c = try RawConnection(f.socket)
        c.send("{\"id\":1,\"op\":\"ping\"}\n")
        #expect(c.next()?.errorCode == "hello_first")
        c.send("{\"id\":2,\"op\":\"hello\",\"protocol\":99}\n")
        #expect(c.next()?.errorCode == "protocol_version")
        #expect(c.next() == nil, "the server closes a connection of another protocol version")
    }

    @Test func theSocketIsForOwnerAndGroupOnly() throws {
        let f = try ServerFixture()
        var st = stat()
        #expect(lstat(f.socket, &st) == 0)
        #expect(st.st_mode & 0o777 == 0o660)
        #expect(throws: UnixSocket.Failure.self) { _ = try UnixSocket.listen(f.socket) }   // a live server is not replaced
    }

    @Test func modelsAreNamedNeverOpened() throws {
        let f = try ServerFixture()
        let c = try f.client()
        #expect(c.hello.models?.map(\.name) == ["tiny"])
        for name in ["/etc/passwd", "../tiny", "other"] {
            var r = WireRequest(id: c.nextID(), op: .analyze)
            r.model = name; r.query = ServerFixture.query
            #expect(throws: WireError.self) { _ = try c.call(r) }
            do { _ = try c.call(r) } catch { #expect(error.code == .unknownModel) }
        }
    }

    @Test func analyzeCellAndGridEqualALocalSession() throws {
        let f = try ServerFixture()
        let c = try f.client()
        let local = try AnalysisSession(model: ServerFixture.model)
        var r = WireRequest(id: c.nextID(), op: .analyze)
        r.query = ServerFixture.query; r.detail = true
        nonisolated(unsafe) var partials = 0, progress = 0
        let ev = try c.call(r) { e in if e.event == "partial" { partials += 1 }; if e.event == "progress" { progress += 1 } }
        let mine = try local.analyze(ServerFixture.query)
        let theirs = try #require(ev.analysis)
        #expect(theirs.analysis.layers == mine.analysis.layers)
        #expect(theirs.analysis.stages == mine.analysis.stages)
        #expect(theirs.analysis.answer == mine.analysis.answer)
        #expect(theirs.analysis.pieces == mine.analysis.pieces && theirs.analysis.t1 == mine.analysis.t1)
        #expect(theirs.resolved.e3Source == .typed)
        #expect(ev.detail == mine.detail)
        #expect(partials > 0 && progress > 0)

        var cr = WireRequest(id: c.nextID(), op: .cell)
        cr.query = ServerFixture.query; cr.source = 4; cr.target = 1; cr.position = .t2
        let cell = try c.call(cr)
        let localCell = try local.cell(ServerFixture.query, position: .t2, source: 4, target: 1)
        #expect(cell.cell == localCell.cell && cell.baseProb == localCell.baseProb)

        var gr = WireRequest(id: c.nextID(), op: .grid)
        gr.query = ServerFixture.query; gr.position = .t1
        nonisolated(unsafe) var cells: [BackPatchCell] = []
        let done = try c.call(gr) { e in cells += e.cells ?? [] }
        var localCells: [BackPatchCell] = []
        try local.grid(ServerFixture.query, position: .t1, metric: .generation) { localCells += $0 }
        #expect(done.done == localCells.count && done.total == localCells.count)
        #expect(Set(cells.map { "\($0.source),\($0.target),\($0.correct),\($0.generation)" })
                == Set(localCells.map { "\($0.source),\($0.target),\($0.correct),\($0.generation)" }))
        // Errors of the analysis come back as objects naming the problem.
        cr.id = c.nextID(); cr.source = 1; cr.target = 4
        do { _ = try c.call(cr); Issue.record("a backwards cell was accepted") } catch {
            #expect(error.code == .analysis && error.message.contains("target"))
        }
    }

    @Test func theSameAnalysisAskedByManyIsComputedOnce() throws {
        let f = try ServerFixture()
        let clients = try (0..<3).map { try f.client("s\($0)") }
        nonisolated(unsafe) var results: [AnalyzeOutput?] = Array(repeating: nil, count: 3)
        let group = DispatchGroup()
        for (i, c) in clients.enumerated() {
            group.enter()
            Thread.detachNewThread {
                var r = WireRequest(id: c.nextID(), op: .analyze); r.query = ServerFixture.query
                results[i] = try? c.call(r).analysis
                group.leave()
            }
        }
        group.wait()
        #expect(results.allSatisfy { $0 != nil })
        #expect(results.allSatisfy { $0?.analysis.layers == results[0]?.analysis.layers })
        // A later request for the same analysis comes from the cache: still one computation.
        var again = WireRequest(id: clients[0].nextID(), op: .analyze); again.query = ServerFixture.query
        #expect(try clients[0].call(again).analysis?.analysis.layers == results[0]?.analysis.layers)
        let computed = f.log().filter { $0["event"] as? String == "computed" }.count
        let started = f.log().filter { $0["event"] as? String == "start" && $0["op"] as? String == "analyze" }.count
        #expect(started == 4)
        #expect(computed <= 2, "three concurrent and one later request: \(computed) computations")
        #expect(f.log().contains { $0["message"] as? String == "cached" })
    }

    @Test func aClientThatDoesNotReadIsDroppedAtItsMemoryBound() throws {
        let f = try ServerFixture { $0.clientMemory = 4096 }
        let c = try RawConnection(f.socket)
        _ = c.hello()
        // 30,000 pings, never reading the pongs: the socket's buffers fill, then the 4 KB outbox.
        let pings = Data((0..<30_000).map { "{\"id\":\($0 + 10),\"op\":\"ping\"}\n" }.joined().utf8)
        Thread.detachNewThread { c.send(pings) }
        let dropped = f.waitForLog(timeout: 20) { ($0["message"] as? String)?.contains("bytes of results waiting: dropped") == true }
        #expect(dropped != nil, "the client was not dropped")
        let other = try f.client("other")
        #expect(try other.call(WireRequest(id: other.nextID(), op: .ping)).event == "result", "the server goes on")
    }

    @Test func twoModelsAreServedByName() throws {
        let dir = TemporaryDirectory()
        let socket = dir.path("two.sock")
        var o = WorkshopServer.Options(socketPath: socket)
        o.idleTimeout = 60
        let a = try AnalysisSession(model: ServerFixture.model)
        let b = try AnalysisSession(model: TinyModels.load(dim: 32, layers: 3, ffn: 48, seed: 2))
        let server = try WorkshopServer(options: o, models: [.init(name: "a", session: a), .init(name: "b", session: b)])
        let ready = DispatchSemaphore(value: 0), done = DispatchSemaphore(value: 0)
        Thread.detachNewThread { try? server.run { ready.signal() }; done.signal() }
        ready.wait()
        defer { server.stop(); _ = done.wait(timeout: .now() + 5) }
        let c = try WorkshopClient(path: socket, name: "x")
        #expect(c.hello.models?.map(\.layers) == [6, 3])
        var r = WireRequest(id: c.nextID(), op: .cell); r.model = "b"; r.query = ServerFixture.query; r.source = 2; r.target = 0
        #expect(try c.call(r).cell?.source == 2)
        r.id = c.nextID(); r.source = 5
        do { _ = try c.call(r); Issue.record("layer 5 of a 3-layer model was accepted") } catch { #expect(error.code == .analysis) }
        #expect(throws: WireError.self) { _ = try WorkshopServer(options: o, models: [.init(name: "a", session: a), .init(name: "a", session: b)]) }
    }

    @Test func tooManyClientsAreRefusedWithAMessage() throws {
        let f = try ServerFixture { $0.maxClients = 2 }
        let a = try f.client("a"), b = try f.client("b")
        let c = try RawConnection(f.socket)
        let ev = c.next()
        #expect(ev?["event"] as? String == "closing" && ev?.errorCode == "too_many_clients")
        #expect(!a.isClosed && !b.isClosed)
    }

    @Test func aLineTooLongIsAnsweredAndSkipped() throws {
        let f = try ServerFixture { $0.maxLineBytes = 4096 }
        let c = try RawConnection(f.socket)
        _ = c.hello()
        c.send("{\"id\":1,\"op\":\"ping\",\"x\":\"" + String(repeating: "a", count: 100_000) + "\"}\n{\"id\":2,\"op\":\"ping\"}\n")
        #expect(c.next()?.errorCode == "line_too_long")
        #expect(c.next()?["id"] as? Int == 2)
    }

    @Test func idleClientsAreClosedWatchersAreNot() throws {
        let f = try ServerFixture { $0.idleTimeout = 0.3 }
        let c = try RawConnection(f.socket)
        _ = c.hello()
        let presenter = try f.client("teacher")
        var p = WireRequest(id: presenter.nextID(), op: .present); p.name = "teacher"
        _ = try presenter.call(p)
        let ev = c.next()
        #expect(ev?["event"] as? String == "closing" && ev?.errorCode == "idle_timeout")
        Thread.sleep(forTimeInterval: 0.6)
        #expect(!presenter.isClosed, "a presenter is not idle")
    }

    @Test func theQueueBoundRefusesExtraRequests() throws {
        let f = try ServerFixture { $0.queueLimit = 1 }
        let c = try RawConnection(f.socket)
        _ = c.hello()
        c.send("{\"id\":1,\"op\":\"grid\",\"query\":\"\(ServerFixture.query)\"}\n{\"id\":2,\"op\":\"analyze\",\"query\":\"\(ServerFixture.query)\"}\n")
        var refused = false, finished = false
        while let ev = c.next() {
            if ev["id"] as? Int == 2 { refused = ev.errorCode == "queue_full" }
            if ev["id"] as? Int == 1, ev["event"] as? String == "result" { finished = true; break }
        }
        #expect(refused && finished)
    }

    @Test func followersGetTheHistoryThenLiveLinesAndThePresenterTheirCount() throws {
        let f = try ServerFixture()
        let teacher = try f.client("teacher")
        nonisolated(unsafe) var counts: [Int] = []
        let countLock = NSLock()
        teacher.unsolicited = { ev in if ev.event == "followers" { countLock.lock(); counts.append(ev.count ?? -1); countLock.unlock() } }
        var p = WireRequest(id: teacher.nextID(), op: .present); p.name = "teacher"
        _ = try teacher.call(p)
        func publish(_ key: String) throws {
            var r = WireRequest(id: teacher.nextID(), op: .publish)
            r.line = .object(["v": .number(1), "t": .number(0), "type": .string("key"), "key": .string(key)])
            _ = try teacher.call(r)
        }
        try publish("j"); try publish("k")
        let student = try f.client("student")
        let got = NSLock()
        nonisolated(unsafe) var keys: [String] = []
        student.unsolicited = { ev in
            if ev.event == "view", case .object(let o)? = ev.line, case .string(let k)? = o["key"] { got.lock(); keys.append(k); got.unlock() }
        }
        var fr = WireRequest(id: student.nextID(), op: .follow); fr.name = "teacher"
        #expect(try student.call(fr).count == 2)
        try publish("x")
        let end = Date().addingTimeInterval(5)
        while Date() < end { got.lock(); let n = keys.count; got.unlock(); if n >= 3 { break }; usleep(10_000) }
        got.lock(); #expect(keys == ["j", "k", "x"]); got.unlock()
        countLock.lock(); #expect(counts.contains(1)); countLock.unlock()
        var nobody = WireRequest(id: student.nextID(), op: .follow); nobody.name = "nobody"
        do { _ = try student.call(nobody); Issue.record("followed nobody") } catch { #expect(error.code == .noPresenter) }
        // A second connection cannot take a live presenter's name.
        let other = try f.client("other")
        var steal = WireRequest(id: other.nextID(), op: .present); steal.name = "teacher"
        do { _ = try other.call(steal); Issue.record("took a live name") } catch { #expect(error.code == .nameTaken) }
    }
}
