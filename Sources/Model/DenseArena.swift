#if canImport(Glibc)
import Glibc
#endif

/// One anonymous mapping holding the exact f32 copies of every weight matrix of a small model.
///
/// A single mapping advised for transparent huge pages costs a few hundred page faults instead of
/// ~10⁵ (SmolLM2's 540 MB), which is most of the load time; rows are dequantized on all cores.
final class DenseArena {
    private let base: UnsafeMutableRawPointer
    private let bytes: Int

    init(_ linears: [Linear], bytes: Int) {
        self.bytes = max(bytes, 1)
        let p = mmap(nil, self.bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        precondition(p != MAP_FAILED && p != nil, "cannot map \(bytes) bytes for the f32 weight copies")
        base = p!
        _ = madvise(base, self.bytes, 14 /* MADV_HUGEPAGE */)
        // Work items: (matrix, row range) of ~1 MB each, spread over the cores.
        var offsets: [Int] = []
        var offset = 0
        for l in linears { offsets.append(offset); offset += l.denseBytes }
        var items: [(Int, Range<Int>)] = []
        for (i, l) in linears.enumerated() {
            let step = max(1, (1 << 18) / l.inDim)
            for r in stride(from: 0, to: l.outDim, by: step) { items.append((i, r..<min(l.outDim, r + step))) }
        }
        let storage = { (i: Int) in (self.base + offsets[i]).assumingMemoryBound(to: Float.self) }
        Parallel.forEachChunk(0..<items.count) { chunk in
            for k in chunk { linears[items[k].0].fillDense(storage(items[k].0), rows: items[k].1) }
        }
        for (i, l) in linears.enumerated() { l.publishDense(storage(i)) }
    }

    deinit { munmap(base, bytes) }
}
