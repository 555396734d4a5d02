import CKernels
import Foundation
import Testing
import TestSupport
@testable import GGUF

// The integer kernels (hs_quantize_q8 + hs_matmul_q8) against a float64 dot product of the
// reference-dequantized weights with the *unquantized* activations x.
//
// Tolerance, from the formats. hs_quantize_q8 stores each 32-block of x as d·q with d = max|x|/127
// and q = round(x/d), so every activation is off by at most d/2 (round to nearest), and the block
// contributes at most (d_b/2)·Σ_{i∈b}|W[r,i]| to the error of row r. The integer dot Σ w_q·q is exact
// (int32 cannot overflow: |w_q·q| ≤ 128·127, 32 per block). The rest is float32 rounding of the
// scaled block sums: a chain of at most ncols/32 + 8 additions, bounded by (ncols/32 + 8)·u·Σ|terms|
// with u = 2⁻²⁴, and |terms| ≤ (|d_w·q_w| + |offset|)·|x̃| ≤ 3·Σ|W||x̃| for these blocks (the factor
// covers the offset formats' separate offset term, as in MatvecTests). So:
//
//     |y − Σ W·x| ≤ Σ_b (d_b/2)·Σ_{i∈b}|W[r,i]|  +  (ncols/32 + 8)·2⁻²⁴·3·Σ|W|·(|x| + d/2)
//
// The first term is what 8-bit activations cost; it is tight (errors reach a good fraction of it on
// random data, checked below), so a kernel that mis-decodes one block fails.

let integerTypes: [GGMLType] = [.q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q4_K, .q6_K]

/// The integer paths runnable on this CPU.
let integerPaths: [hs_kernels_path] = [HS_KERNELS_SCALAR, HS_KERNELS_AVX2, HS_KERNELS_AVX512_VNNI]
    .filter { hs_q8_path_available(Int32($0.rawValue)) != 0 }

func quantizeQ8(_ x: [Float], rows: Int, cols: Int) -> [UInt8] {
    var buf = [UInt8](repeating: 0, count: hs_q8_size(Int64(rows), Int64(cols)))
    x.withUnsafeBufferPointer { xp in
        buf.withUnsafeMutableBytes { hs_quantize_q8(xp.baseAddress!, Int64(rows), Int64(cols), Int64(cols), $0.baseAddress!) }
    }
    return buf
}

/// Per (activation row j, weight row r), index j·rows + r: the float64 product Σ W·x of the
/// reference weights with the unquantized activations, the activation-rounding bound and the float32
/// rounding bound of the header comment.
struct IntegerBounds {
    var exact: [Double], quant: [Double], round: [Double]

    init(ref: [Float], x: [Float], rows: Int, cols: Int, nx: Int) {
        exact = [Double](repeating: 0, count: nx * rows)
        quant = exact
        round = exact
        for j in 0..<nx {
            for r in 0..<rows {
                var e = 0.0, quantBound = 0.0, magnitude = 0.0
                for b in 0..<(cols / 32) {
                    var amax: Float = 0, wsum = 0.0
                    for i in (32 * b)..<(32 * b + 32) {
                        let w = Double(ref[r * cols + i]), xi = Double(x[j * cols + i])
                        e += w * xi
                        amax = max(amax, abs(x[j * cols + i]))
                        wsum += abs(w)
                        magnitude += abs(w) * abs(xi)
                    }
                    let d = Double(amax / 127)
                    quantBound += d / 2 * wsum
                    magnitude += d / 2 * wsum
                }
                exact[j * rows + r] = e
                quant[j * rows + r] = quantBound
                round[j * rows + r] = Double(cols / 32 + 8) * 0x1p-24 * 3 * magnitude
            }
        }
    }

    /// Checks y against the bound; returns the worst error / bound.
    func check(_ y: [Float], _ label: String) -> Double {
        var worst = 0.0
        for i in y.indices {
            let err = abs(Double(y[i]) - exact[i]), bound = quant[i] + round[i]
            #expect(err <= bound, "\(label) at \(i): error \(err) > \(quant[i]) + \(round[i])")
            worst = max(worst, err / bound)
        }
        return worst
    }
}

func referenceWeights(_ type: GGMLType, _ raw: [UInt8], count: Int) -> [Float] {
    var ref = [Float](repeating: 0, count: count)
    raw.withUnsafeBytes { src in
        ref.withUnsafeMutableBufferPointer { Dequantize.reference(type, from: src.baseAddress!, count: count, into: $0.baseAddress!) }
    }
    return ref
}

/// Runs every path on `rows` × `cols` weights and nx activation rows; returns the worst error / bound.
@discardableResult
func checkIntegerKernel(_ type: GGMLType, raw: [UInt8], rows: Int, cols: Int, nx: Int, seed: UInt64, scale: Float = 1) -> Double {
    let rowBytes = type.rowBytes(cols)!
    let ref = referenceWeights(type, raw, count: rows * cols)
    var rng = ByteSource(seed: seed)
    let x = (0..<(nx * cols)).map { _ in rng.float() * scale }
    let xq = quantizeQ8(x, rows: nx, cols: cols)
    let bounds = IntegerBounds(ref: ref, x: x, rows: rows, cols: cols, nx: nx)
    var worstRatio = 0.0
    var results: [[Float]] = []
    for path in integerPaths {
        var y = [Float](repeating: .nan, count: nx * rows)
        let split = rows / 3   // two calls on disjoint row ranges, as two threads would
        for (r0, r1) in [(0, split), (split, rows)] {
            let rc = hs_matmul_q8_with(Int32(path.rawValue), type.rawValue, raw, rowBytes, Int64(cols), Int64(r0), Int64(r1),
                                       xq, Int64(nx), &y, Int64(rows))
            #expect(rc == 0)
        }
        worstRatio = max(worstRatio, bounds.check(y, "\(type) \(rows)×\(cols) nx \(nx) path \(path.rawValue)"))
        results.append(y)
    }
    // The paths compute the same integers; they differ only by float32 summation order, i.e. by at
    // most two float32 rounding bounds (one per path), far below the quantization bound.
    for y in results.dropFirst() {
        for i in y.indices {
            #expect(Double(abs(y[i] - results[0][i])) <= 2 * bounds.round[i], "\(type): paths disagree at \(i): \(y[i]) vs \(results[0][i])")
        }
    }
    return worstRatio
}

@Test(arguments: integerTypes)
func integerKernelsWithinTheActivationQuantizationBound(_ type: GGMLType) {
    #expect(hs_q8_supported(type.rawValue) != 0)
    for (rows, cols, nx) in [(5, 256, 1), (7, 768, 3), (19, 512, 8), (6, 4096, 11), (33, 256, 17)] {
        let raw = randomBlocks(type, rows * cols / type.blockElements, seed: UInt64(rows * cols + nx) &+ UInt64(type.rawValue))
        checkIntegerKernel(type, raw: raw, rows: rows, cols: cols, nx: nx, seed: UInt64(cols + nx))
    }
}

@Test func integerKernelBoundIsTight() {
    // On random data the error uses a sizeable part of the activation-rounding bound: the bound is
    // not so loose that a wrong kernel would pass (errors of one mis-decoded block are far larger).
    let raw = randomBlocks(.q8_0, 16 * 4096 / 32, seed: 3)
    let ratio = checkIntegerKernel(.q8_0, raw: raw, rows: 16, cols: 4096, nx: 4, seed: 4)
    #expect(ratio > 0.01, "worst error is only \(ratio) of the bound")
}

@Test func integerKernelsRejectBadArguments() {
    let raw = randomBlocks(.q4_0, 8, seed: 1)
    let xq = quantizeQ8([Float](repeating: 1, count: 256), rows: 1, cols: 256)
    var y = [Float](repeating: 0, count: 4)
    #expect(hs_matmul_q8(GGMLType.q2_K.rawValue, raw, 144, 256, 0, 1, xq, 1, &y, 1) == -1)   // no integer kernel
    #expect(hs_matmul_q8(GGMLType.q4_0.rawValue, raw, 18, 250, 0, 1, xq, 1, &y, 1) == -1)    // not whole blocks
    #expect(hs_q8_supported(GGMLType.f16.rawValue) == 0)
}

@Test func integerKernelsOnZeroAndLargeActivations() {
    // All-zero blocks (d = 0) give exactly 0; large activations scale without overflow.
    let raw = randomBlocks(.q4_K, 4, seed: 8)
    let zero = quantizeQ8([Float](repeating: 0, count: 256), rows: 1, cols: 256)
    var y = [Float](repeating: .nan, count: 4)
    for path in integerPaths {
        #expect(hs_matmul_q8_with(Int32(path.rawValue), GGMLType.q4_K.rawValue, raw, 144, 256, 0, 4, zero, 1, &y, 4) == 0)
        #expect(y == [0, 0, 0, 0])
    }
    checkIntegerKernel(.q4_K, raw: randomBlocks(.q4_K, 4, seed: 9), rows: 4, cols: 256, nx: 2, seed: 10, scale: 3e4)
}

@Test(.enabled(if: TestModels.available(TestModels.smollm2) && TestModels.available(TestModels.gemma3), "needs the default models (make setup)"))
func integerKernelsOnRealTensors() throws {
    for path in [TestModels.smollm2, TestModels.gemma3] {
        let file = try GGUFFile(path: path)
        var seen: Set<GGMLType> = []
        for t in file.tensors where t.shape.count == 2 && integerTypes.contains(t.type) && !seen.contains(t.type) {
            seen.insert(t.type)
            let rows = min(9, t.rows)
            let raw = Array(UnsafeRawBufferPointer(rebasing: file.data(t)[0..<(rows * t.rowBytes)]))
            checkIntegerKernel(t.type, raw: raw, rows: rows, cols: t.rowElements, nx: 5, seed: 12)
        }
    }
}
