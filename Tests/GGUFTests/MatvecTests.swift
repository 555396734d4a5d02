import CKernels
import Foundation
import Testing
import TestSupport
@testable import GGUF

// Tolerance. hs_matvec forms Σ_c w_c·x_c in float32 (products, FMAs and sums rounded to 24 bits)
// while the oracle below sums the reference weights' exact products in float64. Rounding error of
// a float32 sum is bounded by L·u·Σ|terms| where u = 2⁻²⁴ and L is the longest chain of additions
// any term goes through. The kernels keep L short: at most 4 FMAs inside a 32-block, HS_FLUSH = 16
// blocks per partial sum, ncols / 512 partial sums, 3 horizontal adds (or HS_CHUNK / 8 = 32 per
// chunk for the chunked path) — L ≈ 32 for ncols ≤ 4096, i.e. ≈ 2·10⁻⁶ of Σ|terms|.
// The "terms" are what the kernel sums: factored kernels add d·Σq·x and the offset part
// (−8·d·Σx for Q4_0, m·Σx for Q4_1, −ml·Σx for K-quants) separately, so Σ|terms| is
// Σ(|d·q| + |offset|)·|x|, about 2–4× Σ|w·x| for real and random blocks (it is unbounded only for
// degenerate blocks whose weights all cancel to 0). 1·10⁻⁵·Σ|w·x| covers this with margin;
// observed errors are ≤ 2·10⁻⁸·Σ|w·x| (below u) on every type, path and nx.
let matvecRelativeTolerance = 1e-5

/// Σ a[i]·b[i] in float64, and Σ|a[i]·b[i]| — the scale of a float32 sum's rounding error.
func float64Dot(_ a: ArraySlice<Float>, _ b: ArraySlice<Float>) -> (sum: Double, magnitude: Double) {
    var sum = 0.0, magnitude = 0.0
    for (u, v) in zip(a, b) {
        let p = Double(u) * Double(v)
        sum += p
        magnitude += abs(p)
    }
    return (sum, magnitude)
}

/// Checks hs_matvec on `rows` × `cols` weights of `type` against a float64 dot product of the
/// reference-dequantized weights, for every path and nx = 1…8.
func checkMatvec(_ type: GGMLType, raw: [UInt8], rows: Int, cols: Int, seed: UInt64) {
    let rowBytes = type.rowBytes(cols)!
    var ref = [Float](repeating: 0, count: rows * cols)
    raw.withUnsafeBytes { src in
        ref.withUnsafeMutableBufferPointer { Dequantize.reference(type, from: src.baseAddress!, count: rows * cols, into: $0.baseAddress!) }
    }
    var rng = ByteSource(seed: seed)
    let ldx = cols + 8   // a stride wider than a row, to test ldx
    let x = (0..<(8 * ldx)).map { _ in rng.float() }
    for path in kernelPaths {
        for nx in 1...8 {
            let ldy = rows + 3
            var y = [Float](repeating: .nan, count: nx * ldy)
            // Two calls on [0, r) and [r, rows), as two threads would.
            let split = rows / 3
            for (r0, r1) in [(0, split), (split, rows)] {
                let rc = hs_matvec_with(Int32(path.rawValue), type.rawValue, raw, rowBytes, Int64(cols), Int64(r0), Int64(r1),
                                        x, Int64(nx), Int64(ldx), &y, Int64(ldy))
                #expect(rc == 0)
            }
            var worst = 0.0
            for j in 0..<nx {
                for r in 0..<rows {
                    let (exact, magnitude) = float64Dot(ref[(r * cols)..<((r + 1) * cols)], x[(j * ldx)..<(j * ldx + cols)])
                    let err = abs(Double(y[j * ldy + r]) - exact)
                    worst = max(worst, err / max(magnitude, 1e-30))
                }
            }
            #expect(worst <= matvecRelativeTolerance, "\(type) \(rows)×\(cols) nx \(nx) path \(path.rawValue): relative error \(worst)")
        }
    }
}

@Test(arguments: GGMLType.allCases)
func matvecMatchesReferenceOnRandomBlocks(_ type: GGMLType) {
    for (rows, cols) in [(5, 256), (7, 768), (3, 4096)] {
        let raw = randomBlocks(type, rows * cols / type.blockElements, seed: UInt64(rows * cols) &+ UInt64(type.rawValue))
        checkMatvec(type, raw: raw, rows: rows, cols: cols, seed: UInt64(cols))
    }
}

@Test(arguments: [GGMLType.q4_K, .q4_0, .q4_1])
func matvecLongRowsSkipTheXSumKernels(_ type: GGMLType) {
    // Rows longer than HS_XSUM_MAX_COLS (16384) do not fit the stack buffer of per-group x sums.
    let cols = 16384 + 512
    checkMatvec(type, raw: randomBlocks(type, 2 * cols / type.blockElements, seed: 41), rows: 2, cols: cols, seed: 42)
}

@Test func matvecOddLengthFloatRows() {
    // F32/F16 rows whose length is not a multiple of 8 take the tail path.
    for type in [GGMLType.f32, .f16, .bf16] {
        let raw = randomBlocks(type, 5 * 13, seed: 77)
        checkMatvec(type, raw: raw, rows: 5, cols: 13, seed: 3)
    }
}

@Test(.enabled(if: TestModels.available(TestModels.smollm2) && TestModels.available(TestModels.gemma3), "needs the default models (make setup)"))
func matvecMatchesReferenceOnRealTensors() throws {
    for path in [TestModels.smollm2, TestModels.gemma3] {
        let file = try GGUFFile(path: path)
        var seen: Set<GGMLType> = []
        for t in file.tensors where t.shape.count == 2 && !seen.contains(t.type) {
            seen.insert(t.type)
            let rows = min(6, t.rows)
            let raw = Array(UnsafeRawBufferPointer(rebasing: file.data(t)[0..<(rows * t.rowBytes)]))
            checkMatvec(t.type, raw: raw, rows: rows, cols: t.rowElements, seed: 11)
        }
    }
}

@Test(.enabled(if: kernelPaths.count == 2, "needs a CPU with AVX2, FMA and F16C (the scalar path is tested alone)"))
func matvecPathsAgreeClosely() {
    // Scalar and AVX2 sum in different orders; both are within tolerance of the exact value,
    // and agree with each other to a few ulps of Σ|w·x| on a 4096-column row.
    let raw = randomBlocks(.q4_0, 4 * 128, seed: 5)
    var rng = ByteSource(seed: 6)
    let x = (0..<4096).map { _ in rng.float() }
    var a = [Float](repeating: 0, count: 4), b = a
    #expect(hs_matvec_with(Int32(HS_KERNELS_SCALAR.rawValue), GGMLType.q4_0.rawValue, raw, 18 * 128, 4096, 0, 4, x, 1, 4096, &a, 4) == 0)
    #expect(hs_matvec_with(Int32(HS_KERNELS_AVX2.rawValue), GGMLType.q4_0.rawValue, raw, 18 * 128, 4096, 0, 4, x, 1, 4096, &b, 4) == 0)
    for i in 0..<4 { #expect(abs(a[i] - b[i]) <= 1e-4 * max(abs(a[i]), 1)) }
}
