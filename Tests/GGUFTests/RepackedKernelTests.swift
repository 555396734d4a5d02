import CKernels
import Testing
import TestSupport
@testable import GGUF

// The repacked kernels (hs_x16_pack + hs_quantize_q8s + hs_matmul_x16, Q4_0, Q8_0, Q3_K, Q4_K, Q5_K, Q6_K) against the
// float64 product of the reference-dequantized weights with the unquantized activations, under the
// same bound as the GGUF-layout integer kernels (IntegerKernelTests.swift: the activation rounding,
// d/2 per element, plus float32 rounding): the repack reorders bytes, it must not change a number.
// Its paths compute the same fused multiply-adds in the same order per row, so they must agree
// bit for bit; and against hs_matmul_q8 (same integers, other float order) within two rounding bounds,
// for the types it has (not Q3_K, Q5_K).

let repackedTypes: [GGMLType] = [.q4_0, .q8_0, .q3_K, .q4_K, .q5_K, .q6_K]

func quantizeQ8Signed(_ x: [Float], rows: Int, cols: Int) -> [UInt8] {
    var buf = [UInt8](repeating: 0, count: hs_q8_size(Int64(rows), Int64(cols)))
    x.withUnsafeBufferPointer { xp in
        buf.withUnsafeMutableBytes { hs_quantize_q8s(xp.baseAddress!, Int64(rows), Int64(cols), Int64(cols), $0.baseAddress!) }
    }
    return buf
}

func repack(_ type: GGMLType, _ raw: [UInt8], rows: Int, cols: Int) -> [UInt8] {
    var packed = [UInt8](repeating: 0, count: hs_x16_bytes(type.rawValue, Int64(rows), Int64(cols)))
    let groups = rows / 16
    // In two calls on disjoint group ranges, as two threads would.
    for (g0, g1) in [(0, groups / 2), (groups / 2, groups)] {
        let rc = packed.withUnsafeMutableBytes {
            hs_x16_pack(type.rawValue, raw, type.rowBytes(cols)!, Int64(cols), Int64(g0), Int64(g1), $0.baseAddress!)
        }
        #expect(rc == 0)
    }
    return packed
}

@Test(arguments: repackedTypes)
func repackRoundTripsEveryRow(_ type: GGMLType) {
    #expect(hs_x16_supported(type.rawValue) != 0)
    for (rows, cols) in [(16, 256), (32, 512), (48, 4096)] {
        let rowBytes = type.rowBytes(cols)!
        let raw = randomBlocks(type, rows * cols / type.blockElements, seed: UInt64(rows + cols))
        let packed = repack(type, raw, rows: rows, cols: cols)
        // Q4_0, Q8_0: the same bytes reordered; Q4_K, Q5_K: plus their 12 packed scale bytes decoded to 16
        // (Q5_K's 32 bytes of fifth bits regrouped); Q6_K: its 192 bytes of 6-bit quants unpacked to 256.
        // Q3_K: its 12 scale bytes decoded to 16 and its 96 bytes of 3-bit quants stored as 128 of nibbles.
        let growth = type == .q4_K || type == .q5_K ? 4 : type == .q6_K ? 64 : type == .q3_K ? 36 : 0
        #expect(packed.count == raw.count + rows * (cols / 256) * growth)
        for r in 0..<rows {
            var row = [UInt8](repeating: 0, count: rowBytes)
            #expect(hs_x16_unpack_row(type.rawValue, packed, Int64(cols), Int64(r), &row) == 0)
            #expect(row == Array(raw[(r * rowBytes)..<((r + 1) * rowBytes)]), "\(type) \(rows)×\(cols) row \(r)")
        }
    }
}

@Test func signedQuantizationMatchesTheUnsignedOne() {
    // hs_quantize_q8s stores the same integers as hs_quantize_q8, without the +128.
    var rng = ByteSource(seed: 5)
    let x = (0..<(3 * 256)).map { _ in rng.float() * 7 }
    let u = quantizeQ8(x, rows: 3, cols: 256), s = quantizeQ8Signed(x, rows: 3, cols: 256)
    #expect(u.count == s.count)
    for blk in 0..<(3 * 256 / 32) {
        let o = blk * 40
        #expect(Array(u[o..<(o + 8)]) == Array(s[o..<(o + 8)]), "scale and sum of block \(blk)")
        for i in 0..<32 { #expect(Int(u[o + 8 + i]) - 128 == Int(Int8(bitPattern: s[o + 8 + i]))) }
    }
}

/// Runs every path of the repacked kernel on `rows` × `cols` random weights and nx activation rows.
func checkRepackedKernel(_ type: GGMLType, rows: Int, cols: Int, nx: Int, scale: Float = 1) {
    let raw = randomBlocks(type, rows * cols / type.blockElements, seed: UInt64(rows * cols + nx) &+ UInt64(type.rawValue))
    let packed = repack(type, raw, rows: rows, cols: cols)
    var rng = ByteSource(seed: UInt64(cols + nx))
    let x = (0..<(nx * cols)).map { _ in rng.float() * scale }
    let xs = quantizeQ8Signed(x, rows: nx, cols: cols), xu = quantizeQ8(x, rows: nx, cols: cols)
    let bounds = IntegerBounds(ref: referenceWeights(type, raw, count: rows * cols), x: x, rows: rows, cols: cols, nx: nx)
    var results: [[Float]] = []
    for path in integerPaths {
        var y = [Float](repeating: .nan, count: nx * rows)
        let groups = rows / 16
        for (g0, g1) in [(0, groups / 3), (groups / 3, groups)] {
            #expect(hs_matmul_x16_with(Int32(path.rawValue), type.rawValue, packed, Int64(cols), Int64(g0), Int64(g1),
                                       xs, Int64(nx), &y, Int64(rows)) == 0)
        }
        let worst = bounds.check(y, "x16 \(type) \(rows)×\(cols) nx \(nx) path \(path.rawValue)")
        #expect(worst > 0.01, "the bound is tight enough to catch a wrong kernel (worst \(worst))")
        results.append(y)
    }
    for (k, y) in results.enumerated().dropFirst() {
        #expect(y == results[0], "\(type): path \(integerPaths[k].rawValue) is not bit-identical to the scalar path")
    }
    guard hs_q8_supported(type.rawValue) != 0 else { return }
    var yq = [Float](repeating: .nan, count: nx * rows)
    #expect(hs_matmul_q8(type.rawValue, raw, type.rowBytes(cols)!, Int64(cols), 0, Int64(rows), xu, Int64(nx), &yq, Int64(rows)) == 0)
    for i in yq.indices {
        #expect(Double(abs(yq[i] - results[0][i])) <= 2 * bounds.round[i], "\(type): x16 and q8 kernels disagree at \(i): \(results[0][i]) vs \(yq[i])")
    }
}

@Test(arguments: repackedTypes, [(16, 256, 1), (32, 256, 3), (48, 512, 4), (16, 4096, 9), (64, 1024, 17)])
func repackedKernelWithinTheActivationQuantizationBound(_ type: GGMLType, _ shape: (Int, Int, Int)) {
    checkRepackedKernel(type, rows: shape.0, cols: shape.1, nx: shape.2)
}

@Test(arguments: repackedTypes)
func repackedKernelOnZeroAndLargeActivations(_ type: GGMLType) {
    let raw = randomBlocks(type, 16 * 256 / type.blockElements, seed: 21)
    let packed = repack(type, raw, rows: 16, cols: 256)
    let zero = quantizeQ8Signed([Float](repeating: 0, count: 256), rows: 1, cols: 256)
    for path in integerPaths {
        var y = [Float](repeating: .nan, count: 16)
        #expect(hs_matmul_x16_with(Int32(path.rawValue), type.rawValue, packed, 256, 0, 1, zero, 1, &y, 16) == 0)
        #expect(y == [Float](repeating: 0, count: 16))
    }
    // Activations of 3·10⁴: the sums stay exact integers and scale without overflow.
    checkRepackedKernel(type, rows: 16, cols: 256, nx: 2, scale: 3e4)
}

@Test func repackedKernelRejectsBadArguments() {
    let raw = randomBlocks(.q4_0, 16, seed: 1)
    var out = [UInt8](repeating: 0, count: 16 * 18)
    let q40 = GGMLType.q4_0.rawValue
    #expect(hs_x16_supported(GGMLType.q4_1.rawValue) == 0 && hs_x16_supported(GGMLType.q2_K.rawValue) == 0)
    #expect(hs_x16_supported(GGMLType.q8_0.rawValue) != 0 && hs_x16_supported(GGMLType.q5_K.rawValue) != 0)
    #expect(hs_x16_bytes(GGMLType.q4_1.rawValue, 16, 32) == 0)
    #expect(hs_x16_bytes(GGMLType.q4_K.rawValue, 16, 32) == 0, "Q4_K rows are whole 256-element super-blocks")
    #expect(hs_x16_pack(GGMLType.q4_1.rawValue, raw, 20, 32, 0, 1, &out) == -1)   // no x16 layout
    #expect(hs_x16_pack(q40, raw, 18, 30, 0, 1, &out) == -1)        // not whole blocks
    #expect(hs_x16_pack(q40, raw, 10, 32, 0, 1, &out) == -1)        // rows shorter than their blocks
    #expect(hs_x16_pack(q40, raw, 18, 32, 1, 0, &out) == -1)        // reversed range
    var y = [Float](repeating: 0, count: 16)
    let xs = quantizeQ8Signed([Float](repeating: 1, count: 32), rows: 1, cols: 32)
    #expect(hs_matmul_x16(q40, out, 31, 0, 1, xs, 1, &y, 16) == -1)
    #expect(hs_matmul_x16(q40, out, 32, 0, 1, xs, -1, &y, 16) == -1)
    #expect(hs_matmul_x16(GGMLType.q4_K.rawValue, out, 32, 0, 1, xs, 1, &y, 16) == -1)
}

/// The AVX512-VNNI path of every repacked type, bit for bit against the scalar path (inside
/// `checkRepackedKernel`); a visible skip on CPUs without AVX512-VNNI, where `integerPaths` leaves it out.
@Test(.enabled(if: hs_q8_path_available(Int32(HS_KERNELS_AVX512_VNNI.rawValue)) != 0, "this CPU has no AVX512-VNNI"),
      arguments: repackedTypes)
func repackedVNNIPathIsBitIdentical(_ type: GGMLType) {
    #expect(integerPaths.contains(HS_KERNELS_AVX512_VNNI))
    checkRepackedKernel(type, rows: 32, cols: 512, nx: 5)
}
