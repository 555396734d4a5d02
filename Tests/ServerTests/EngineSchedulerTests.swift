import Foundation
import Server
import Testing

/// The engine's turns: one holder at a time, a lone client never waits, an interactive request
/// overtakes bulk work at the next yield point and is not starved by it, and bulk work still moves.
@Suite struct EngineSchedulerTests {
    /// Runs `steps` steps of `seconds` each, yielding after each; returns the time each step ended.
    static func work(_ s: EngineScheduler, client: Int, weight: EngineScheduler.Weight, steps: Int, seconds: Double,
                     holders: Holders) -> [Date] {
        let t = s.acquire(client: client, weight: weight)
        var ends: [Date] = []
        for _ in 0..<steps {
            holders.enter()
            Thread.sleep(forTimeInterval: seconds)
            holders.leave()
            ends.append(Date())
            s.yield(t)
        }
        s.release(t)
        return ends
    }

    /// Counts who computes at once (must never exceed one).
    final class Holders: @unchecked Sendable {
        private let lock = NSLock()
        private var now = 0
        private(set) var most = 0
        func enter() { lock.lock(); now += 1; most = max(most, now); lock.unlock() }
        func leave() { lock.lock(); now -= 1; lock.unlock() }
    }

    @Test func anInteractiveRequestIsNotStarvedByTwoGrids() throws {
        let s = EngineScheduler(), h = Holders()
        let group = DispatchGroup()
        nonisolated(unsafe) var gridEnds: [[Date]] = [[], []]
        for c in 0..<2 {
            group.enter()
            Thread.detachNewThread {
                gridEnds[c] = Self.work(s, client: c, weight: .bulk, steps: 60, seconds: 0.01, holders: h)
                group.leave()
            }
        }
        Thread.sleep(forTimeInterval: 0.1)   // the grids are running
        let start = Date()
        let cellEnds = Self.work(s, client: 9, weight: .interactive, steps: 10, seconds: 0.01, holders: h)
        let cellTime = cellEnds.last!.timeIntervalSince(start)
        group.wait()
        #expect(h.most == 1, "one holder at a time")
        // Alone the cell takes 10 steps; sharing fairly with weights 1 : ½ : ½ it gets half the engine.
        // Measured as steps of the grids that ended while the cell ran (timing-independent).
        let gridStepsDuring = gridEnds.flatMap { $0 }.filter { $0 > start && $0 <= cellEnds.last! }.count
        #expect(gridStepsDuring <= 12, "grid steps while the 10-step cell ran: \(gridStepsDuring) (cell took \(cellTime) s)")
        #expect(gridStepsDuring >= 5, "the grids still moved: \(gridStepsDuring)")
        #expect(gridEnds.allSatisfy { $0.count == 60 })
    }

    @Test func aLoneClientNeverWaitsAndTwoEqualClientsAlternate() {
        let s = EngineScheduler(), h = Holders()
        let before = s.switches
        _ = Self.work(s, client: 1, weight: .bulk, steps: 50, seconds: 0, holders: h)
        #expect(s.switches - before == 1, "one grant, no hand-overs")
        let group = DispatchGroup()
        nonisolated(unsafe) var ends: [[Date]] = [[], []]
        for c in 0..<2 {
            group.enter()
            Thread.detachNewThread { ends[c] = Self.work(s, client: 10 + c, weight: .interactive, steps: 20, seconds: 0.005, holders: h); group.leave() }
        }
        group.wait()
        // Interleaved: neither finished all its steps before the other's fifth.
        #expect(ends[0].last! > ends[1][4] && ends[1].last! > ends[0][4])
        #expect(h.most == 1)
    }
}
