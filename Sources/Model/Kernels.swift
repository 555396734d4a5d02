import GGUF

/// The numeric primitives the forward pass needs from weight storage, in one place.
///
/// INTERIM: scalar Swift for F32, F16, Q8_0, Q4_1 until the C kernels (CKernels) land; then these
/// forward to `hs_dequantize_row` / `hs_matvec`.
enum Kernels {
    /// Dequantizes `n` elements (whole blocks) of `type` from `src` into `dst`.
    static func dequantizeRow(_ type: GGMLType, _ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, _ n: Int) {
        switch type {
        case .f32:
            dst.update(from: src.assumingMemoryBound(to: Float.self), count: n)
        case .f16:
            for i in 0..<n { dst[i] = Float(Float16(bitPattern: src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) }
        case .q8_0:
            for b in 0..<(n / 32) {
                let blk = src + b * 34
                let d = Float(Float16(bitPattern: blk.loadUnaligned(as: UInt16.self)))
                for j in 0..<32 { dst[b * 32 + j] = Float(blk.load(fromByteOffset: 2 + j, as: Int8.self)) * d }
            }
        case .q4_1:
            for b in 0..<(n / 32) {
                let blk = src + b * 20
                let d = Float(Float16(bitPattern: blk.loadUnaligned(as: UInt16.self)))
                let m = Float(Float16(bitPattern: blk.loadUnaligned(fromByteOffset: 2, as: UInt16.self)))
                for j in 0..<16 {
                    let q = blk.load(fromByteOffset: 4 + j, as: UInt8.self)
                    dst[b * 32 + j] = Float(q & 0x0F) * d + m
                    dst[b * 32 + j + 16] = Float(q >> 4) * d + m
                }
            }
        default:
            fatalError("interim kernels: \(type) not yet supported")
        }
    }

    /// y[j·ldy + r] = Σ_c W[r, c] · x[j·ldx + c] for rows r in `rows` and `nx` vectors.
    static func matvec(_ type: GGMLType, _ w: UnsafeRawPointer, rowBytes: Int, cols: Int, rows: Range<Int>,
                       _ x: UnsafePointer<Float>, nx: Int, ldx: Int, _ y: UnsafeMutablePointer<Float>, ldy: Int) {
        let tmp = UnsafeMutablePointer<Float>.allocate(capacity: cols)
        defer { tmp.deallocate() }
        for r in rows {
            dequantizeRow(type, w + r * rowBytes, tmp, cols)
            for j in 0..<nx {
                var s: Float = 0
                let xj = x + j * ldx
                for c in 0..<cols { s += tmp[c] * xj[c] }
                y[j * ldy + r] = s
            }
        }
    }
}
