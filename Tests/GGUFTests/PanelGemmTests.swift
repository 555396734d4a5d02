import CKernels
import Foundation
import Testing

// Tolerance. hs_gemm_panels forms Σ_kk x·w in float32 with one FMA chain per output and pass over
// at most HS_KC + 63 = 447 values of kk, the passes added in order: the longest chain of roundings
// any product goes through is k (worst case), so |error| ≤ k·u·Σ|x·w| with u = 2⁻²⁴ (γ_k). The test
// checks that bound against float64 sums — it is tight enough to catch a wrong index (an error of
// order Σ|x·w| itself) and loose enough for any summation order.
@Suite(.enabled(if: hs_gemm_available() != 0, "needs an AVX-512F CPU (the AVX-512 GEMM)"))
struct PanelGemmTests {
    /// Shapes: whole and partial 12-row tiles, whole and partial 32-column panels, one and several
    /// depth passes (k = 800 splits as 384 + 416), a stride wider than a row, and panel sub-ranges.
    @Test(arguments: [(1, 32, 16), (12, 64, 576), (13, 45, 100), (29, 96, 800), (7, 5, 3), (100, 200, 1536)])
    func matchesFloat64(m: Int, n: Int, k: Int) {
        var rng = ByteSource(seed: UInt64(m * 1_000_003 + n * 1009 + k))
        let w = (0..<(n * k)).map { _ in rng.float() }
        let ldx = k + 5, ldy = n + 7
        let x = (0..<(m * ldx)).map { _ in rng.float() }
        let floats = Int(hs_panels_floats(Int64(n), Int64(k)))
        #expect(floats == (n + 31) / 32 * 32 * k)
        let panels = UnsafeMutablePointer<Float>(OpaquePointer(aligned_alloc(64, floats * 4)!))
        defer { free(panels) }
        panels.initialize(repeating: .nan, count: floats)
        for r in 0..<(floats / k) where r >= n {   // padding rows are zero, as the model's arena gives
            (0..<k).forEach { panels[(r / 32) * 32 * k + $0 * 32 + r % 32] = 0 }
        }
        w.withUnsafeBufferPointer { wb in
            for r in 0..<n { hs_panels_pack_row(wb.baseAddress! + r * k, Int64(r), Int64(k), panels) }
        }
        // Rows read back exactly.
        var back = [Float](repeating: 0, count: k)
        for r in [0, n / 2, n - 1] {
            hs_panels_row(panels, Int64(r), Int64(k), &back)
            #expect(back == Array(w[(r * k)..<((r + 1) * k)]))
        }
        // Two calls on disjoint panel ranges, as two threads would; NaN sentinels must survive beyond n.
        var y = [Float](repeating: .nan, count: m * ldy)
        let npanels = (n + 31) / 32, split = npanels / 2
        for (p0, p1) in [(0, split), (split, npanels)] {
            #expect(hs_gemm_panels(x, Int64(m), Int64(k), Int64(ldx), panels, Int64(n), Int64(p0), Int64(p1), &y, Int64(ldy)) == 0)
        }
        var worst = 0.0
        for i in 0..<m {
            for r in 0..<n {
                let (exact, magnitude) = float64Dot(x[(i * ldx)..<(i * ldx + k)], w[(r * k)..<((r + 1) * k)])
                let bound = Double(k) * 0x1p-24 * magnitude
                worst = max(worst, abs(Double(y[i * ldy + r]) - exact) / max(bound, .leastNormalMagnitude))
            }
            for r in n..<ldy { #expect(y[i * ldy + r].isNaN, "column \(r) ≥ n written") }
        }
        #expect(worst <= 1, "error \(worst)× the γ_k bound")
    }

    @Test func badArgumentsAreRefused() {
        let panels = UnsafeMutablePointer<Float>(OpaquePointer(aligned_alloc(64, 32 * 4 * 4)!))
        defer { free(panels) }
        panels.initialize(repeating: 0, count: 32 * 4)
        var x = [Float](repeating: 1, count: 8), y = [Float](repeating: 0, count: 64)
        #expect(hs_gemm_panels(x, 2, 4, 4, panels, 32, 0, 2, &y, 32) == -1)          // p1 beyond the panels
        #expect(hs_gemm_panels(x, 2, 4, 3, panels, 32, 0, 1, &y, 32) == -1)          // ldx < k
        #expect(hs_gemm_panels(x, 2, 4, 4, panels + 1, 32, 0, 1, &y, 32) == -1)      // misaligned panels
        #expect(hs_gemm_panels(&x, 2, 4, 4, panels, 32, 0, 1, &y, 32) == 0)
    }
}
