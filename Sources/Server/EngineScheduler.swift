import Foundation

/// Turns on the one engine: a single request computes at a time, and at each of its yield points
/// (every cancellation check: between batches and generation steps) the engine may pass to another
/// client's request.
///
/// The next turn goes to the waiting request whose client has the least virtual time (start-time
/// fair queuing): a client's virtual time advances by the engine seconds its requests use divided
/// by their weight, interactive requests (analysis, a cell, proposals) weighing 1 and bulk ones
/// (grids) ½. With equal work per turn this is round-robin between clients; a client that asks
/// for a single cell while two others run grids gets about half the engine rather than a third, and
/// none is ever starved. A client that becomes active again starts from the virtual time of the
/// last turn given (no credit for having been idle). Requests of one client take turns in order of
/// waiting.
public final class EngineScheduler: @unchecked Sendable {
    /// How much engine time a request's client is charged per second (the weight divides it).
    public enum Weight: Double, Sendable { case interactive = 1, bulk = 0.5 }

    /// One request's right to compute; created by `acquire`, given back by `release`.
    public final class Ticket: @unchecked Sendable {
        public let client: Int
        let weight: Double
        var granted = false
        var waitOrder = 0
        /// Set by `withdraw`: the request stops waiting (its cancellation check then throws).
        var withdrawn = false
        var released = false
        init(client: Int, weight: Double) { self.client = client; self.weight = weight }
    }

    private let cond = NSCondition()
    private var holder: Ticket?
    private var heldSince = 0.0
    private var waiting: [Ticket] = []
    private var virtualTime: [Int: Double] = [:]
    private var active: [Int: Int] = [:]          // client → tickets held or waiting
    private var virtualNow = 0.0
    private var order = 0
    /// Turns handed from one request to another (for tests and the log).
    public private(set) var switches = 0

    public init() {}

    private static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// Waits for a turn for `client`'s request.
    public func acquire(client: Int, weight: Weight) -> Ticket {
        let t = Ticket(client: client, weight: weight.rawValue)
        cond.lock()
        if (active[client] ?? 0) == 0 { virtualTime[client] = max(virtualTime[client] ?? 0, virtualNow) }
        active[client, default: 0] += 1
        enqueue(t)
        if holder == nil { grantNext() }
        while !t.granted { cond.wait() }
        cond.unlock()
        return t
    }

    /// A yield point of the holder: gives the engine to a waiting request that should go first, and
    /// returns when `t`'s turn comes again (at once when nobody waits).
    public func yield(_ t: Ticket) {
        cond.lock()
        guard holder === t, !t.withdrawn else { cond.unlock(); return }
        charge(t)
        guard let best = bestWaiting(), best.client == t.client || key(best) < key(t) else { cond.unlock(); return }
        t.granted = false
        holder = nil
        enqueue(t)
        grantNext()
        while !t.granted && !t.withdrawn { cond.wait() }
        cond.unlock()
    }

    /// Wakes a request waiting in `yield` because it was cancelled: it returns without the engine
    /// (and must not compute; its check throws), then `release`s as usual.
    public func withdraw(_ t: Ticket) {
        cond.lock()
        t.withdrawn = true
        if !t.granted { waiting.removeAll { $0 === t } }
        cond.broadcast()
        cond.unlock()
    }

    /// Gives the turn back for good (the request finished or stopped).
    public func release(_ t: Ticket) {
        cond.lock()
        guard !t.released else { cond.unlock(); return }
        t.released = true
        if holder === t {
            charge(t)
            holder = nil
        } else {
            waiting.removeAll { $0 === t }
        }
        active[t.client, default: 1] -= 1
        if active[t.client] == 0 { active[t.client] = nil }
        if holder == nil { grantNext() }
        cond.unlock()
    }

    /// Forgets a client that has gone (its virtual time).
    public func forget(client: Int) {
        cond.lock()
        if active[client] == nil { virtualTime[client] = nil }
        cond.unlock()
    }

    // MARK: under the lock

    private func enqueue(_ t: Ticket) {
        order += 1
        t.waitOrder = order
        waiting.append(t)
    }

    private func key(_ t: Ticket) -> Double { virtualTime[t.client] ?? 0 }

    private func bestWaiting() -> Ticket? {
        waiting.min { a, b in key(a) != key(b) ? key(a) < key(b) : a.waitOrder < b.waitOrder }
    }

    private func grantNext() {
        guard let best = bestWaiting() else { return }
        waiting.removeAll { $0 === best }
        holder = best
        best.granted = true
        heldSince = Self.now()
        virtualNow = max(virtualNow, key(best))
        switches += 1
        cond.broadcast()
    }

    private func charge(_ t: Ticket) {
        let now = Self.now()
        virtualTime[t.client, default: 0] += (now - heldSince) / t.weight
        heldSince = now
    }
}
