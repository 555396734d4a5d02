import Analysis
import Foundation
import Model
import Server
import TestSupport
import Testing
import Wire

/// The server on SmolLM2, where a grid takes long enough to stop it midway: a cancel or a vanished
/// client frees the engine within a second, and the others go on.
@Suite(.serialized, .enabled(if: TestModels.available(TestModels.smollm2), "needs SmolLM2 (make setup)"))
struct ServerOnSmolLM2Tests {
    static let loaded = LoadedModel(TestModels.smollm2)
    static let query = "The currency of the country of origin of Toyota is | Toyota | Japan | yen"

    /// Starts a grid on a raw connection and waits for its first cells.
    func startGrid(_ f: ServerFixture) throws -> RawConnection {
        let c = try RawConnection(f.socket)
        _ = c.hello()
        c.send("{\"id\":7,\"op\":\"grid\",\"query\":\"\(Self.query)\",\"position\":\"t2\"}\n")
        while let ev = c.next(), ev["event"] as? String != "cells" {}
        return c
    }

    @Test func aClientKilledMidGridFreesItsWorkWithinASecondAndOthersGoOn() throws {
        let f = try ServerFixture(model: Self.loaded.get()) { $0.gridBatch = 8 }
        let other = try f.client("other")
        var c: RawConnection? = try startGrid(f)
        let closed = Date()
        c = nil                                      // the client vanishes: its socket closes
        _ = c
        let freed = try #require(f.waitForLog { $0["event"] as? String == "cancelled" && $0["op"] as? String == "grid" })
        let after = (freed["t"] as! Double) - closed.timeIntervalSince1970
        #expect(after < 1.0, "grid stopped \(after) s after its client went away")
        var r = WireRequest(id: other.nextID(), op: .cell)
        r.query = Self.query; r.source = 20; r.target = 5
        let cell = try other.call(r)
        #expect(cell.cell?.source == 20)
    }

    @Test func cancelStopsAGridAndIsAnsweredAsCancelled() throws {
        let f = try ServerFixture(model: Self.loaded.get()) { $0.gridBatch = 8 }
        let c = try startGrid(f)
        c.send("{\"id\":8,\"op\":\"cancel\",\"request\":7}\n")
        var cancelled = false, acknowledged = false
        while let ev = c.next() {
            if ev["id"] as? Int == 8 { acknowledged = ev["event"] as? String == "result" }
            if ev["id"] as? Int == 7, ev["event"] as? String == "error" { cancelled = ev.errorCode == "cancelled"; break }
            if ev["id"] as? Int == 7, ev["event"] as? String == "result" { break }
        }
        #expect(acknowledged && cancelled)
    }
}
