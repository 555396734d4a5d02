/// Float rows → GGUF block bytes, round-to-nearest as ggml's `quantize_row_*_ref`.
///
/// Enough to build small exact models in tests: F32, F16, BF16, Q8_0, Q4_0 and Q4_1, and Q4_K and
/// Q6_K as llama.cpp's quantizer makes them (Quantize+KQuants.swift). The block
/// layouts are those documented in Dequantize.swift; `Dequantize.reference` inverts these (up to
/// the quantization error).
///
/// ```swift
/// let bytes = try Quantize.row(.q8_0, weights)   // weights.count a multiple of 32
/// ```
public enum Quantize {
    /// Types `row` can produce.
    public static let supported: Set<GGMLType> = [.f32, .f16, .bf16, .q8_0, .q4_0, .q4_1, .q4_K, .q6_K]

    /// Encodes `x` (a whole number of blocks) as `type`.
    public static func row(_ type: GGMLType, _ x: [Float]) throws(GGUFError) -> [UInt8] {
        guard supported.contains(type) else { throw GGUFError(.unsupported, "cannot quantize to \(type); supported: F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q4_K, Q6_K") }
        guard x.count % type.blockElements == 0 else {
            throw GGUFError(.badValue, "\(x.count) values is not a whole number of \(type.blockElements)-element \(type) blocks")
        }
        var out: [UInt8] = []
        out.reserveCapacity(x.count / type.blockElements * type.blockBytes)
        switch type {
        case .f32: for v in x { append32(&out, v.bitPattern) }
        case .f16: for v in x { append16(&out, Float16(v).bitPattern) }
        case .bf16: for v in x { append16(&out, bf16(v)) }
        case .q4_K, .q6_K:
            for b in stride(from: 0, to: x.count, by: 256) {
                if type == .q4_K { q4_K(x[b..<(b + 256)], &out) } else { q6_K(x[b..<(b + 256)], &out) }
            }
        default:
            for b in stride(from: 0, to: x.count, by: 32) {
                let block = x[b..<(b + 32)]
                switch type {
                case .q8_0: q8_0(block, &out)
                case .q4_0: q4_0(block, &out)
                default: q4_1(block, &out)
                }
            }
        }
        return out
    }

    /// Round to nearest even, as ggml's `GGML_FP32_TO_BF16` (NaNs stay quiet NaNs).
    static func bf16(_ v: Float) -> UInt16 {
        let u = v.bitPattern
        if v.isNaN { return UInt16(u >> 16) | 64 }
        return UInt16((u &+ (0x7FFF &+ ((u >> 16) & 1))) >> 16)
    }

    private static func append16(_ out: inout [UInt8], _ v: UInt16) {
        out.append(UInt8(v & 0xFF)); out.append(UInt8(v >> 8))
    }

    private static func append32(_ out: inout [UInt8], _ v: UInt32) {
        for s in stride(from: 0, to: 32, by: 8) { out.append(UInt8((v >> UInt32(s)) & 0xFF)) }
    }

    /// Q8_0: d = max|x| / 127, q = round(x / d) (halves away from zero, as `roundf`).
    private static func q8_0(_ x: ArraySlice<Float>, _ out: inout [UInt8]) {
        let amax = x.reduce(Float(0)) { max($0, abs($1)) }
        let d = amax / 127
        let id: Float = d != 0 ? 1 / d : 0
        append16(&out, Float16(d).bitPattern)
        for v in x { out.append(UInt8(bitPattern: Int8((v * id).rounded()))) }
    }

    /// Q4_0: d = (the value of largest magnitude) / −8, q = min(15, trunc(x / d + 8.5)).
    private static func q4_0(_ x: ArraySlice<Float>, _ out: inout [UInt8]) {
        var amax: Float = 0, extreme: Float = 0
        for v in x where amax < abs(v) { amax = abs(v); extreme = v }
        let d = extreme / -8
        let id: Float = d != 0 ? 1 / d : 0
        append16(&out, Float16(d).bitPattern)
        let s = x.startIndex
        for j in 0..<16 {
            let lo = min(15, Int8(x[s + j] * id + 8.5))
            let hi = min(15, Int8(x[s + j + 16] * id + 8.5))
            out.append(UInt8(lo) | UInt8(hi) << 4)
        }
    }

    /// Q4_1: d = (max − min) / 15, m = min, q = min(15, trunc((x − min) / d + 0.5)).
    private static func q4_1(_ x: ArraySlice<Float>, _ out: inout [UInt8]) {
        let lo = x.min()!, hi = x.max()!
        let d = (hi - lo) / 15
        let id: Float = d != 0 ? 1 / d : 0
        append16(&out, Float16(d).bitPattern)
        append16(&out, Float16(lo).bitPattern)
        let s = x.startIndex
        for j in 0..<16 {
            let a = min(15, Int8((x[s + j] - lo) * id + 0.5))
            let b = min(15, Int8((x[s + j + 16] - lo) * id + 0.5))
            out.append(UInt8(a) | UInt8(b) << 4)
        }
    }
}
