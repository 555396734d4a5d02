/// Progress of long work: the fraction done (0…1) and what is running now. Called on the worker thread.
public typealias ProgressHandler = @Sendable (_ fraction: Double, _ message: String) -> Void

extension CancellationToken {
    /// Throws `.cancelled` once `cancel()` has been called (after `onCheck`, the scheduler's turn point).
    public func check() throws(AnalysisError) {
        onCheck?()
        if isCancelled { throw .cancelled }
    }
}

extension Optional where Wrapped == CancellationToken {
    /// Checks a token that may be absent (no token = never cancelled).
    func check() throws(AnalysisError) { if let t = self { try t.check() } }
}

/// Maps the progress of a sub-task onto a slice [lo, hi] of its parent's progress.
struct ProgressSlice {
    let handler: ProgressHandler?
    let lo: Double
    let hi: Double

    var asHandler: ProgressHandler? {
        guard let handler else { return nil }
        let lo = lo, hi = hi
        return { f, m in handler(lo + (hi - lo) * min(max(f, 0), 1), m) }
    }
}
