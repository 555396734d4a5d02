import Foundation
import Wire
#if canImport(Glibc)
import Glibc
#endif

/// A connection's outgoing lines: queued by any thread, written by the connection's own writer
/// thread, so a client that reads slowly never holds up the engine. Bounded: when more than
/// `limit` bytes wait, `push` fails and the connection is dropped (`client_memory`).
final class Outbox: @unchecked Sendable {
    private let cond = NSCondition()
    private var lines: [Data] = []
    private var bytes = 0
    private var closed = false
    let limit: Int
    private let fd: Int32
    /// Runs once on the writer thread when it stops (the peer has gone, or `close` was called).
    var onStop: (() -> Void)?

    init(fd: Int32, limit: Int) {
        self.fd = fd; self.limit = limit
        let t = Thread { [self] in self.writeLoop() }
        t.name = "hopscope.server.writer"
        t.start()
    }

    /// Queues one line; false when the queue is over its limit or closed.
    @discardableResult
    func push(_ data: Data) -> Bool {
        cond.lock(); defer { cond.unlock() }
        guard !closed else { return false }
        guard bytes + data.count <= limit || lines.isEmpty else { return false }
        lines.append(data)
        bytes += data.count
        cond.signal()
        return true
    }

    /// Stops the writer: after writing what is queued (`flush`), or at once.
    func close(flush: Bool) {
        cond.lock()
        closed = true
        if !flush { lines = []; bytes = 0 }
        cond.broadcast()
        cond.unlock()
    }

    private func writeLoop() {
        while true {
            cond.lock()
            while lines.isEmpty && !closed { cond.wait() }
            if lines.isEmpty && closed { cond.unlock(); onStop?(); return }
            let batch = lines
            lines = []
            cond.unlock()
            var ok = true
            for d in batch where ok { ok = FDWriter.writeAll(fd, d) }
            cond.lock()
            bytes -= batch.reduce(0) { $0 + $1.count }
            if !ok { closed = true; lines = []; bytes = 0 }
            cond.broadcast()
            cond.unlock()
            if !ok { onStop?(); return }
        }
    }
}
