import CKernels

/// The scalar reference dequantizer: every GGUF block format decoded to `Float`, written for clarity.
///
/// This is the oracle the fast C kernels (`hs_dequantize_row`, `hs_matvec`) are tested against, and
/// it must agree bit for bit with ggml's `dequantize_row_*` and with Python `gguf.quants.dequantize`.
/// Each value is computed with the same float32 operations in the same order as ggml
/// (e.g. Q4_1 is `q·d + m`, a product rounded and then a sum rounded — never a fused multiply-add).
///
/// Block layouts are the `Block*` enums below: byte offsets of each field and the total size,
/// which a test checks against `GGMLType.blockBytes`.
///
/// ```swift
/// let file = try GGUFFile(path: "SmolLM2-135M-Instruct.Q4_1.gguf")
/// let t = try file.requireTensor("blk.0.ffn_down.weight")     // Q4_1 [1536, 576]
/// let row3 = Dequantize.row(file, t, row: 3)                  // 1536 floats
/// ```
public enum Dequantize {
    /// Decodes `count` elements (a whole number of blocks) of `type` from `src` into `dst`.
    public static func reference(_ type: GGMLType, from src: UnsafeRawPointer, count: Int, into dst: UnsafeMutablePointer<Float>) {
        precondition(count >= 0 && count % type.blockElements == 0,
                     "\(type): \(count) elements is not a whole number of \(type.blockElements)-element blocks")
        let blocks = count / type.blockElements
        for b in 0..<blocks {
            let block = src + b * type.blockBytes
            let out = dst + b * type.blockElements
            switch type {
            case .f32: out[0] = block.loadUnaligned(as: Float.self)
            case .f16: out[0] = half(block, 0)
            case .bf16: out[0] = Float(bitPattern: UInt32(u16(block, 0)) << 16)
            case .q4_0: q4_0(block, out)
            case .q4_1: q4_1(block, out)
            case .q5_0: q5_0(block, out)
            case .q5_1: q5_1(block, out)
            case .q8_0: q8_0(block, out)
            case .q2_K: q2_K(block, out)
            case .q3_K: q3_K(block, out)
            case .q4_K: q4_K(block, out)
            case .q5_K: q5_K(block, out)
            case .q6_K: q6_K(block, out)
            }
        }
    }

    /// The same decoding by the fast C kernel (`hs_dequantize_row`: AVX2 when the CPU has it,
    /// scalar C otherwise or under `HOPSCOPE_KERNELS=scalar`); bit-identical to `reference`.
    public static func fast(_ type: GGMLType, from src: UnsafeRawPointer, count: Int, into dst: UnsafeMutablePointer<Float>) {
        let rc = hs_dequantize_row(type.rawValue, src, dst, Int64(count))
        precondition(rc == 0, "\(type): \(count) elements is not a whole number of \(type.blockElements)-element blocks")
    }

    /// One row (along `ne[0]`) of a tensor, dequantized.
    public static func row(_ file: GGUFFile, _ tensor: GGUFTensorInfo, row: Int) -> [Float] {
        precondition(row >= 0 && row < tensor.rows, "row \(row) out of range for '\(tensor.name)' with \(tensor.rows) rows")
        let n = tensor.rowElements
        let base = file.data(tensor).baseAddress! + row * tensor.rowBytes
        return [Float](unsafeUninitializedCapacity: n) { buf, initialized in
            reference(tensor.type, from: base, count: n, into: buf.baseAddress!)
            initialized = n
        }
    }

    /// A whole tensor, dequantized, in ggml order (row-major with `ne[0]` contiguous).
    public static func tensor(_ file: GGUFFile, _ tensor: GGUFTensorInfo) -> [Float] {
        let n = tensor.elementCount
        let base = file.data(tensor).baseAddress!
        return [Float](unsafeUninitializedCapacity: n) { buf, initialized in
            reference(tensor.type, from: base, count: n, into: buf.baseAddress!)
            initialized = n
        }
    }
}

// MARK: - Block layouts (ggml-common.h)

/// Q4_0, 32 elements: `{ f16 d; u8 qs[16] }`. Element j < 16 is the low nibble of `qs[j]`, element
/// j + 16 its high nibble; value = (q − 8)·d.
enum BlockQ4_0 { static let d = 0, qs = 2, size = 18 }
/// Q4_1, 32 elements: `{ f16 d; f16 m; u8 qs[16] }`, nibbles as Q4_0; value = q·d + m.
enum BlockQ4_1 { static let d = 0, m = 2, qs = 4, size = 20 }
/// Q5_0, 32 elements: `{ f16 d; u32 qh; u8 qs[16] }`; bit j of `qh` is the fifth bit of element j;
/// value = (q − 16)·d.
enum BlockQ5_0 { static let d = 0, qh = 2, qs = 6, size = 22 }
/// Q5_1, 32 elements: `{ f16 d; f16 m; u32 qh; u8 qs[16] }`, bits as Q5_0; value = q·d + m.
enum BlockQ5_1 { static let d = 0, m = 2, qh = 4, qs = 8, size = 24 }
/// Q8_0, 32 elements: `{ f16 d; i8 qs[32] }`; value = q·d.
enum BlockQ8_0 { static let d = 0, qs = 2, size = 34 }
/// Q2_K, 256 elements in 16 sub-blocks of 16: `{ u8 scales[16]; u8 qs[64]; f16 d; f16 dmin }`.
/// `scales[i]` = 4-bit scale (low) | 4-bit min (high). Each 128-element half uses 32 bytes of `qs`;
/// its four 32-element groups are the 2-bit fields at shifts 0, 2, 4, 6. value = d·sc·q − dmin·min.
enum BlockQ2_K { static let scales = 0, qs = 16, d = 80, dmin = 82, size = 84 }
/// Q3_K, 256 elements in 16 sub-blocks of 16: `{ u8 hmask[32]; u8 qs[64]; u8 scales[12]; f16 d }`.
/// Low 2 bits as Q2_K; the high bit of element (32·g + l) is bit g of `hmask[l]`, and a *clear* bit
/// subtracts 4. Sixteen 6-bit scales: low 4 bits in `scales[0..<8]` (low nibbles for 0–7, high for
/// 8–15), high 2 bits in `scales[8..<12]` (2 bits per scale, shift 2·(i / 4)). value = d·(s − 32)·q.
enum BlockQ3_K { static let hmask = 0, qs = 32, scales = 96, d = 108, size = 110 }
/// Q4_K, 256 elements in 8 sub-blocks of 32: `{ f16 d; f16 dmin; u8 scales[12]; u8 qs[128] }`.
/// Eight 6-bit (scale, min) pairs packed in 12 bytes (see `scaleMinK4`); sub-blocks 2c and 2c+1
/// share `qs[32c..<32c+32]`, low nibbles then high nibbles. value = d·sc·q − dmin·min.
enum BlockQ4_K { static let d = 0, dmin = 2, scales = 4, qs = 16, size = 144 }
/// Q5_K, 256 elements: `{ f16 d; f16 dmin; u8 scales[12]; u8 qh[32]; u8 qs[128] }`; as Q4_K plus a
/// fifth bit: element (32·s + l) takes bit s of `qh[l]`. value = d·sc·q − dmin·min.
enum BlockQ5_K { static let d = 0, dmin = 2, scales = 4, qh = 16, qs = 48, size = 176 }
/// Q6_K, 256 elements in 16 sub-blocks of 16: `{ u8 ql[128]; u8 qh[64]; i8 scales[16]; f16 d }`.
/// Each 128-element half uses 64 bytes of `ql` and 32 of `qh`; within a half, element 32·g + l
/// (g = 0…3) takes nibble (g / 2) of `ql[l + 32·(g % 2)]` and bits 2g, 2g+1 of `qh[l]`;
/// value = d·scale·(q − 32).
enum BlockQ6_K { static let ql = 0, qh = 128, scales = 192, d = 208, size = 210 }

// MARK: - Field access

@inline(__always) private func u8(_ p: UnsafeRawPointer, _ o: Int) -> UInt8 { p.load(fromByteOffset: o, as: UInt8.self) }
@inline(__always) private func i8(_ p: UnsafeRawPointer, _ o: Int) -> Int8 { p.load(fromByteOffset: o, as: Int8.self) }
@inline(__always) private func u16(_ p: UnsafeRawPointer, _ o: Int) -> UInt16 {
    UInt16(littleEndian: p.loadUnaligned(fromByteOffset: o, as: UInt16.self))
}
@inline(__always) private func u32(_ p: UnsafeRawPointer, _ o: Int) -> UInt32 {
    UInt32(littleEndian: p.loadUnaligned(fromByteOffset: o, as: UInt32.self))
}
/// An IEEE binary16 field widened to Float (exact).
@inline(__always) private func half(_ p: UnsafeRawPointer, _ o: Int) -> Float { Float(Float16(bitPattern: u16(p, o))) }

// MARK: - 32-element blocks

private func q4_0(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
    let d = half(b, BlockQ4_0.d)
    for j in 0..<16 {
        let q = u8(b, BlockQ4_0.qs + j)
        y[j] = Float(Int(q & 0xF) - 8) * d
        y[j + 16] = Float(Int(q >> 4) - 8) * d
    }
}

private func q4_1(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
    let d = half(b, BlockQ4_1.d), m = half(b, BlockQ4_1.m)
    for j in 0..<16 {
        let q = u8(b, BlockQ4_1.qs + j)
        y[j] = Float(q & 0xF) * d + m
        y[j + 16] = Float(q >> 4) * d + m
    }
}

private func q5_0(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
    let d = half(b, BlockQ5_0.d), qh = u32(b, BlockQ5_0.qh)
    for j in 0..<16 {
        let q = u8(b, BlockQ5_0.qs + j)
        let lo = Int(q & 0xF) | Int((qh >> UInt32(j)) & 1) << 4
        let hi = Int(q >> 4) | Int((qh >> UInt32(j + 16)) & 1) << 4
        y[j] = Float(lo - 16) * d
        y[j + 16] = Float(hi - 16) * d
    }
}

private func q5_1(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
    let d = half(b, BlockQ5_1.d), m = half(b, BlockQ5_1.m), qh = u32(b, BlockQ5_1.qh)
    for j in 0..<16 {
        let q = u8(b, BlockQ5_1.qs + j)
        let lo = Int(q & 0xF) | Int((qh >> UInt32(j)) & 1) << 4
        let hi = Int(q >> 4) | Int((qh >> UInt32(j + 16)) & 1) << 4
        y[j] = Float(lo) * d + m
        y[j + 16] = Float(hi) * d + m
    }
}

private func q8_0(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
    let d = half(b, BlockQ8_0.d)
    for j in 0..<32 { y[j] = Float(i8(b, BlockQ8_0.qs + j)) * d }
}

// MARK: - 256-element K-quant blocks

private func q2_K(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
    let d = half(b, BlockQ2_K.d), dmin = half(b, BlockQ2_K.dmin)
    var out = 0, sub = 0
    for half in 0..<2 {
        let qs = BlockQ2_K.qs + 32 * half
        for shift in stride(from: 0, to: 8, by: 2) {
            // Two sub-blocks of 16 per shift: qs[0..<16] then qs[16..<32].
            for part in 0..<2 {
                let sc = u8(b, BlockQ2_K.scales + sub)
                sub += 1
                let dl = d * Float(sc & 0xF), ml = dmin * Float(sc >> 4)
                for l in 0..<16 {
                    let q = (u8(b, qs + 16 * part + l) >> UInt8(shift)) & 3
                    y[out] = dl * Float(q) - ml
                    out += 1
                }
            }
        }
    }
}

/// The sixteen signed 6-bit scales of a Q3_K block, already offset by −32.
private func q3KScales(_ b: UnsafeRawPointer) -> [Int] {
    (0..<16).map { i in
        let low = (u8(b, BlockQ3_K.scales + i % 8) >> (i < 8 ? 0 : 4)) & 0xF
        let high = (u8(b, BlockQ3_K.scales + 8 + i % 4) >> UInt8(2 * (i / 4))) & 3
        return Int(low | high << 4) - 32
    }
}

private func q3_K(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
    let d = half(b, BlockQ3_K.d)
    let scales = q3KScales(b)
    var out = 0, sub = 0, bit = 0
    for half in 0..<2 {
        let qs = BlockQ3_K.qs + 32 * half
        for shift in stride(from: 0, to: 8, by: 2) {
            for part in 0..<2 {
                let dl = d * Float(scales[sub])
                sub += 1
                for l in 0..<16 {
                    let idx = 16 * part + l
                    let low = Int((u8(b, qs + idx) >> UInt8(shift)) & 3)
                    let highSet = (u8(b, BlockQ3_K.hmask + idx) >> UInt8(bit)) & 1 == 1
                    y[out] = dl * Float(low - (highSet ? 0 : 4))
                    out += 1
                }
            }
            bit += 1
        }
    }
}

/// Sub-block `j`'s 6-bit (scale, min) from the 12 packed bytes of a Q4_K / Q5_K block:
/// j < 4 — low 6 bits of bytes j and j+4; j ≥ 4 — a nibble of byte j+4 plus the top 2 bits of
/// bytes j−4 (scale) and j (min).
private func scaleMinK4(_ j: Int, _ s: UnsafeRawPointer) -> (scale: UInt8, min: UInt8) {
    if j < 4 {
        return (u8(s, j) & 63, u8(s, j + 4) & 63)
    }
    let scale = (u8(s, j + 4) & 0xF) | ((u8(s, j - 4) >> 6) << 4)
    let min = (u8(s, j + 4) >> 4) | ((u8(s, j) >> 6) << 4)
    return (scale, min)
}

private func q4_K(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
    let d = half(b, BlockQ4_K.d), dmin = half(b, BlockQ4_K.dmin)
    let scales = b + BlockQ4_K.scales
    for sub in 0..<8 {
        let (sc, m) = scaleMinK4(sub, scales)
        let dl = d * Float(sc), ml = dmin * Float(m)
        let qs = BlockQ4_K.qs + 32 * (sub / 2)
        let shift: UInt8 = sub % 2 == 0 ? 0 : 4
        for l in 0..<32 {
            let q = (u8(b, qs + l) >> shift) & 0xF
            y[32 * sub + l] = dl * Float(q) - ml
        }
    }
}

private func q5_K(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
    let d = half(b, BlockQ5_K.d), dmin = half(b, BlockQ5_K.dmin)
    let scales = b + BlockQ5_K.scales
    for sub in 0..<8 {
        let (sc, m) = scaleMinK4(sub, scales)
        let dl = d * Float(sc), ml = dmin * Float(m)
        let qs = BlockQ5_K.qs + 32 * (sub / 2)
        let shift: UInt8 = sub % 2 == 0 ? 0 : 4
        for l in 0..<32 {
            let low = (u8(b, qs + l) >> shift) & 0xF
            let high = (u8(b, BlockQ5_K.qh + l) >> UInt8(sub)) & 1
            y[32 * sub + l] = dl * Float(low | high << 4) - ml
        }
    }
}

private func q6_K(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
    let d = half(b, BlockQ6_K.d)
    for half in 0..<2 {
        let ql = BlockQ6_K.ql + 64 * half, qh = BlockQ6_K.qh + 32 * half, sc = BlockQ6_K.scales + 8 * half
        for g in 0..<4 {
            for l in 0..<32 {
                let low = (u8(b, ql + l + 32 * (g % 2)) >> UInt8(4 * (g / 2))) & 0xF
                let high = (u8(b, qh + l) >> UInt8(2 * g)) & 3
                let q = Int(low | high << 4) - 32
                let scale = Float(i8(b, sc + l / 16 + 2 * g))
                y[128 * half + 32 * g + l] = d * scale * Float(q)
            }
        }
    }
}
