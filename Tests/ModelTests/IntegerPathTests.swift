import Foundation
import GGUF
@testable import Model
import Testing
import TestSupport

/// A synthetic model's logits on the integer path (8-bit activations × quantized weights, what
/// 7B-class models use) against the exact f32 path (f32 weight copies + sgemm) of the same file.
///
/// Tolerance. Every matrix product on the integer path rounds its input to 8 bits per 32-block:
/// the error of an activation is uniform in ±d/2 with d = max|x|/127, i.e. an rms of d/√12, while
/// the rms of a block of roughly Gaussian activations is ≈ max|x|/2.5, so each product carries a
/// relative rms error of ≈ 2.5/(127·√12) ≈ 0.6 %. Seven products per layer and the unembedding,
/// through two layers with residual connections, add up (in quadrature, with the attention and
/// SwiGLU gains) to a few percent of the logits' rms: the test bounds the rms of the logit errors
/// (over every position and token) by 5 % of the logits' rms. (The largest single error is a few
/// times the rms error, ≈ 4σ among thousands of logits, as for any roughly Gaussian error.)
/// A wrong block decoder or offset term would err by the size of the logits themselves (≥ 30 %).
@Suite struct IntegerPathTests {
    static let tolerance = 0.05

    static func model(_ dir: TemporaryDirectory, _ type: GGMLType) throws -> String {
        var spec = SyntheticModel(dim: 256, layers: 2, ffn: 512, heads: 4, kvHeads: 2, vocab: 320)
        spec.type = type
        spec.untiedOutput = true
        spec.seed = 7
        let path = dir.path("int-\(type).gguf")
        try spec.write(to: path)
        return path
    }

    /// rms of (a − b) over all logits of all positions, relative to the rms of the reference b.
    static func relativeError(_ a: [Float], _ b: [Float]) -> Double {
        var se = 0.0, ss = 0.0
        for i in a.indices {
            se += Double(a[i] - b[i]) * Double(a[i] - b[i])
            ss += Double(b[i]) * Double(b[i])
        }
        return (se / ss).squareRoot()
    }

    @Test(arguments: [GGMLType.q4_0, .q4_1, .q5_0, .q8_0])
    func integerPathMatchesTheF32Path(_ type: GGMLType) throws {
        let dir = TemporaryDirectory()
        let path = try Self.model(dir, type)
        let exact = try LanguageModel(path: path, availableMemory: nil, dense: true, integerKernels: nil)
        let integer = try LanguageModel(path: path, availableMemory: nil, dense: false, integerKernels: true)
        #expect(integer.transformer.weights.linears.allSatisfy { $0.usesIntegerKernels })
        #expect(!exact.transformer.weights.linears.contains { $0.usesIntegerKernels })
        let ids: [Int32] = [72, 101, 108, 108, 111, 32, 119, 111, 114, 108, 100, 33]   // "Hello world!"
        // A 12-row batch (prompt) and single-row steps (generation) take different kernel shapes.
        let a = try exact.run(ids, logits: .all).0.logits
        let b = try integer.run(ids, logits: .all).0.logits
        let batchError = Self.relativeError(b, a)
        #expect(batchError <= Self.tolerance, "\(type) batch: rms Δ logit = \(batchError) of the logits' rms")
        #expect(batchError > 0, "the integer path was not taken")
        let genA = try exact.generate(ids, maxTokens: 6), genB = try integer.generate(ids, maxTokens: 6)
        let stepsA = try exact.nextLogits(ids + genA.prefix(3)), stepsB = try integer.nextLogits(ids + genA.prefix(3))
        let stepError = Self.relativeError(stepsB, stepsA)
        #expect(stepError <= Self.tolerance, "\(type) after generation: \(stepError)")
        #expect(genB.count == genA.count)
    }

    @Test func floatKernelsWhenIntegerKernelsAreOff() throws {
        // HOPSCOPE_INT_KERNELS=0 (here: integerKernels false) keeps the float kernels: fused matvec and
        // dequantized tiles + sgemm, float32 products of exact weights, close to the f32 path.
        let dir = TemporaryDirectory()
        let path = try Self.model(dir, .q4_0)
        let exact = try LanguageModel(path: path, availableMemory: nil, dense: true, integerKernels: nil)
        let float = try LanguageModel(path: path, availableMemory: nil, dense: false, integerKernels: false)
        #expect(!float.transformer.weights.linears.contains { $0.usesIntegerKernels })
        let ids: [Int32] = [72, 101, 108, 108, 111, 32, 119, 111, 114, 108, 100, 33]
        let err = Self.relativeError(try float.run(ids, logits: .all).0.logits, try exact.run(ids, logits: .all).0.logits)
        #expect(err <= 1e-4, "float kernels differ from f32 by \(err) of the logits' rms")
    }
}
