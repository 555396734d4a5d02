import CKernels
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Memory read bandwidth and the weight traffic of a generation step: what bounds generation.
///
/// A generation step reads every weight matrix once (the embedding only for one row, unless it is
/// also the output matrix), so tokens/s ≤ bandwidth ÷ weight bytes per token; `hopscope bench`
/// reports generation as a fraction of that bound.
public enum Bandwidth {
    /// Bytes per second the cores read together from a 512 MiB buffer on huge pages (16× the L3 here;
    /// all threads of the pool, each its own contiguous part; the best of 5 passes after the one that
    /// faults the pages in). The buffer is its own mapping, returned to the system afterwards.
    public static func measureRead(bytes: Int = 1 << 29) -> Double {
        guard let p = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), p != MAP_FAILED else { return .nan }
        defer { munmap(p, bytes) }
        // Huge pages, as the repacked weights have.
        _ = madvise(p, bytes, 14 /* MADV_HUGEPAGE */)
        memset(p, 1, bytes)
        let parts = Parallel.threads
        let sink = UnsafeMutablePointer<UInt64>.allocate(capacity: parts)
        defer { sink.deallocate() }
        var best = Double.infinity
        for _ in 0..<5 {
            let start = Date()
            Parallel.forEachChunk(0..<parts) { r in
                for k in r {
                    let part = Self.part(k, of: parts, bytes: bytes)
                    sink[k] = hs_read_sum(p + part.lowerBound, part.count)
                }
            }
            best = min(best, Date().timeIntervalSince(start))
        }
        return Double(bytes) / best
    }

    /// Bytes per second at which new anonymous memory is made resident: a 256 MiB mapping advised for
    /// huge pages like a repack's, each of the pool's threads writing one byte per 4 KiB page of its own
    /// part. This is the floor under any one-time copy of the weights (a repack writes every byte of
    /// memory it has just mapped). On a bare machine it is the kernel zeroing pages (several GB/s); in a
    /// VM with free page reporting it includes the host backing each page, and can be 20× lower.
    public static func measureFirstTouch(bytes: Int = 1 << 28) -> Double {
        guard let p = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), p != MAP_FAILED else { return .nan }
        defer { munmap(p, bytes) }
        _ = madvise(p, bytes, 14 /* MADV_HUGEPAGE */)
        let parts = Parallel.threads
        let bytePointer = p.assumingMemoryBound(to: UInt8.self)
        let start = Date()
        Parallel.forEachChunk(0..<parts) { r in
            for k in r {
                let part = Self.part(k, of: parts, bytes: bytes)
                for i in stride(from: part.lowerBound, to: part.upperBound, by: 4096) { bytePointer[i] = 1 }
            }
        }
        return Double(bytes) / Date().timeIntervalSince(start)
    }

    /// Thread `k`'s contiguous part of `bytes` split `parts` ways (the last part takes the remainder).
    static func part(_ k: Int, of parts: Int, bytes: Int) -> Range<Int> {
        bytes / parts * k ..< (k == parts - 1 ? bytes : bytes / parts * (k + 1))
    }
}

extension LanguageModel {
    /// Seconds all repacks of this process spent making their new memory resident, and packing.
    public static var repackSeconds: (resident: Double, packing: Double) {
        (Double(RepackedWeights.residentNanoseconds.load(ordering: .relaxed)) / 1e9,
         Double(RepackedWeights.packNanoseconds.load(ordering: .relaxed)) / 1e9)
    }

    /// Bytes of repacked copies made so far (new memory the one-time preparation wrote).
    public var repackedBytes: Int {
        transformer.weights.linears.reduce(0) { $0 + ($1.repackedStore.withLock { $0?.bytes } ?? 0) }
    }

    /// Bytes of weights one generation step reads: every matrix product's weights as stored (the
    /// repacked copy where there is one), the embedding's one row.
    public var weightBytesPerToken: Int {
        let w = transformer.weights
        let products = w.linears.filter { $0 !== w.embedding || w.output === w.embedding }
        var total = products.reduce(0) { sum, l in
            sum + (l.repackedStore.withLock { $0?.bytes } ?? l.rowBytes * l.outDim)
        }
        if w.output !== w.embedding { total += w.embedding.rowBytes }
        return total
    }
}
