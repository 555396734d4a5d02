import Foundation
import Wire

/// Presenters' view streams and who follows them.
///
/// A presenter's explorer publishes its session as transcript lines (keys and results); the hub keeps
/// them (up to `historyLimit` bytes per presenter) so that a follower joining late first receives
/// the whole history, then each new line as it comes. Followers replay the lines on their own
/// screen (their size, their theme). A stream outlives its presenter's connection: a presenter who
/// reconnects continues it, or starts afresh with `reset`.
final class PresenterHub: @unchecked Sendable {
    struct Stream {
        var presenter: Int?
        var lines: [JSONValue] = []
        var bytes = 0
        var followers: Set<Int> = []
        var truncated = false
    }

    private let lock = NSLock()
    private var streams: [String: Stream] = [:]
    let historyLimit: Int
    /// Sends an event to a client (by id); false when it could not be queued.
    let send: (Int, WireEvent) -> Void

    init(historyLimit: Int, send: @escaping (Int, WireEvent) -> Void) {
        self.historyLimit = historyLimit; self.send = send
    }

    /// `client` presents as `name`; throws when another live connection already does.
    func present(_ name: String, client: Int, reset: Bool) throws(WireError) {
        lock.lock()
        var s = streams[name] ?? Stream()
        if let p = s.presenter, p != client { lock.unlock(); throw WireError(.nameTaken, "\(name) is already presenting") }
        s.presenter = client
        if reset { s.lines = []; s.bytes = 0; s.truncated = false }
        streams[name] = s
        let followers = s.followers
        lock.unlock()
        for f in followers { send(f, presenterEvent(name, reset ? "reset" : "live")) }
        send(client, followersEvent(name, followers.count))
    }

    /// A line of `client`'s stream, passed to its followers.
    func publish(_ line: JSONValue, client: Int) throws(WireError) {
        // Its encoded size counts against the history bound.
        guard let data = try? WireCoding.encoder().encode(line) else { throw WireError(.badRequest, "cannot encode the line") }
        lock.lock()
        guard let name = streams.first(where: { $0.value.presenter == client })?.key else {
            lock.unlock(); throw WireError(.noPresenter, "publish needs present first")
        }
        var s = streams[name]!
        if s.bytes + data.count <= historyLimit {
            s.lines.append(line); s.bytes += data.count
        } else { s.truncated = true }
        streams[name] = s
        let followers = s.followers
        lock.unlock()
        var ev = WireEvent(id: nil, event: "view")
        ev.name = name
        ev.line = line
        for f in followers { send(f, ev) }
    }

    /// `client` follows `name`: the history now, then each line. Throws when nobody presents as `name`.
    func follow(_ name: String, client: Int) throws(WireError) -> Int {
        lock.lock()
        let left = unfollowLocked(client)
        guard var s = streams[name], s.presenter != nil || !s.lines.isEmpty else {
            let names = streams.filter { $0.value.presenter != nil }.keys.sorted()
            lock.unlock()
            sendCounts(left)
            throw WireError(.noPresenter, "nobody presents as \(name)" + (names.isEmpty ? "" : " (presenting: \(names.joined(separator: ", ")))"))
        }
        s.followers.insert(client)
        streams[name] = s
        let history = s.lines, presenter = s.presenter, count = s.followers.count
        // Sent under the lock, so no published line can come between the history and the live lines.
        for line in history {
            var ev = WireEvent(id: nil, event: "view")
            ev.name = name
            ev.line = line
            send(client, ev)
        }
        if s.truncated { send(client, presenterEvent(name, "truncated")) }
        lock.unlock()
        sendCounts(left + (presenter.map { [($0, name, count)] } ?? []))
        return history.count
    }

    /// `client` stops following (and, as a presenter, stops presenting: its stream stays for followers).
    func leave(client: Int) {
        lock.lock()
        let left = unfollowLocked(client)
        var gone: [(String, Set<Int>)] = []
        for (name, var s) in streams where s.presenter == client {
            s.presenter = nil
            streams[name] = s
            gone.append((name, s.followers))
        }
        lock.unlock()
        sendCounts(left)
        for (name, followers) in gone { for f in followers { send(f, presenterEvent(name, "gone")) } }
    }

    func unfollow(client: Int) {
        lock.lock(); let left = unfollowLocked(client); lock.unlock()
        sendCounts(left)
    }

    /// Whether `client` presents or follows (such clients are not idle).
    func isWatching(_ client: Int) -> Bool {
        lock.lock(); defer { lock.unlock() }
        return streams.values.contains { $0.presenter == client || $0.followers.contains(client) }
    }

    /// Removes `client` from every stream it follows; returns the follower counts their presenters
    /// are to be told (sent by the caller once the lock is released).
    private func unfollowLocked(_ client: Int) -> [(presenter: Int, name: String, count: Int)] {
        var counts: [(presenter: Int, name: String, count: Int)] = []
        for (name, var s) in streams where s.followers.contains(client) {
            s.followers.remove(client)
            streams[name] = s
            if let p = s.presenter { counts.append((p, name, s.followers.count)) }
        }
        return counts
    }

    private func sendCounts(_ counts: [(presenter: Int, name: String, count: Int)]) {
        for c in counts { send(c.presenter, followersEvent(c.name, c.count)) }
    }

    private func presenterEvent(_ name: String, _ state: String) -> WireEvent {
        var ev = WireEvent(id: nil, event: "presenter"); ev.name = name; ev.state = state; return ev
    }

    private func followersEvent(_ name: String, _ n: Int) -> WireEvent {
        var ev = WireEvent(id: nil, event: "followers"); ev.name = name; ev.count = n; return ev
    }
}
