import CKernels
import Foundation
import Testing
import TestSupport
@testable import GGUF

// MARK: - Helpers

/// The reference decoding of `bytes` (a whole number of blocks of `type`).
func referenceFloats(_ type: GGMLType, _ bytes: [UInt8]) -> [Float] {
    let n = bytes.count / type.blockBytes * type.blockElements
    var out = [Float](repeating: .nan, count: n)
    bytes.withUnsafeBytes { src in
        out.withUnsafeMutableBufferPointer { Dequantize.reference(type, from: src.baseAddress!, count: n, into: $0.baseAddress!) }
    }
    return out
}

/// The C kernels' decoding of `bytes` on an explicit path (HS_KERNELS_SCALAR / HS_KERNELS_AVX2).
func kernelFloats(_ type: GGMLType, _ bytes: [UInt8], path: hs_kernels_path) -> [Float]? {
    let n = bytes.count / type.blockBytes * type.blockElements
    var out = [Float](repeating: .nan, count: n)
    let rc = bytes.withUnsafeBytes { src in
        out.withUnsafeMutableBufferPointer { hs_dequantize_row_with(Int32(path.rawValue), type.rawValue, src.baseAddress!, $0.baseAddress!, Int64(n)) }
    }
    return rc == 0 ? out : nil
}

/// Bit patterns, so that −0 ≠ +0 and the comparison is exact.
func bits(_ v: [Float]) -> [UInt32] { v.map(\.bitPattern) }

/// The kernel paths this CPU can run (asked without selecting anything: the selection is process-wide).
let kernelPaths: [hs_kernels_path] = hs_cpu_has_avx2() != 0 ? [HS_KERNELS_SCALAR, HS_KERNELS_AVX2] : [HS_KERNELS_SCALAR]

/// Deterministic bytes (xorshift64*), for random blocks.
struct ByteSource {
    var state: UInt64
    init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }
    mutating func next() -> UInt64 {
        state ^= state >> 12; state ^= state << 25; state ^= state >> 27
        return state &* 0x2545_F491_4F6C_DD1D
    }
    mutating func bytes(_ n: Int) -> [UInt8] { (0..<n).map { _ in UInt8(truncatingIfNeeded: next() >> 32) } }
    /// Uniform in [-1, 1).
    mutating func float() -> Float { Float(next() >> 40) / Float(1 << 23) - 1 }
}

/// `n` random blocks of `type` with finite, moderate fp16 scales (random bits elsewhere).
func randomBlocks(_ type: GGMLType, _ n: Int, seed: UInt64) -> [UInt8] {
    var rng = ByteSource(seed: seed)
    switch type {
    case .f32: return (0..<n).flatMap { _ in withUnsafeBytes(of: rng.float() * 4) { Array($0) } }
    case .f16: return (0..<n).flatMap { _ in withUnsafeBytes(of: Float16(rng.float() * 4).bitPattern) { Array($0) } }
    case .bf16: return (0..<n).flatMap { _ in withUnsafeBytes(of: UInt16((rng.float() * 4).bitPattern >> 16)) { Array($0) } }
    default: break
    }
    var out = rng.bytes(n * type.blockBytes)
    let scaleOffsets: [Int]
    switch type {
    case .q4_0, .q5_0, .q8_0: scaleOffsets = [0]
    case .q4_1, .q5_1, .q4_K, .q5_K: scaleOffsets = [0, 2]
    case .q2_K: scaleOffsets = [80, 82]
    case .q3_K: scaleOffsets = [108]
    case .q6_K: scaleOffsets = [208]
    default: scaleOffsets = []
    }
    for b in 0..<n {
        for o in scaleOffsets {
            let h = Float16(rng.float() * 0.05).bitPattern
            out[b * type.blockBytes + o] = UInt8(h & 0xFF)
            out[b * type.blockBytes + o + 1] = UInt8(h >> 8)
        }
    }
    return out
}

func hexBytes(_ s: String) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(s.count / 2)
    var i = s.startIndex
    while i < s.endIndex {
        let j = s.index(i, offsetBy: 2)
        out.append(UInt8(s[i..<j], radix: 16)!)
        i = j
    }
    return out
}

func fp16Bytes(_ x: Float) -> [UInt8] { let h = Float16(x).bitPattern; return [UInt8(h & 0xFF), UInt8(h >> 8)] }

// MARK: - Block layouts

@Test func blockLayoutsMatchTypeTable() {
    #expect(BlockQ4_0.size == GGMLType.q4_0.blockBytes)
    #expect(BlockQ4_1.size == GGMLType.q4_1.blockBytes)
    #expect(BlockQ5_0.size == GGMLType.q5_0.blockBytes)
    #expect(BlockQ5_1.size == GGMLType.q5_1.blockBytes)
    #expect(BlockQ8_0.size == GGMLType.q8_0.blockBytes)
    #expect(BlockQ2_K.size == GGMLType.q2_K.blockBytes)
    #expect(BlockQ3_K.size == GGMLType.q3_K.blockBytes)
    #expect(BlockQ4_K.size == GGMLType.q4_K.blockBytes)
    #expect(BlockQ5_K.size == GGMLType.q5_K.blockBytes)
    #expect(BlockQ6_K.size == GGMLType.q6_K.blockBytes)
    for t in GGMLType.allCases {
        #expect(hs_block_elements(t.rawValue) == Int64(t.blockElements), "\(t)")
        #expect(hs_block_bytes(t.rawValue) == Int64(t.blockBytes), "\(t)")
    }
    #expect(hs_block_elements(4) == 0)  // Q4_2 was removed from ggml
}

// MARK: - Hand-built blocks

@Test func q4_0KnownBlock() {
    // d = 0.5; byte j holds nibble j (low, element j) and 15 − j (high, element j + 16).
    let block = fp16Bytes(0.5) + (0..<16).map { UInt8($0 | (15 - $0) << 4) }
    let y = referenceFloats(.q4_0, block)
    for j in 0..<16 {
        #expect(y[j] == Float(j - 8) * 0.5)
        #expect(y[j + 16] == Float(7 - j) * 0.5)
    }
    #expect(y[0] == -4 && y[15] == 3.5 && y[16] == 3.5 && y[31] == -4)
}

@Test func q4_1KnownBlock() {
    let block = fp16Bytes(0.25) + fp16Bytes(-1) + (0..<16).map { UInt8($0 | 3 << 4) }
    let y = referenceFloats(.q4_1, block)
    for j in 0..<16 {
        #expect(y[j] == Float(j) * 0.25 - 1)
        #expect(y[j + 16] == 3 * 0.25 - 1)
    }
}

@Test func q5_0FifthBitComesFromQh() {
    // All nibbles 0xF; qh has bits 0 (element 0) and 17 (element 17) set.
    let qh: UInt32 = 1 << 0 | 1 << 17
    let block = fp16Bytes(1) + withUnsafeBytes(of: qh.littleEndian) { Array($0) } + [UInt8](repeating: 0xFF, count: 16)
    let y = referenceFloats(.q5_0, block)
    #expect(y[0] == 15)      // 31 − 16
    #expect(y[1] == -1)      // 15 − 16
    #expect(y[16] == -1)
    #expect(y[17] == 15)
}

@Test func q5_1FifthBit() {
    let qh: UInt32 = 1 << 31
    let block = fp16Bytes(2) + fp16Bytes(0.5) + withUnsafeBytes(of: qh.littleEndian) { Array($0) } + [UInt8](repeating: 0x01, count: 16)
    let y = referenceFloats(.q5_1, block)
    #expect(y[0] == 2.5)     // 1·2 + 0.5
    #expect(y[16] == 0.5)    // high nibble 0
    #expect(y[31] == 32.5)   // (0 | 16)·2 + 0.5
}

@Test func q8_0KnownBlock() {
    let block = fp16Bytes(0.125) + (0..<32).map { UInt8(bitPattern: Int8($0 - 16)) }
    let y = referenceFloats(.q8_0, block)
    for j in 0..<32 { #expect(y[j] == Float(j - 16) * 0.125) }
}

@Test func q4_KSubBlocksShareBytes() {
    // scales: sub-block s has scale s+1 and min s (6-bit packing: s < 4 direct, s ≥ 4 split).
    var scales = [UInt8](repeating: 0, count: 12)
    for s in 0..<8 {
        let sc = UInt8(s + 1), m = UInt8(s)
        if s < 4 {
            scales[s] = sc; scales[s + 4] = m
        } else {
            scales[s + 4] = (sc & 0xF) | (m & 0xF) << 4
            scales[s - 4] |= (sc >> 4) << 6
            scales[s] |= (m >> 4) << 6
        }
    }
    // Nibbles: byte l of chunk c = low (l % 16), high 15 − (l % 16).
    let qs = (0..<128).map { i -> UInt8 in let l = UInt8(i % 16); return l | (15 - l) << 4 }
    let block = fp16Bytes(1) + fp16Bytes(0.5) + scales + qs
    let y = referenceFloats(.q4_K, block)
    for s in 0..<8 {
        for l in 0..<32 {
            let q = s % 2 == 0 ? l % 16 : 15 - l % 16
            #expect(y[32 * s + l] == Float(s + 1) * Float(q) - 0.5 * Float(s), "sub-block \(s) element \(l)")
        }
    }
}

@Test func q6_KKnownBlock() {
    // ql = 0, qh = 0b10 for every 2-bit field → q = 32 − 32 = 0 everywhere except where set below.
    var block = [UInt8](repeating: 0, count: 210)
    for i in 128..<192 { block[i] = 0b1010_1010 }          // high bits 2 everywhere → q = 2<<4 = 32 → 0
    block[0] = 0x05                                        // element 0: low nibble 5 → q = 37 → 5
    for s in 0..<16 { block[192 + s] = UInt8(bitPattern: Int8(s - 8)) }
    block[208...209] = fp16Bytes(0.5)[...]
    let y = referenceFloats(.q6_K, block)
    #expect(y[0] == 0.5 * -8 * 5)
    #expect(y[1...].allSatisfy { $0 == 0 })
}

@Test func f16AndBF16() {
    let halves: [Float16] = [0, -0.0, 1, -2.5, 65504, Float16(bitPattern: 1), .infinity]
    let f16 = halves.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian) { Array($0) } }
    #expect(bits(referenceFloats(.f16, f16)) == bits(halves.map(Float.init)))
    let floats: [Float] = [1, -3.5, Float(bitPattern: 0x0DA2_0000), .infinity]  // all exact in bf16
    let bf16 = floats.flatMap { withUnsafeBytes(of: UInt16($0.bitPattern >> 16).littleEndian) { Array($0) } }
    #expect(bits(referenceFloats(.bf16, bf16)) == bits(floats))
    for h in [UInt16(0), 0x8000, 0x0001, 0x03FF, 0x0400, 0x3C00, 0x7BFF, 0x7C00, 0xFC00] {
        #expect(hs_fp16_to_fp32(h).bitPattern == Float(Float16(bitPattern: h)).bitPattern, "fp16 \(h)")
    }
}

// MARK: - Golden values from Python gguf

struct GoldenFile: Decodable {
    struct Sample: Decodable {
        let source: String
        let bytes: String
        let elements: Int
        let expected_f32_le: String
    }
    let type: String
    let samples: [Sample]
}

@Test(arguments: GGMLType.allCases)
func goldenDequantization(_ type: GGMLType) throws {
    let golden = try JSONDecoder().decode(GoldenFile.self, from: Fixtures.data("dequant-\(type).json"))
    #expect(golden.type == type.description)
    #expect(golden.samples.count >= 2)
    for s in golden.samples {
        let raw = hexBytes(s.bytes)
        let expected = hexBytes(s.expected_f32_le).withUnsafeBytes { Array($0.bindMemory(to: UInt32.self)) }
        #expect(expected.count == s.elements)
        #expect(bits(referenceFloats(type, raw)) == expected, "reference vs gguf: \(s.source)")
        for path in kernelPaths {
            #expect(kernelFloats(type, raw, path: path).map(bits) == expected, "C path \(path.rawValue) vs gguf: \(s.source)")
        }
    }
}

// MARK: - C kernels vs the Swift reference

@Test(arguments: GGMLType.allCases)
func kernelsMatchReferenceOnRandomBlocks(_ type: GGMLType) {
    for (n, seed) in [(1, 1), (7, 2), (40, 3)] as [(Int, UInt64)] {
        let count = type.blockElements == 1 ? n * 37 : n
        let raw = randomBlocks(type, count, seed: seed &+ UInt64(type.rawValue) << 8)
        let ref = bits(referenceFloats(type, raw))
        for path in kernelPaths {
            #expect(kernelFloats(type, raw, path: path).map(bits) == ref, "\(type) \(count) blocks, path \(path.rawValue)")
        }
    }
}

@Test func kernelsRejectBadArguments() {
    var out = [Float](repeating: 0, count: 64)
    let src = [UInt8](repeating: 0, count: 64)
    #expect(hs_dequantize_row(4, src, &out, 32) == -1)                      // unknown type
    #expect(hs_dequantize_row(GGMLType.q4_0.rawValue, src, &out, 31) == -1)  // not whole blocks
    #expect(hs_matvec(GGMLType.q4_0.rawValue, src, 18, 32, 0, 1, out, 9, 32, &out, 1) == -1)  // nx > 8
}

@Test(.enabled(if: TestModels.available(TestModels.smollm2) && TestModels.available(TestModels.gemma3), "needs the default models (make setup)"))
func kernelsMatchReferenceOnRealRows() throws {
    for path in [TestModels.smollm2, TestModels.gemma3] {
        let file = try GGUFFile(path: path)
        var seen: [GGMLType: Int] = [:]
        for t in file.tensors where seen[t.type, default: 0] < 3 {
            seen[t.type, default: 0] += 1
            for r in [0, t.rows / 2, t.rows - 1] {
                let ref = bits(Dequantize.row(file, t, row: r))
                let raw = Array(UnsafeRawBufferPointer(rebasing: file.data(t)[(r * t.rowBytes)..<((r + 1) * t.rowBytes)]))
                for p in kernelPaths {
                    #expect(kernelFloats(t.type, raw, path: p).map(bits) == ref, "\(t.name) row \(r) path \(p.rawValue)")
                }
            }
        }
    }
}

@Test(.enabled(if: TestModels.available(TestModels.smollm2), "needs the default models (make setup)"))
func tensorAndRowAgree() throws {
    let file = try GGUFFile(path: TestModels.smollm2)
    let t = try file.requireTensor("blk.0.attn_k.weight")
    let all = Dequantize.tensor(file, t)
    #expect(all.count == t.elementCount)
    let r = 5
    #expect(bits(Array(all[(r * t.rowElements)..<((r + 1) * t.rowElements)])) == bits(Dequantize.row(file, t, row: r)))
}

/// HOPSCOPE_KERNELS=scalar forces the scalar kernels, checked on the rule itself: no test changes the
/// environment or the process-wide selection that other tests running in parallel see.
@Test func environmentForcesScalar() {
    let scalar = Int32(HS_KERNELS_SCALAR.rawValue), avx2 = Int32(HS_KERNELS_AVX2.rawValue)
    #expect(hs_kernels_auto_choice("scalar", 1) == scalar)
    #expect(hs_kernels_auto_choice(nil, 1) == avx2)
    #expect(hs_kernels_auto_choice("avx2", 1) == avx2)
    #expect(hs_kernels_auto_choice(nil, 0) == scalar)
    // The selection in use is the rule applied to this process's environment.
    let env = ProcessInfo.processInfo.environment["HOPSCOPE_KERNELS"]
    #expect(hs_kernels_in_use() == hs_kernels_auto_choice(env, hs_cpu_has_avx2()))
}

@Test func fastDequantizeMatchesReference() {
    for type in GGMLType.allCases {
        let raw = randomBlocks(type, type.blockElements == 1 ? 40 : 3, seed: 123)
        let n = raw.count / type.blockBytes * type.blockElements
        var out = [Float](repeating: .nan, count: n)
        raw.withUnsafeBytes { src in
            out.withUnsafeMutableBufferPointer { Dequantize.fast(type, from: src.baseAddress!, count: n, into: $0.baseAddress!) }
        }
        #expect(bits(out) == bits(referenceFloats(type, raw)), "\(type)")
    }
}
