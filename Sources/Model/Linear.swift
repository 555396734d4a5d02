import CKernels
import COpenBLAS
#if canImport(Glibc)
import Glibc
#endif
import GGUF
import Synchronization

/// A weight matrix W [out × in] (GGUF ne = [in, out]) applied as y = x · Wᵀ to rows of activations.
///
/// The quantized bytes stay memory-mapped. Small models also keep an exact f32 copy (`dense`), so
/// batched evaluation is one GEMM: on CPUs with AVX-512 the copy is stored in 32-output panels for
/// CKernels' panel GEMM (about twice OpenBLAS's sgemm here), elsewhere row-major for BLAS. Without a
/// copy, tiles of rows are dequantized and multiplied.
/// Few rows (generation) use the fused dequantize-and-dot kernel, reading 4–8× fewer bytes.
final class Linear: @unchecked Sendable {
    let name: String
    let type: GGMLType
    let outDim: Int                  // rows of W
    let inDim: Int                   // columns of W
    let rowBytes: Int
    let data: UnsafeRawPointer       // mmapped blocks, [outDim rows of rowBytes]
    private(set) var dense: UnsafeMutablePointer<Float>?   // (outDim, inDim) exact f32 copy, or nil
    /// Without a dense copy, use the integer kernels (QuantizedLinear.swift) where the type has one.
    var integerKernels = Linear.integerKernelsEnabled
    /// The file `data` lies in (its mapped pages are released once a repack copied them).
    let file: GGUFFile
    /// Whether a Q4_0 / Q8_0 / Q4_K / Q5_K / Q6_K matrix on the integer path is repacked (`HOPSCOPE_REPACK=0`: no; tests set it).
    var allowRepack = RepackedWeights.enabled
    /// Q4_0, Q8_0, Q4_K, Q5_K and Q6_K on the integer path: repacked 16 rows at a time on first use (RepackedWeights.swift).
    /// (hs_x16_bytes is 0 for types without an x16 layout, rows that are not whole blocks, < 16 rows.)
    var repacks: Bool {
        allowRepack && usesIntegerKernels && hs_x16_bytes(type.rawValue, Int64(outDim), Int64(inDim)) > 0
    }
    let repackedStore = Mutex<RepackedWeights?>(nil)

    /// Batches of at most this many rows use the quantized matvec kernel instead of the f32 copy's GEMM:
    /// it reads the 4–8× smaller quantized weights once per 8 rows. With CKernels' AVX-512 panel GEMM
    /// that is up to 8 rows; with OpenBLAS's sgemm (AVX2), up to 64: the analysis' batches of 8–64 rows
    /// (Patchscope cells, knockout windows, shared-block forks) measured 4.7 → 2.8 s on SmolLM2 and
    /// 7.6 → 6.9 s on Gemma-3 270M, the back-patch grid (larger batches) unchanged (docs/speed.md).
    /// `HOPSCOPE_MATVEC_ROWS` overrides (0 = never).
    static let matvecMaxRows: Int = {
        if let s = getenv("HOPSCOPE_MATVEC_ROWS"), let n = Int(String(cString: s)), n >= 0 { return n }
        return panelGemm ? 8 : 64
    }()

    /// Matrices with at least this many weights split a ≤ 8-row product across threads
    /// (`HOPSCOPE_MATVEC_PARALLEL` overrides). With Dispatch, a wake-up per matrix cost more than the
    /// second core saved (SmolLM2 generation 116 → 74 tok/s when split); on the spinning pool
    /// (Parallel.swift) splitting all of SmolLM2's matrices measured 128 → 165–193 tok/s.
    static let parallelMatvecWeights: Int = {
        if let s = getenv("HOPSCOPE_MATVEC_PARALLEL"), let n = Int(String(cString: s)), n >= 0 { return n }
        return 1 << 16
    }()

    init(name: String, tensor: GGUFTensorInfo, file: GGUFFile) throws(ModelError) {
        guard tensor.shape.count == 2 else {
            throw .badTensor("tensor '\(name)' has shape \(tensor.shape), expected 2 dimensions")
        }
        self.name = name
        type = tensor.type
        inDim = tensor.shape[0]
        outDim = tensor.shape[1]
        rowBytes = tensor.rowBytes
        data = file.data(tensor).baseAddress!
        self.file = file
    }

    /// Whether dense copies use the panel layout and CKernels' AVX-512 GEMM (`HOPSCOPE_GEMM=blas`: no).
    static let panelGemm = hs_gemm_available() != 0

    /// Bytes of the f32 copy (a multiple of 64, so copies packed back to back stay aligned).
    var denseBytes: Int {
        let floats = Linear.panelGemm ? Int(hs_panels_floats(Int64(outDim), Int64(inDim))) : outDim * inDim
        return (floats * 4 + 63) / 64 * 64
    }

    /// Dequantizes rows `rows` into `storage` (the copy's layout) and, once `publish`, uses it.
    func fillDense(_ storage: UnsafeMutablePointer<Float>, rows: Range<Int>) {
        if Linear.panelGemm {
            let tmp = UnsafeMutablePointer<Float>.allocate(capacity: inDim)
            defer { tmp.deallocate() }
            for r in rows {
                Kernels.dequantizeRow(type, data + r * rowBytes, tmp, inDim)
                hs_panels_pack_row(tmp, Int64(r), Int64(inDim), storage)
            }
        } else {
            for r in rows { Kernels.dequantizeRow(type, data + r * rowBytes, storage + r * inDim, inDim) }
        }
    }

    /// Uses `storage` (owned by the model's arena) as this matrix's exact f32 copy.
    func publishDense(_ storage: UnsafeMutablePointer<Float>) { dense = storage }

    /// Dequantizes row `r` (e.g. an embedding) into `dst` [inDim].
    func row(_ r: Int, into dst: UnsafeMutablePointer<Float>) {
        if let dense, Linear.panelGemm {
            hs_panels_row(dense, Int64(r), Int64(inDim), dst)
        } else if let dense {
            dst.update(from: dense + r * inDim, count: inDim)
        } else {
            Kernels.dequantizeRow(type, data + r * rowBytes, dst, inDim)
        }
    }

    /// y [n × outDim] = x [n × inDim] · Wᵀ.
    func apply(_ x: UnsafePointer<Float>, n: Int, _ y: UnsafeMutablePointer<Float>) {
        guard n > 0 else { return }
        if usesIntegerKernels { applyInteger(x, n: n, y); return }
        if usesHalfKernels { applyHalf(x, n: n, y); return }
        if n <= Linear.matvecMaxRows {
            // Only tiny matrices (< parallelMatvecWeights) stay on one thread.
            let minRows = outDim * inDim >= Linear.parallelMatvecWeights ? 64 : outDim
            Parallel.forEachChunk(0..<outDim, minChunk: minRows) { rows in
                Kernels.matvec(type, data, rowBytes: rowBytes, cols: inDim, rows: rows, x, nx: n, ldx: inDim, y, ldy: outDim)
            }
        } else if let dense, Linear.panelGemm {
            let panels = (outDim + 31) / 32
            // One thread per core over the panels, when the product is worth a wake-up.
            let minPanels = n * outDim * inDim >= 1 << 18 ? 1 : panels
            Parallel.forEachChunk(0..<panels, minChunk: minPanels) { p in
                let rc = hs_gemm_panels(x, Int64(n), Int64(inDim), Int64(inDim), dense, Int64(outDim),
                                        Int64(p.lowerBound), Int64(p.upperBound), y, Int64(outDim))
                precondition(rc == 0, "hs_gemm_panels failed with \(rc)")
            }
        } else if let dense {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(outDim), Int32(inDim),
                        1, x, Int32(inDim), dense, Int32(inDim), 0, y, Int32(outDim))
        } else {
            applyTiled(x, n: n, y)
        }
    }

    /// Dequantizes ~256 KB tiles of W and multiplies each with one sgemm (no full f32 copy).
    private func applyTiled(_ x: UnsafePointer<Float>, n: Int, _ y: UnsafeMutablePointer<Float>) {
        let tileRows = max(16, (1 << 16) / inDim)
        let tiles = (outDim + tileRows - 1) / tileRows
        Parallel.forEachChunk(0..<tiles) { tileRange in
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: tileRows * inDim)
            defer { scratch.deallocate() }
            for t in tileRange {
                let r0 = t * tileRows, r1 = min(outDim, r0 + tileRows)
                for r in r0..<r1 { Kernels.dequantizeRow(type, data + r * rowBytes, scratch + (r - r0) * inDim, inDim) }
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(r1 - r0), Int32(inDim),
                            1, x, Int32(inDim), scratch, Int32(inDim), 0, y + r0, Int32(outDim))
            }
        }
    }
}
