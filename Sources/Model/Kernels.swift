import CKernels
import GGUF

/// The numeric primitives the forward pass needs from weight storage, in one place: the C kernels
/// (AVX2 with a scalar fallback, tested against GGUF's Swift reference dequantizer).
enum Kernels {
    /// Dequantizes `n` elements (whole blocks) of `type` from `src` into `dst`.
    @inline(__always)
    static func dequantizeRow(_ type: GGMLType, _ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, _ n: Int) {
        Dequantize.fast(type, from: src, count: n, into: dst)
    }

    /// y[j·ldy + r] = Σ_c W[r, c] · x[j·ldx + c] for rows r in `rows` and `nx` (≤ 8) vectors.
    @inline(__always)
    static func matvec(_ type: GGMLType, _ w: UnsafeRawPointer, rowBytes: Int, cols: Int, rows: Range<Int>,
                       _ x: UnsafePointer<Float>, nx: Int, ldx: Int, _ y: UnsafeMutablePointer<Float>, ldy: Int) {
        var done = 0
        while done < nx {   // the kernel takes at most 8 vectors per weight pass
            let k = min(8, nx - done)
            let rc = hs_matvec(type.rawValue, w, rowBytes, Int64(cols), Int64(rows.lowerBound), Int64(rows.upperBound),
                               x + done * ldx, Int64(k), Int64(ldx), y + done * ldy, Int64(ldy))
            precondition(rc == 0, "hs_matvec(\(type)) failed with \(rc)")
            done += k
        }
    }
}
