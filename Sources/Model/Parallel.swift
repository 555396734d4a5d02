import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Splits loops over the machine's cores.
enum Parallel {
    /// Worker threads to use: `HOPSCOPE_THREADS`, else the number of online cores.
    static let threads: Int = {
        if let s = getenv("HOPSCOPE_THREADS"), let n = Int(String(cString: s)), n > 0 { return n }
        return max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    }()

    /// Calls `body` on disjoint contiguous sub-ranges of `range`, in parallel when worth it.
    /// `minChunk` is the least work (in range units) worth handing to a thread. With
    /// `chunksPerThread` > 1 the range is cut finer and threads claim chunks as they finish, so a
    /// thread slowed by other jobs on the machine takes fewer instead of holding up the call.
    static func forEachChunk(_ range: Range<Int>, minChunk: Int = 1, chunksPerThread: Int = 1, _ body: (Range<Int>) -> Void) {
        let n = range.count
        guard n > 0 else { return }
        let chunks = threads == 1 ? 1 : min(threads * max(chunksPerThread, 1), max(1, n / max(minChunk, 1)))
        if chunks == 1 { body(range); return }
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            let lo = range.lowerBound + n * c / chunks
            let hi = range.lowerBound + n * (c + 1) / chunks
            if lo < hi { body(lo..<hi) }
        }
    }
}
