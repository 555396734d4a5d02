import CKernels
#if canImport(Glibc)
import Glibc
#endif
import GGUF
import Foundation
import Synchronization

/// A Q4_0, Q8_0, Q4_K, Q5_K or Q6_K matrix repacked 16 rows at a time (CKernels' x16 layouts) for `hs_matmul_x16`.
///
/// The GGUF layout stores each row's blocks contiguously, so a dot product ends in a horizontal sum per
/// row and every block needs its own scale conversion. The repack interleaves 16 rows so that one
/// vpdpbusd adds four products to each of 16 rows and one conversion scales 16 rows: 3–4× the
/// throughput of `hs_matmul_q8` on the same weights (scripts/bench/x16_bench.c). It is the same bytes
/// reordered (Q4_0, Q8_0: the same size; Q4_K: 2.8 % more, its 6-bit scales decoded to bytes; Q5_K:
/// 2.3 %; Q6_K: 30 % more, its 6-bit quants unpacked to bytes); the mapped pages it was made from
/// are released, so the resident set holds the weights once. Rows past the last whole group of 16
/// stay on the GGUF layout.
final class RepackedWeights: @unchecked Sendable {
    let base: UnsafeMutableRawPointer
    let bytes: Int
    /// Rows in the repack (a multiple of 16); rows ≥ this use the GGUF bytes.
    let rows: Int

    /// Rows per group of the layout.
    static let groupRows = 16

    /// Nanoseconds all repacks so far spent making their new memory resident, and packing into it
    /// (`hopscope bench` prints the split: on a VM the first is the host backing each new page).
    static let residentNanoseconds = Atomic<Int>(0)
    static let packNanoseconds = Atomic<Int>(0)

    /// Whether matrices without an f32 copy are repacked by default (`HOPSCOPE_REPACK=0`: no, for
    /// comparisons: they then use hs_matmul_q8 on the GGUF layout).
    static let enabled: Bool = {
        if let s = getenv("HOPSCOPE_REPACK") { return String(cString: s) != "0" }
        return true
    }()

    /// Repacks `linear` (a type with an x16 layout, at least 16 rows) on all cores, releasing the
    /// mapped pages of `file` it read.
    init(_ linear: Linear, file: GGUFFile) {
        let type = linear.type.rawValue
        rows = linear.outDim / RepackedWeights.groupRows * RepackedWeights.groupRows
        bytes = max(1, hs_x16_bytes(type, Int64(rows), Int64(linear.inDim)))
        let p = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        precondition(p != MAP_FAILED && p != nil, "cannot map \(bytes) bytes for the repacked \(linear.name)")
        base = p!
        _ = madvise(base, bytes, 14 /* MADV_HUGEPAGE */)
        // Resident first, on all cores (MADV_POPULATE_WRITE, Linux 5.14; where it is refused the pack's
        // own writes fault the pages in and the time counts as packing), then the pack writes into it.
        let t0 = DispatchTime.now().uptimeNanoseconds
        let parts = max(1, Parallel.threads), base0 = base, total = bytes
        // Whole 2 MB pieces per thread, so that huge pages are not split between threads.
        let piece = ((total / parts + (1 << 21) - 1) >> 21) << 21
        Parallel.forEachChunk(0..<parts) { r in
            for k in r {
                let lo = k * piece, hi = min(total, lo + piece)
                if hi > lo { _ = madvise(base0 + lo, hi - lo, 23 /* MADV_POPULATE_WRITE */) }
            }
        }
        let t1 = DispatchTime.now().uptimeNanoseconds
        RepackedWeights.residentNanoseconds.add(Int(t1 - t0), ordering: .relaxed)
        defer { RepackedWeights.packNanoseconds.add(Int(DispatchTime.now().uptimeNanoseconds - t1), ordering: .relaxed) }
        let groups = rows / RepackedWeights.groupRows
        let groupSource = RepackedWeights.groupRows * linear.rowBytes
        let base = self.base
        Parallel.forEachChunk(0..<groups, minChunk: max(1, (1 << 20) / groupSource)) { g in
            let rc = hs_x16_pack(type, linear.data, linear.rowBytes, Int64(linear.inDim), Int64(g.lowerBound),
                                 Int64(g.upperBound), base)
            precondition(rc == 0, "hs_x16_pack(\(linear.name)) failed with \(rc)")
            file.releaseResidentPages(UnsafeRawBufferPointer(start: linear.data + g.lowerBound * groupSource,
                                                             count: g.count * groupSource))
        }
    }

    deinit { munmap(base, bytes) }
}

extension Linear {
    /// Whether the repacked copy has been made (the first product makes it).
    var isRepacked: Bool { repackedStore.withLock { $0 != nil } }

    /// The repacked copy, made on first use (so opening a model stays instant; the first forward pass
    /// pays the repack, or `LanguageModel.prepareWeights` does it earlier), or nil when this matrix is
    /// not repacked.
    func repacked() -> RepackedWeights? {
        guard repacks else { return nil }
        return repackedStore.withLock { stored in
            if let stored { return stored }
            let made = RepackedWeights(self, file: file)
            stored = made
            return made
        }
    }
}
