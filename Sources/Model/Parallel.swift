import CKernels
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Splits loops over the machine's cores.
///
/// Loops run on CKernels' persistent worker pool (`hs_pool_run`): its workers spin for a moment after
/// each loop, so the next one starts without a thread wake-up — what lets a generation step split even
/// small matrix products. `HOPSCOPE_POOL=dispatch` uses `DispatchQueue.concurrentPerform` instead
/// (for comparisons).
enum Parallel {
    /// Worker threads to use: `HOPSCOPE_THREADS`, else the number of online cores.
    static let threads: Int = {
        if let s = getenv("HOPSCOPE_THREADS"), let n = Int(String(cString: s)), n > 0 { return n }
        return max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    }()

    /// Whether loops go to Dispatch rather than the spinning pool.
    static let useDispatch: Bool = {
        if let s = getenv("HOPSCOPE_POOL") { return String(cString: s) == "dispatch" }
        return false
    }()

    /// One loop's chunking, read by the pool's threads through a pointer.
    private struct Loop {
        let lower: Int, count: Int, chunks: Int
        let body: (Range<Int>) -> Void
        func run(_ c: Int) {
            let lo = lower + count * c / chunks, hi = lower + count * (c + 1) / chunks
            if lo < hi { body(lo..<hi) }
        }
    }

    /// Calls `body` on disjoint contiguous sub-ranges of `range`, in parallel when worth it.
    /// `minChunk` is the least work (in range units) worth handing to a thread. With
    /// `chunksPerThread` > 1 the range is cut finer and threads claim chunks as they finish, so a
    /// thread slowed by other jobs on the machine takes fewer instead of holding up the call.
    static func forEachChunk(_ range: Range<Int>, minChunk: Int = 1, chunksPerThread: Int = 1, _ body: (Range<Int>) -> Void) {
        let n = range.count
        guard n > 0 else { return }
        let chunks = threads == 1 ? 1 : min(threads * max(chunksPerThread, 1), max(1, n / max(minChunk, 1)))
        if chunks == 1 { body(range); return }
        withoutActuallyEscaping(body) { body in
            var loop = Loop(lower: range.lowerBound, count: n, chunks: chunks, body: body)
            if useDispatch {
                DispatchQueue.concurrentPerform(iterations: chunks) { loop.run($0) }
                return
            }
            withUnsafeMutablePointer(to: &loop) { p in
                hs_pool_run(Int32(threads), Int64(chunks), { ctx, c in
                    ctx!.assumingMemoryBound(to: Loop.self).pointee.run(Int(c))
                }, p)
            }
        }
    }
}
