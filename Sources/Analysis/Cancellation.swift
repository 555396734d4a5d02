import Foundation

/// A flag another thread sets to stop long work; every Analysis loop checks it between steps.
///
/// ```swift
/// let token = CancellationToken()
/// DispatchQueue.global().async { _ = try? analyzer.run(query, cancel: token) }
/// token.cancel()            // from the input thread: the run throws AnalysisError.cancelled soon after
/// ```
public final class CancellationToken: @unchecked Sendable {
    private let lock = NSLock()
    private var flag = false

    public init() {}

    /// Asks the work to stop at its next check.
    public func cancel() { lock.lock(); flag = true; lock.unlock() }

    public var isCancelled: Bool { lock.lock(); defer { lock.unlock() }; return flag }

    /// Throws `.cancelled` once `cancel()` has been called.
    public func check() throws(AnalysisError) { if isCancelled { throw .cancelled } }
}

extension Optional where Wrapped == CancellationToken {
    /// Checks a token that may be absent (no token = never cancelled).
    func check() throws(AnalysisError) { if let t = self { try t.check() } }
}

/// Progress of long work: the fraction done (0…1) and what is running now.
public typealias ProgressHandler = @Sendable (_ fraction: Double, _ message: String) -> Void

/// Maps the progress of a sub-task onto a slice [lo, hi] of its parent's progress.
struct ProgressSlice {
    let handler: ProgressHandler?
    let lo: Double
    let hi: Double

    func report(_ fraction: Double, _ message: String) {
        handler?(lo + (hi - lo) * min(max(fraction, 0), 1), message)
    }

    var asHandler: ProgressHandler? {
        guard let handler else { return nil }
        let lo = lo, hi = hi
        return { f, m in handler(lo + (hi - lo) * min(max(f, 0), 1), m) }
    }
}
