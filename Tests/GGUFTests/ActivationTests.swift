import CKernels
import Foundation
import Testing

/// The vectorized exp and SwiGLU activation against float64.
///
/// Tolerance: Cephes' expf polynomial after Cody–Waite reduction is accurate to ~2 ulp (relative
/// 2·2⁻²³ ≈ 2.4·10⁻⁷); we allow 4 ulp. silu(g)·u then adds one division, one addition and one product,
/// each ≤ ½ ulp, and the 1 + e^−g sum can only shrink the exp's relative error: 6 ulp ≈ 3.6·10⁻⁷ overall.
@Suite struct ActivationTests {
    @Test func vectorExpIsWithinFourUlp() {
        var worst = 0.0
        var x: Float = -88
        while x <= 88 {
            let exact = Foundation.exp(Double(x))
            worst = max(worst, abs(Double(hs_exp_avx512_lane(x)) - exact) / exact)
            x += 0.0137
        }
        #expect(worst <= 4 * 0x1p-23, "worst relative error \(worst)")
    }

    @Test func siluMulMatchesFloat64() {
        let n = 1000   // not a multiple of 16: the masked tail runs too
        let gate = (0..<n).map { Float($0 - n / 2) * 0.05 + 0.013 } + [-200, 200, 0, -0.0]
        let up = gate.indices.map { Float(($0 * 37) % 11) - 5.5 }
        var out = gate
        hs_silu_mul(&out, up, Int64(out.count))
        for i in gate.indices {
            let g = Double(gate[i])
            let exact = g / (1 + Foundation.exp(-g)) * Double(up[i])
            let err = abs(Double(out[i]) - exact)
            #expect(err <= 6 * 0x1p-24 * abs(exact) + 1e-37, "silu(\(gate[i]))·\(up[i]) = \(out[i]), exact \(exact)")
        }
    }
}
