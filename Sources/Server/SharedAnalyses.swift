import Analysis
import Foundation
import Wire

/// Analyses asked for by several clients are computed once: a workshop opens every explorer on the
/// same query, and students often try the same ones.
///
/// The first request of a (model, query line, detail) becomes the job's owner and computes it on its
/// client's turns; requests for the same key arriving meanwhile subscribe and receive the same
/// progress, partial and result events (under their own ids); later ones get the finished result
/// from a small cache. A subscriber that cancels or goes away only leaves; the computation stops when
/// the last one has left. Analyses are deterministic (greedy decoding), so a shared result is the
/// result each client would have computed.
final class SharedAnalyses: @unchecked Sendable {
    /// One computation and who waits for it.
    final class Job: @unchecked Sendable {
        let key: String
        /// The computation's own token: cancelled when the last subscriber has left.
        var token: CancellationToken!
        fileprivate var subscribers: [Int: (conn: ServerConnection, id: Int)] = [:]
        init(key: String) { self.key = key }
    }

    enum Joined {
        case cached(WireEvent)
        case subscribed(Job, sub: Int, owner: Bool)
    }

    private let lock = NSLock()
    private var jobs: [String: Job] = [:]
    private var cache: [(key: String, result: WireEvent)] = []
    private var nextSub = 0
    /// Finished results kept (least recently used dropped first).
    let cacheSize: Int

    init(cacheSize: Int = 16) { self.cacheSize = cacheSize }

    /// A finished result for `key`, or a subscription to its running computation (as its owner when
    /// there is none yet: the caller must then run it and call `finish`).
    func join(_ key: String, conn: ServerConnection, id: Int) -> Joined {
        lock.lock(); defer { lock.unlock() }
        if let i = cache.firstIndex(where: { $0.key == key }) {
            let hit = cache.remove(at: i)
            cache.append(hit)
            return .cached(hit.result)
        }
        nextSub += 1
        if let job = jobs[key] {
            job.subscribers[nextSub] = (conn, id)
            return .subscribed(job, sub: nextSub, owner: false)
        }
        let job = Job(key: key)
        job.subscribers[nextSub] = (conn, id)
        jobs[key] = job
        return .subscribed(job, sub: nextSub, owner: true)
    }

    /// A subscriber stops waiting (cancelled, or its client went away); it is answered `cancelled`.
    /// The computation stops when nobody waits any more.
    func leave(_ job: Job, sub: Int) {
        lock.lock()
        guard let s = job.subscribers.removeValue(forKey: sub) else { lock.unlock(); return }
        let last = job.subscribers.isEmpty
        lock.unlock()
        s.conn.complete(s.id, .error(WireError(.cancelled, "cancelled", id: s.id)), outcome: "cancelled")
        if last { job.token.cancel() }
    }

    /// An event of the computation (progress, partial) to every subscriber, under its own id.
    func broadcast(_ job: Job, _ ev: WireEvent) {
        lock.lock(); let subs = Array(job.subscribers.values); lock.unlock()
        for s in subs { var e = ev; e.id = s.id; s.conn.send(e) }
    }

    /// The computation's end: its result (cached) or error to every subscriber still waiting.
    func finish(_ job: Job, _ outcome: Result<WireEvent, WireError>) {
        lock.lock()
        jobs[job.key] = nil
        let subs = Array(job.subscribers.values)
        job.subscribers = [:]
        if case .success(let ev) = outcome {
            cache.append((job.key, ev))
            if cache.count > cacheSize { cache.removeFirst(cache.count - cacheSize) }
        }
        lock.unlock()
        for s in subs {
            switch outcome {
            case .success(let ev): var e = ev; e.id = s.id; s.conn.complete(s.id, e, outcome: "done")
            case .failure(let err): var e = err; e.id = s.id; s.conn.complete(s.id, .error(e), outcome: "failed")
            }
        }
    }
}
