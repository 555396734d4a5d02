import CKernels
import Testing
@testable import GGUF

// hs_gemm_h16 (F16 / BF16 weights × float32 activations, converted in registers) against the float64
// product of the reference-dequantized weights. Both binary16 and bfloat16 convert to float32 exactly,
// so the only error is float32 rounding of the products and sums: for a chain of m roundings per term,
// |y − y_exact| ≤ γ_m · Σ|w·x|, γ_m = m·u / (1 − m·u), u = 2⁻²⁴, with m ≤ ncols/8 + ncols/1024 + 8 on the
// AVX2 path (lane chains of KC/8 fused multiply-adds per 1024-column chunk, the 8-lane reduction, one
// add per chunk) and m = ncols for the scalar reference (one chain). The tests check each path against
// its bound and that the bound is not vacuous (the largest error is a visible fraction of it for the
// one-chain reference).

/// Whether this CPU runs the half kernel's AVX-512 path (HS_KERNELS_AVX512_VNNI).
let halfAVX512 = hs_q8_path_available(Int32(HS_KERNELS_AVX512_VNNI.rawValue)) != 0
/// The half kernel's paths on this CPU: the AVX-512 one where it runs.
let halfPaths: [hs_kernels_path] = kernelPaths + (halfAVX512 ? [HS_KERNELS_AVX512_VNNI] : [])

/// Runs every path on `rows` × `cols` random half weights and `nx` activation rows.
func checkHalfKernel(_ type: GGMLType, rows: Int, cols: Int, nx: Int, paths: [hs_kernels_path] = halfPaths) {
    let raw = randomBlocks(type, rows * cols, seed: UInt64(rows * 31 + cols + nx))
    let w = referenceWeights(type, raw, count: rows * cols)
    var rng = ByteSource(seed: UInt64(nx + cols))
    let x = (0..<(nx * cols)).map { _ in rng.float() }
    for path in paths {
        var y = [Float](repeating: .nan, count: nx * rows)
        // Two calls on disjoint row ranges, as two threads would (one range not a multiple of the blocks).
        for (r0, r1) in [(0, rows / 3), (rows / 3, rows)] {
            #expect(hs_gemm_h16_with(Int32(path.rawValue), type.rawValue, raw, 2 * cols, Int64(cols), Int64(r0), Int64(r1),
                                     x, Int64(nx), Int64(cols), &y, Int64(rows)) == 0)
        }
        let m = path == HS_KERNELS_SCALAR ? Double(cols) : Double(cols / 8 + cols / 1024 + 8)
        let u = 1.0 / Double(1 << 24), gamma = m * u / (1 - m * u)
        var worst = 0.0
        for j in 0..<nx {
            for r in 0..<rows {
                var exact = 0.0, mag = 0.0
                for c in 0..<cols {
                    let p = Double(w[r * cols + c]) * Double(x[j * cols + c])
                    exact += p
                    mag += abs(p)
                }
                let err = abs(Double(y[j * rows + r]) - exact), bound = gamma * mag
                #expect(err <= bound, "\(type) \(rows)×\(cols) nx \(nx) path \(path.rawValue) y[\(j), \(r)] = \(y[j * rows + r]), exact \(exact)")
                worst = max(worst, err / bound)
            }
        }
        #expect(worst > 0, "the products were rounded somewhere (worst \(worst) of the bound)")
    }
}

@Test(arguments: [GGMLType.f16, .bf16], [(4, 16, 1), (37, 256, 1), (33, 512, 2), (65, 2048, 3), (40, 1024, 7), (9, 4096, 13)])
func halfKernelWithinTheFloat32RoundingBound(_ type: GGMLType, _ shape: (Int, Int, Int)) {
    checkHalfKernel(type, rows: shape.0, cols: shape.1, nx: shape.2)
}

/// The AVX-512 path's own shapes: generation (one or two activation rows) over whole rows in tiles of 8,
/// with two chains where the width is a multiple of 32 and one where it is not; prompt tiles of 4 × 6;
/// and AUTO picks it (the same bits as asking for it).
@Test(.enabled(if: halfAVX512, "this CPU has no AVX-512 (the half kernel's AVX-512 path cannot run)"),
      arguments: [GGMLType.f16, .bf16])
func halfKernelAVX512Path(_ type: GGMLType) {
    for (rows, cols, nx) in [(8, 32, 1), (13, 48, 1), (17, 4096, 1), (9, 48, 2), (23, 1024, 2), (7, 2048, 6), (37, 1040, 11)] {
        checkHalfKernel(type, rows: rows, cols: cols, nx: nx, paths: [HS_KERNELS_AVX512_VNNI])
    }
    let rows = 21, cols = 1024, nx = 3
    let raw = randomBlocks(type, rows * cols, seed: 77)
    var rng = ByteSource(seed: 78)
    let x = (0..<(nx * cols)).map { _ in rng.float() }
    var auto = [Float](repeating: .nan, count: nx * rows), explicit = auto
    #expect(hs_gemm_h16(type.rawValue, raw, 2 * cols, Int64(cols), 0, Int64(rows), x, Int64(nx), Int64(cols), &auto, Int64(rows)) == 0)
    #expect(hs_gemm_h16_with(Int32(HS_KERNELS_AVX512_VNNI.rawValue), type.rawValue, raw, 2 * cols, Int64(cols), 0, Int64(rows),
                             x, Int64(nx), Int64(cols), &explicit, Int64(rows)) == 0)
    #expect(auto.map(\.bitPattern) == explicit.map(\.bitPattern), "AUTO is the AVX-512 path on this CPU")
}

@Test func halfKernelOnOddWidthsAndBadArguments() {
    // Widths that are not whole 16-column steps take the scalar reference on every path.
    checkHalfKernel(.f16, rows: 5, cols: 40, nx: 2)
    let w = [UInt8](repeating: 0, count: 64), x = [Float](repeating: 1, count: 32)
    var y = [Float](repeating: 0, count: 2)
    #expect(hs_gemm_h16(GGMLType.q8_0.rawValue, w, 64, 32, 0, 1, x, 1, 32, &y, 1) == -1)   // not a half type
    #expect(hs_gemm_h16(GGMLType.f16.rawValue, w, 32, 32, 0, 1, x, 1, 32, &y, 1) == -1)    // rows shorter than ncols halves
    #expect(hs_gemm_h16(GGMLType.f16.rawValue, w, 64, 32, 1, 0, x, 1, 32, &y, 1) == -1)    // reversed range
    #expect(hs_gemm_h16(GGMLType.f16.rawValue, w, 64, 32, 0, 1, x, 0, 32, &y, 1) == -1)    // no activation rows
    #expect(hs_gemm_h16(GGMLType.bf16.rawValue, w, 64, 32, 0, 1, x, 1, 32, &y, 1) == 0 && y[0] == 0)
}
