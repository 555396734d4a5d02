import Foundation
import GGUF
@testable import Model

/// The error of one matrix product on hopscope's integer path, bounded from activation rounding.
///
/// The integer kernels compute y = W·x̂ with x̂ = x rounded to 8 bits per 32-element block b
/// (scale d_b = max|x_b| / 127, round to nearest), on the same weights W the f32 path uses. So, per
/// output i (derivation: docs/correctness.md, "Quantized paths: the derived bound"):
///
///     |y_i − Σ_j W_ij x_j| ≤ Σ_b (½ + ε_q) d_b Σ_{j∈b} |W_ij|  +  γ Σ_j (|W_ij| + 2|m_ij|)(|x_j| + d_b)
///
/// the first term the activation rounding (|x_j − x̂_j| ≤ d_b (½ + ε_q), ε_q = 127·2u for the
/// rounding of x·(1/d)), the second the float arithmetic of the kernel (γ = (n/32 + 8)·2u, u = 2⁻²⁴,
/// n = the row length; m_ij = Q4_K's sub-block min, which the kernel subtracts as a separate term).
/// `worstRatio` computes both terms from the matrix's own blocks and the actual inputs, and the exact
/// product in Float64.
enum ActivationRoundingBound {
    static let u = 0x1p-24
    static let roundingSlack = 0.5 + 127 * 2 * u

    /// The largest |error| / bound over every output of `linear` applied (integer path) to each row of
    /// `inputs` [count × inDim]; above 1 means the bound does not hold.
    static func worstRatio(_ linear: Linear, _ inputs: [Float], count: Int) -> Double {
        let n = linear.inDim, rows = linear.outDim
        precondition(linear.usesIntegerKernels, "\(linear.name) is not on the integer path")
        precondition(inputs.count == count * n, "\(linear.name): \(inputs.count) inputs for \(count) rows of \(n)")
        var w = [Float](repeating: 0, count: rows * n)
        w.withUnsafeMutableBufferPointer { p in
            for r in 0..<rows { Kernels.dequantizeRow(linear.type, linear.data + r * linear.rowBytes, p.baseAddress! + r * n, n) }
        }
        let mins = subBlockMins(linear)
        var y = [Float](repeating: 0, count: count * rows)
        inputs.withUnsafeBufferPointer { x in
            y.withUnsafeMutableBufferPointer { linear.apply(x.baseAddress!, n: count, $0.baseAddress!) }
        }
        let gamma = Double(n / 32 + 8) * 2 * u
        var worst = 0.0
        for s in 0..<count {
            let x = Array(inputs[(s * n)..<((s + 1) * n)])
            let d: [Double] = stride(from: 0, to: n, by: 32).map { b in
                Double(x[b..<(b + 32)].reduce(Float(0)) { max($0, abs($1)) } / 127)
            }
            for i in 0..<rows {
                var exact = 0.0, rounding = 0.0, arithmetic = 0.0
                for j in 0..<n {
                    let wij = Double(w[i * n + j]), xj = Double(x[j]), db = d[j / 32]
                    exact += wij * xj
                    rounding += roundingSlack * db * abs(wij)
                    arithmetic += (abs(wij) + 2 * Double(mins.isEmpty ? 0 : mins[i * n + j])) * (abs(xj) + db)
                }
                let bound = rounding + gamma * arithmetic
                let error = abs(Double(y[s * rows + i]) - exact)
                worst = max(worst, bound > 0 ? error / bound : (error > 0 ? .infinity : 0))
            }
        }
        return worst
    }

    /// Q4_K's min of each weight's sub-block (dmin · m, ggml's get_scale_min_k4), [outDim × inDim];
    /// empty for types without one.
    static func subBlockMins(_ linear: Linear) -> [Float] {
        guard linear.type == .q4_K else { return [] }
        let n = linear.inDim
        var out = [Float](repeating: 0, count: linear.outDim * n)
        for r in 0..<linear.outDim {
            let row = linear.data + r * linear.rowBytes
            for blk in 0..<(n / 256) {
                let b = (row + blk * 144).assumingMemoryBound(to: UInt8.self)
                let dmin = Float(Float16(bitPattern: UInt16(b[2]) | UInt16(b[3]) << 8))
                let q = b + 4
                for s in 0..<8 {
                    let m = s < 4 ? q[s + 4] & 63 : (q[s + 4] >> 4) | ((q[s] >> 6) << 4)
                    for e in 0..<32 { out[r * n + blk * 256 + s * 32 + e] = dmin * Float(m) }
                }
            }
        }
        return out
    }
}
