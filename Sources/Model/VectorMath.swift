import Foundation

/// Small float32 vector kernels used by the forward pass (norms, rotary embedding, activations).
enum VectorMath {
    /// Σ a[i]·b[i] with eight independent accumulators (vectorizes; f32 throughout).
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = SIMD8<Float>()
        var i = 0
        while i + 8 <= n {
            let va = UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self)
            let vb = UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Float>.self)
            acc += va * vb
            i += 8
        }
        var s = acc.sum()
        while i < n { s += a[i] * b[i]; i += 1 }
        return s
    }

    /// y[i] += a · x[i].
    @inline(__always)
    static func axpy(_ a: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        var i = 0
        let va = SIMD8<Float>(repeating: a)
        while i + 8 <= n {
            var vy = UnsafeRawPointer(y + i).loadUnaligned(as: SIMD8<Float>.self)
            vy += va * UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(y + i).storeBytes(of: vy, as: SIMD8<Float>.self)
            i += 8
        }
        while i < n { y[i] += a * x[i]; i += 1 }
    }

    /// out = x / √(mean(x²) + eps) · w  (RMSNorm; `out` may alias `x`).
    @inline(__always)
    static func rmsNorm(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int, eps: Float) {
        let ms = dot(x, x, n) / Float(n)
        let scale = 1 / (ms + eps).squareRoot()
        for i in 0..<n { out[i] = x[i] * scale * w[i] }
    }

    /// GELU, tanh approximation (gemma).
    @inline(__always) static func geluTanh(_ x: Float) -> Float {
        0.5 * x * (1 + tanhf(0.7978845608028654 * (x + 0.044715 * x * x * x)))
    }

    /// In-place softmax over n values; returns nothing, keeps f32.
    static func softmax(_ x: UnsafeMutablePointer<Float>, _ n: Int) {
        guard n > 0 else { return }
        var m = -Float.infinity
        for i in 0..<n where x[i] > m { m = x[i] }
        var s: Float = 0
        for i in 0..<n { x[i] = expf(x[i] - m); s += x[i] }
        let inv = 1 / s
        for i in 0..<n { x[i] *= inv }
    }
}

/// Rotary position embedding tables for one position: cos/sin of each rotated pair.
struct Rope {
    let style: RopeStyle
    let dims: Int            // rotated dims per head
    let base: Float

    /// cos and sin (dims/2 each) of position `pos`, angles in double so long contexts stay exact.
    func table(_ pos: Int, cos c: UnsafeMutablePointer<Float>, sin s: UnsafeMutablePointer<Float>) {
        for i in 0..<(dims / 2) {
            let theta = Double(pos) * pow(Double(base), -2 * Double(i) / Double(dims))
            c[i] = Float(Foundation.cos(theta))
            s[i] = Float(Foundation.sin(theta))
        }
    }

    /// Rotates `heads` heads of `headDim` at `x` by the table.
    func apply(_ x: UnsafeMutablePointer<Float>, heads: Int, headDim: Int, cos c: UnsafePointer<Float>, sin s: UnsafePointer<Float>) {
        let half = dims / 2
        for h in 0..<heads {
            let v = x + h * headDim
            for i in 0..<half {
                let (a, b) = style == .adjacent ? (2 * i, 2 * i + 1) : (i, i + half)
                let x0 = v[a], x1 = v[b]
                v[a] = x0 * c[i] - x1 * s[i]
                v[b] = x0 * s[i] + x1 * c[i]
            }
        }
    }
}
