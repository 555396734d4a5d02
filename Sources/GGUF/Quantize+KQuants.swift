/// Q4_K and Q6_K blocks as llama.cpp's quantizer makes them without an importance matrix.
///
/// A port of ggml's `quantize_row_q4_K_ref` and `quantize_row_q6_K_ref` (ggml-quants.c): the same
/// float operations in the same order, so the bytes are llama.cpp's (the family tests check them
/// against the tensors of a file made by `llama_model_quantize`). Q4_K: 8 sub-blocks of 32, each
/// fitted by `make_qkx2_quants` (a scale and a min, searched over 21 candidate scales to minimise a
/// weighted squared error), the 8 scales and mins quantized to 6 bits against the block's largest.
/// Q6_K: 16 sub-blocks of 16, each fitted by `make_qx_quants` (19 candidate scales), the scales
/// quantized to int8 against the block's largest.
extension Quantize {
    /// Q4_K: one 144-byte block per 256 values (`x.count` == 256).
    static func q4_K(_ x: ArraySlice<Float>, _ out: inout [UInt8]) {
        let x = Array(x)
        var levels = [UInt8](repeating: 0, count: 256)
        var scales = [Float](repeating: 0, count: 8), mins = [Float](repeating: 0, count: 8)
        var maxScale: Float = 0, maxMin: Float = 0
        for j in 0..<8 {
            let sub = Array(x[(32 * j)..<(32 * j + 32)])
            var sumX2: Float = 0
            for v in sub { sumX2 += v * v }
            let avX = (sumX2 / 32).squareRoot()
            let weights = sub.map { avX + abs($0) }
            var l = [UInt8](repeating: 0, count: 32)
            (scales[j], mins[j]) = makeQKX2(sub, weights, &l, nmax: 15, rmin: -1, rdelta: 0.1, nstep: 20)
            levels.replaceSubrange((32 * j)..<(32 * j + 32), with: l)
            if scales[j] > maxScale { maxScale = scales[j] }
            if mins[j] > maxMin { maxMin = mins[j] }
        }
        let invScale: Float = maxScale > 0 ? 63 / maxScale : 0
        let invMin: Float = maxMin > 0 ? 63 / maxMin : 0
        var packed = [UInt8](repeating: 0, count: 12)
        for j in 0..<8 {
            let ls = min(63, UInt8(truncatingIfNeeded: nearestInt(invScale * scales[j])))
            let lm = min(63, UInt8(truncatingIfNeeded: nearestInt(invMin * mins[j])))
            if j < 4 {
                packed[j] = ls
                packed[j + 4] = lm
            } else {
                packed[j + 4] = (ls & 0xF) | ((lm & 0xF) << 4)
                packed[j - 4] |= (ls >> 4) << 6
                packed[j] |= (lm >> 4) << 6
            }
        }
        let d = Float16(maxScale / 63), dmin = Float16(maxMin / 63)
        for j in 0..<8 {
            let (sc, m) = scaleMinK4(j, packed)
            let dj = Float(d) * Float(sc)
            if dj == 0 { continue }
            let dm = Float(dmin) * Float(m)
            for i in 0..<32 { levels[32 * j + i] = UInt8(max(0, min(15, nearestInt((x[32 * j + i] + dm) / dj)))) }
        }
        appendHalf(&out, d)
        appendHalf(&out, dmin)
        out += packed
        for j in stride(from: 0, to: 256, by: 64) {
            for l in 0..<32 { out.append(levels[j + l] | (levels[j + l + 32] << 4)) }
        }
    }

    /// Q6_K: one 210-byte block per 256 values (`x.count` == 256).
    static func q6_K(_ x: ArraySlice<Float>, _ out: inout [UInt8]) {
        let x = Array(x)
        var levels = [Int8](repeating: 0, count: 256)
        var scales = [Float](repeating: 0, count: 16)
        var maxScale: Float = 0, maxAbsScale: Float = 0
        for ib in 0..<16 {
            var l = [Int8](repeating: 0, count: 16)
            let scale = makeQX(Array(x[(16 * ib)..<(16 * ib + 16)]), &l, nmax: 32)
            levels.replaceSubrange((16 * ib)..<(16 * ib + 16), with: l)
            scales[ib] = scale
            if abs(scale) > maxAbsScale { maxAbsScale = abs(scale); maxScale = scale }
        }
        guard maxAbsScale >= groupMaxEps else {
            out += [UInt8](repeating: 0, count: 210)
            return
        }
        let iscale = -128 / maxScale
        let d = Float16(1 / iscale)
        let blockScales = scales.map { Int8(truncatingIfNeeded: min(127, nearestInt(iscale * $0))) }
        for j in 0..<16 {
            let dj = Float(d) * Float(blockScales[j])
            if dj == 0 { continue }
            for i in 0..<16 { levels[16 * j + i] = Int8(max(-32, min(31, nearestInt(x[16 * j + i] / dj))) + 32) }
        }
        var ql = [UInt8](repeating: 0, count: 128), qh = [UInt8](repeating: 0, count: 64)
        for (h, j) in stride(from: 0, to: 256, by: 128).enumerated() {
            for l in 0..<32 {
                let q = (0..<4).map { UInt8(levels[j + l + 32 * $0]) }
                ql[64 * h + l] = (q[0] & 0xF) | ((q[2] & 0xF) << 4)
                ql[64 * h + l + 32] = (q[1] & 0xF) | ((q[3] & 0xF) << 4)
                qh[32 * h + l] = (q[0] >> 4) | ((q[1] >> 4) << 2) | ((q[2] >> 4) << 4) | ((q[3] >> 4) << 6)
            }
        }
        out += ql
        out += qh
        out += blockScales.map { UInt8(bitPattern: $0) }
        appendHalf(&out, d)
    }

    /// ggml's GROUP_MAX_EPS: a group whose largest magnitude is below it is all zeros.
    private static let groupMaxEps: Float = 1e-15

    /// ggml's `nearest_int`: round half to even through the float adder (|v| ≤ 2²² − 1).
    @inline(__always)
    private static func nearestInt(_ v: Float) -> Int {
        let f = v + 12_582_912
        return Int(Int32(bitPattern: f.bitPattern) & 0x007F_FFFF) - 0x0040_0000
    }

    private static func appendHalf(_ out: inout [UInt8], _ h: Float16) {
        out.append(UInt8(h.bitPattern & 0xFF)); out.append(UInt8(h.bitPattern >> 8))
    }

    /// ggml's `get_scale_min_k4`: the 6-bit scale and min of sub-block `j` from the 12 packed bytes.
    private static func scaleMinK4(_ j: Int, _ q: [UInt8]) -> (UInt8, UInt8) {
        if j < 4 { return (q[j] & 63, q[j + 4] & 63) }
        return ((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4), (q[j + 4] >> 4) | ((q[j] >> 6) << 4))
    }

    /// ggml's `make_qkx2_quants` (use_mad false): levels in [0, nmax], returns (scale, −min).
    private static func makeQKX2(_ x: [Float], _ weights: [Float], _ L: inout [UInt8], nmax: Int,
                                 rmin: Float, rdelta: Float, nstep: Int) -> (Float, Float) {
        let n = x.count
        var lo = x[0], hi = x[0]
        var sumW = weights[0]
        var sumX = sumW * x[0]
        for i in 1..<n {
            if x[i] < lo { lo = x[i] }
            if x[i] > hi { hi = x[i] }
            let w = weights[i]
            sumW += w
            sumX += w * x[i]
        }
        if lo > 0 { lo = 0 }
        if hi == lo {
            for i in 0..<n { L[i] = 0 }
            return (0, -lo)
        }
        var iscale = Float(nmax) / (hi - lo)
        var scale = 1 / iscale
        var bestError: Float = 0
        for i in 0..<n {
            let l = nearestInt(iscale * (x[i] - lo))
            L[i] = UInt8(max(0, min(nmax, l)))
            var diff = scale * Float(L[i]) + lo - x[i]
            diff = diff * diff
            bestError += weights[i] * diff
        }
        var aux = [UInt8](repeating: 0, count: n)
        for step in 0...nstep {
            iscale = (rmin + rdelta * Float(step) + Float(nmax)) / (hi - lo)
            var sumL: Float = 0, sumL2: Float = 0, sumXL: Float = 0
            for i in 0..<n {
                let l = max(0, min(nmax, nearestInt(iscale * (x[i] - lo))))
                aux[i] = UInt8(l)
                let w = weights[i]
                sumL += w * Float(l)
                sumL2 += w * Float(l) * Float(l)
                sumXL += w * Float(l) * x[i]
            }
            let D = sumW * sumL2 - sumL * sumL
            if D > 0 {
                var thisScale = (sumW * sumXL - sumX * sumL) / D
                var thisMin = (sumL2 * sumX - sumL * sumXL) / D
                if thisMin > 0 {
                    thisMin = 0
                    thisScale = sumXL / sumL2
                }
                var curError: Float = 0
                for i in 0..<n {
                    var diff = thisScale * Float(aux[i]) + thisMin - x[i]
                    diff = diff * diff
                    curError += weights[i] * diff
                }
                if curError < bestError {
                    L = aux
                    bestError = curError
                    scale = thisScale
                    lo = thisMin
                }
            }
        }
        return (scale, -lo)
    }

    /// ggml's `make_qx_quants` with rmse_type 1 and no importance weights: levels in [0, 2·nmax),
    /// returns the scale.
    private static func makeQX(_ x: [Float], _ L: inout [Int8], nmax: Int) -> Float {
        let n = x.count
        var mx: Float = 0, amax: Float = 0
        for v in x where abs(v) > amax { amax = abs(v); mx = v }
        if amax < groupMaxEps {
            for i in 0..<n { L[i] = 0 }
            return 0
        }
        var iscale = Float(-nmax) / mx
        var sumLX: Float = 0, sumL2: Float = 0
        for i in 0..<n {
            let l = max(-nmax, min(nmax - 1, nearestInt(iscale * x[i])))
            L[i] = Int8(l + nmax)
            let w = x[i] * x[i]
            sumLX += w * x[i] * Float(l)
            sumL2 += w * Float(l) * Float(l)
        }
        var scale: Float = sumL2 != 0 ? sumLX / sumL2 : 0
        var best = scale * sumLX
        for step in -9...9 where step != 0 {
            iscale = -(Float(nmax) + 0.1 * Float(step)) / mx
            sumLX = 0; sumL2 = 0
            for i in 0..<n {
                let l = max(-nmax, min(nmax - 1, nearestInt(iscale * x[i])))
                let w = x[i] * x[i]
                sumLX += w * x[i] * Float(l)
                sumL2 += w * Float(l) * Float(l)
            }
            if sumL2 > 0 && sumLX * sumLX > best * sumL2 {
                for i in 0..<n { L[i] = Int8(nmax + max(-nmax, min(nmax - 1, nearestInt(iscale * x[i])))) }
                scale = sumLX / sumL2
                best = scale * sumLX
            }
        }
        return scale
    }
}
