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

/// Rotary position embedding of one kind of layer: the angle of each rotated pair per position.
///
/// Pair i turns by θ_i = pos · ω_i; cos and sin are multiplied by `mscale`. ω and mscale follow
/// llama.cpp's rope_yarn (ggml-cpu ops.cpp) for the config's RopeParameters: frequency factors divide
/// ω_i, linear scaling multiplies it by 1/factor, YaRN mixes the scaled and unscaled ω_i by its ramp
/// over the correction dimensions and scales the magnitude by 1 + 0.1·ln(factor).
struct Rope {
    let style: RopeStyle
    let dims: Int            // rotated dims per head
    let omega: [Double]      // (dims/2,) radians per position
    let mscale: Float

    init(style: RopeStyle, dims: Int, parameters r: RopeParameters, factors: [Float]?) {
        self.style = style
        self.dims = dims
        let half = dims / 2
        // YaRN correction dimensions (ggml_rope_yarn_corr_dims, in float as ggml computes them).
        func corrDim(_ rotations: Float) -> Float {
            Float(dims) * logf(Float(r.originalContext) / (rotations * 2 * Float.pi)) / (2 * logf(r.base))
        }
        let low = max(0, floorf(corrDim(r.betaFast)))
        let high = min(Float(dims - 1), ceilf(corrDim(r.betaSlow)))
        var omega = [Double](repeating: 0, count: half)
        for i in 0..<half {
            var w = pow(Double(r.base), -2 * Double(i) / Double(dims))
            if r.usesFactors, let f = factors { w /= Double(f[i]) }
            var mix: Double = 0
            if r.extFactor != 0 {
                let y = (Float(i) - low) / max(0.001, high - low)
                mix = Double((1 - min(1, max(0, y))) * r.extFactor)
            }
            omega[i] = w * (Double(r.freqScale) * (1 - mix) + mix)
        }
        self.omega = omega
        mscale = r.attnFactor * (r.extFactor != 0 ? 1 + 0.1 * logf(1 / r.freqScale) : 1)
    }

    /// cos and sin (dims/2 each) of position `pos`, angles in double so long contexts stay exact.
    func table(_ pos: Int, cos c: UnsafeMutablePointer<Float>, sin s: UnsafeMutablePointer<Float>) {
        for i in 0..<(dims / 2) {
            let theta = Double(pos) * omega[i]
            c[i] = Float(Foundation.cos(theta)) * mscale
            s[i] = Float(Foundation.sin(theta)) * mscale
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
