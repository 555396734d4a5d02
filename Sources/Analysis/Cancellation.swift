import Foundation

/// A flag long work polls between steps; set from any thread (the explorer's Esc, Ctrl-C in the CLI).
///
/// Every poll (`check()`) is also a point where the work may pause for other work: the workshop
/// server's scheduler passes `onCheck`, which gives the engine to another client's request between
/// two batches or generation steps and returns when this request's turn comes again.
public final class CancellationToken: @unchecked Sendable {
    private let lock = NSLock()
    private var cancelled = false
    /// Called at every `check()` before the flag is read (nil: checks only read the flag).
    public let onCheck: (@Sendable () -> Void)?
    /// Called once by `cancel()` (the server wakes the request if it waits for its turn).
    public let onCancel: (@Sendable () -> Void)?

    public init(onCheck: (@Sendable () -> Void)? = nil, onCancel: (@Sendable () -> Void)? = nil) {
        self.onCheck = onCheck; self.onCancel = onCancel
    }

    public func cancel() {
        lock.lock()
        let first = !cancelled
        cancelled = true
        lock.unlock()
        if first { onCancel?() }
    }

    public var isCancelled: Bool { lock.lock(); defer { lock.unlock() }; return cancelled }
}
