import CKernels
#if canImport(Glibc)
import Glibc
#endif
import GGUF

/// The quantized path of `Linear.apply` (models without an f32 copy, i.e. 7B-class): integer kernels.
///
/// The activation rows are quantized once per call to 8 bits per 32 elements (`hs_quantize_q8`), then
/// every weight block is dotted with them in integers (`hs_matmul_q8`: AVX512-VNNI, AVX2 or scalar,
/// chosen at run time), weight rows spread over the cores. Weights stay memory-mapped and quantized,
/// except Q4_0, Q8_0, Q4_K, Q5_K and Q6_K, which are repacked 16 rows at a time on first use
/// (`RepackedWeights`, `hs_matmul_x16`: the same bytes reordered, 1.2–3× faster; the mapped pages are
/// released). Q5_K has no GGUF-layout integer kernel, so it takes this path only when repacked and
/// its rows are whole groups of 16. F16 and BF16 take `hs_gemm_h16` (HalfLinear.swift); types without
/// any of these (Q2_K, Q3_K, F32, Q5_K unrepacked) keep the float kernels: the fused
/// dequantize-and-dot matvec for ≤ 8 rows, dequantized tiles + sgemm above.
extension Linear {
    /// Integer kernels on quantized weights unless `HOPSCOPE_INT_KERNELS=0` (then float kernels).
    static let integerKernelsEnabled: Bool = {
        if let s = getenv("HOPSCOPE_INT_KERNELS") { return String(cString: s) != "0" }
        return true
    }()

    /// Whether `apply` takes the integer path for this matrix.
    var usesIntegerKernels: Bool {
        guard integerKernels && dense == nil && inDim % 32 == 0 else { return false }
        if hs_q8_supported(type.rawValue) != 0 { return true }
        // x16-only types: every row in the repack (no GGUF-layout kernel for a remainder).
        return allowRepack && outDim % RepackedWeights.groupRows == 0
            && hs_x16_bytes(type.rawValue, Int64(outDim), Int64(inDim)) > 0
    }

    /// y [n × outDim] = x̃ [n × inDim] · Wᵀ with x̃ = x quantized to 8 bits per 32-block.
    func applyInteger(_ x: UnsafePointer<Float>, n: Int, _ y: UnsafeMutablePointer<Float>) {
        let packed = repacked()
        let rowBytes8 = hs_q8_size(1, Int64(inDim))
        let xq = UnsafeMutableRawPointer.allocate(byteCount: n * rowBytes8, alignment: 64)
        defer { xq.deallocate() }
        // Quantizing is O(n·inDim), ~1/outDim of the product: split only large batches. The repacked
        // kernel takes the same integers stored signed.
        Parallel.forEachChunk(0..<n, minChunk: max(1, (1 << 16) / inDim)) { rows in
            let src = x + rows.lowerBound * inDim, dst = xq + rows.lowerBound * rowBytes8
            if packed != nil {
                hs_quantize_q8s(src, Int64(rows.count), Int64(inDim), Int64(inDim), dst)
            } else {
                hs_quantize_q8(src, Int64(rows.count), Int64(inDim), Int64(inDim), dst)
            }
        }
        // Large matrices go in 4 chunks per thread (of at least 64 rows, 4 groups of 16 when repacked),
        // claimed dynamically; small ones stay on one thread.
        let big = outDim * inDim * min(n, 8) >= 1 << 22
        if let packed {
            let groups = packed.rows / RepackedWeights.groupRows
            Parallel.forEachChunk(0..<groups, minChunk: big ? 4 : groups, chunksPerThread: 4) { g in
                let rc = hs_matmul_x16(self.type.rawValue, packed.base, Int64(self.inDim), Int64(g.lowerBound),
                                       Int64(g.upperBound), xq, Int64(n), y, Int64(self.outDim))
                precondition(rc == 0, "hs_matmul_x16(\(self.type)) failed with \(rc)")
            }
            if packed.rows < outDim {   // the last outDim % 16 rows, on the GGUF layout
                let xu = UnsafeMutableRawPointer.allocate(byteCount: n * rowBytes8, alignment: 64)
                defer { xu.deallocate() }
                hs_quantize_q8(x, Int64(n), Int64(inDim), Int64(inDim), xu)
                multiplyGGUFLayout(rows: packed.rows..<outDim, xu, n: n, y)
            }
            return
        }
        Parallel.forEachChunk(0..<outDim, minChunk: big ? 64 : outDim, chunksPerThread: 4) { rows in
            self.multiplyGGUFLayout(rows: rows, xq, n: n, y)
        }
    }

    /// Rows `rows` of y from the GGUF-layout blocks and hs_quantize_q8 activations.
    private func multiplyGGUFLayout(rows: Range<Int>, _ xq: UnsafeRawPointer, n: Int, _ y: UnsafeMutablePointer<Float>) {
        let rc = hs_matmul_q8(type.rawValue, data, rowBytes, Int64(inDim), Int64(rows.lowerBound),
                              Int64(rows.upperBound), xq, Int64(n), y, Int64(outDim))
        precondition(rc == 0, "hs_matmul_q8(\(type)) failed with \(rc)")
    }
}
