import CKernels
import Dispatch
@testable import Model
import Testing

/// The worker pool behind `Parallel.forEachChunk`: every index exactly once, over many back-to-back
/// loops (the hand-over between jobs), nested loops and loops started from several threads at once.
@Suite struct ParallelTests {
    /// Runs one loop over 0..<n and returns how often each index was visited.
    static func visits(_ n: Int, minChunk: Int = 1, chunksPerThread: Int = 1) -> [Int] {
        let counts = UnsafeMutableBufferPointer<Int>.allocate(capacity: n)
        counts.initialize(repeating: 0)
        defer { counts.deallocate() }
        Parallel.forEachChunk(0..<n, minChunk: minChunk, chunksPerThread: chunksPerThread) { r in
            for i in r { counts[i] += 1 }   // chunks are disjoint: no two threads write one index
        }
        return Array(counts)
    }

    @Test func everyIndexOnceOverManyLoops() {
        for round in 0..<2000 {
            let n = 1 + (round * 37) % 301
            let v = Self.visits(n, minChunk: 1 + round % 5, chunksPerThread: 1 + round % 4)
            #expect(v.allSatisfy { $0 == 1 }, "round \(round), n \(n)")
            if v.contains(where: { $0 != 1 }) { break }
        }
        if Parallel.threads > 1 && !Parallel.useDispatch {
            #expect(hs_pool_threads() == Parallel.threads, "the pool has a worker per extra core")
        }
    }

    @Test func nestedLoopsRunSerially() {
        let n = 64
        let counts = UnsafeMutableBufferPointer<Int>.allocate(capacity: n * n)
        counts.initialize(repeating: 0)
        defer { counts.deallocate() }
        Parallel.forEachChunk(0..<n) { outer in
            for i in outer {
                Parallel.forEachChunk(0..<n) { inner in for j in inner { counts[i * n + j] += 1 } }
            }
        }
        #expect(counts.allSatisfy { $0 == 1 })
    }

    @Test func loopsFromSeveralThreadsAtOnce() {
        // One thread's loop holds the pool; the others run theirs serially. All must complete.
        let failures = UnsafeMutableBufferPointer<Int>.allocate(capacity: 4)
        failures.initialize(repeating: 0)
        defer { failures.deallocate() }
        DispatchQueue.concurrentPerform(iterations: 4) { t in
            for round in 0..<300 {
                let v = Self.visits(50 + round % 70, chunksPerThread: 2)
                if v.contains(where: { $0 != 1 }) { failures[t] += 1 }
            }
        }
        #expect(Array(failures) == [0, 0, 0, 0])
    }
}
