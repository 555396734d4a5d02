import CKernels
#if canImport(Glibc)
import Glibc
#endif
import GGUF

/// The F16 / BF16 path of `Linear.apply` for models without an f32 copy (7B-class): the half-precision
/// weights stay memory-mapped and are converted in registers by `hs_gemm_h16` (F16C, or a shift for
/// BF16), for generation and prompt batches alike — never a float32 copy of the model.
///
/// Float32 products and sums, as the dense path; the result differs from an exact dot product by
/// float32 rounding only (bound in CKernels.h).
extension Linear {
    /// Whether `apply` takes the half-precision kernel: F16 or BF16 weights without a dense copy
    /// (`HOPSCOPE_HALF_KERNELS=0`: no, for comparisons: the fused matvec and dequantized tiles then).
    var usesHalfKernels: Bool {
        Linear.halfKernelsEnabled && dense == nil && (type == .f16 || type == .bf16)
    }

    /// `HOPSCOPE_HALF_KERNELS=0` turns the half-precision kernel off.
    static let halfKernelsEnabled: Bool = {
        if let s = getenv("HOPSCOPE_HALF_KERNELS") { return String(cString: s) != "0" }
        return true
    }()

    /// y [n × outDim] = x [n × inDim] · Wᵀ, weight rows split over the cores in blocks of 32 (the
    /// kernel's row block), 4 dynamically claimed chunks per core for large matrices.
    func applyHalf(_ x: UnsafePointer<Float>, n: Int, _ y: UnsafeMutablePointer<Float>) {
        let blocks = (outDim + 31) / 32
        let big = outDim * inDim >= Linear.parallelMatvecWeights
        Parallel.forEachChunk(0..<blocks, minChunk: big ? 1 : blocks, chunksPerThread: 4) { b in
            let r0 = b.lowerBound * 32, r1 = min(self.outDim, b.upperBound * 32)
            let rc = hs_gemm_h16(self.type.rawValue, self.data, self.rowBytes, Int64(self.inDim), Int64(r0), Int64(r1),
                                 x, Int64(n), Int64(self.inDim), y, Int64(self.outDim))
            precondition(rc == 0, "hs_gemm_h16(\(self.type)) failed with \(rc)")
        }
    }
}
