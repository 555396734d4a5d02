import Foundation
@testable import GGUF
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

    static func model(_ dir: TemporaryDirectory, _ type: GGMLType, vocab: Int = 320) throws -> String {
        var spec = SyntheticModel(dim: 256, layers: 2, ffn: 512, heads: 4, kvHeads: 2, vocab: vocab)
        spec.type = type
        spec.untiedOutput = true
        spec.seed = 7
        let path = dir.path("int-\(type)-\(vocab).gguf")
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

    @Test(arguments: [GGMLType.q4_0, .q4_1, .q5_0, .q8_0, .q3_K, .q4_K, .q5_K, .q6_K])
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
        if [.q4_0, .q8_0, .q3_K, .q4_K, .q5_K, .q6_K].contains(type) {   // every product went through the 16-row repack; the embedding is only looked up
            let ws = integer.transformer.weights
            let products = ws.linears.filter { $0 !== ws.embedding }
            #expect(products.allSatisfy { $0.isRepacked })
            #expect(!ws.embedding.isRepacked)
        }
    }

    /// Q4_0, Q8_0, Q4_K and Q6_K on the repacked kernel against hs_matmul_q8 on the GGUF layout, matrix by matrix
    /// through `Linear.apply` (thread split, the tail rows): a vocabulary of 330 rows gives 20 groups of
    /// 16 and a tail of 10 on the GGUF layout. Both compute the same integers and differ in float32
    /// summation order only: a few units in the last place of the terms, ~1e-7 of the outputs here, so
    /// the bound is 1e-5 of the largest output (a wrong block is off by the outputs' own size).
    /// Whole-model logits are not compared this tightly: a difference of 1e-7 can move an activation
    /// across a rounding boundary of the next layer's 8-bit quantization, a step of 1/127 of its block,
    /// so they are held to the f32 path instead (`integerPathMatchesTheF32Path`).
    @Test(arguments: [GGMLType.q4_0, .q8_0, .q4_K, .q6_K])
    func repackedMatchesTheGGUFLayoutKernel(_ type: GGMLType) throws {
        let dir = TemporaryDirectory()
        let path = try Self.model(dir, type, vocab: 330)
        let repacked = try LanguageModel(path: path, availableMemory: nil, dense: false, integerKernels: true)
        let plain = try LanguageModel(path: path, availableMemory: nil, dense: false, integerKernels: true)
        for l in plain.transformer.weights.linears { l.allowRepack = false }
        let pairs = zip(repacked.transformer.weights.linears, plain.transformer.weights.linears).filter { $0.0 !== repacked.transformer.weights.embedding }
        #expect(repacked.transformer.weights.output.outDim % 16 == 10)
        var rng = SplitMix(seed: 31)   // GGUF's generator (@testable)
        for (a, b) in pairs {
            for n in [1, 5, 12] {
                let x = (0..<(n * a.inDim)).map { _ in rng.uniform() }
                var ya = [Float](repeating: .nan, count: n * a.outDim), yb = ya
                x.withUnsafeBufferPointer { p in
                    ya.withUnsafeMutableBufferPointer { a.apply(p.baseAddress!, n: n, $0.baseAddress!) }
                    yb.withUnsafeMutableBufferPointer { b.apply(p.baseAddress!, n: n, $0.baseAddress!) }
                }
                let scale = yb.map { abs($0) }.max()!
                let worst = zip(ya, yb).map { abs($0 - $1) }.max()!
                #expect(scale > 0 && worst <= 1e-5 * scale, "\(type) \(a.name) n \(n): max |Δ| \(worst) of max |y| \(scale)")
            }
            #expect(a.isRepacked && !b.isRepacked, "\(a.name)")
        }
    }

    /// `prepareWeights` makes the repacks up front (what `bench` times) or in the background (what
    /// the explorer does while the user types); a forward pass racing the background packer gives the
    /// same logits, bit for bit, as one after a foreground preparation.
    @Test func prepareWeightsRepacksUpFrontOrInTheBackground() throws {
        let dir = TemporaryDirectory()
        let path = try Self.model(dir, .q4_0)
        let ids: [Int32] = [72, 101, 108, 108, 111, 32, 119, 111, 114, 108, 100, 33]
        let front = try LanguageModel(path: path, availableMemory: nil, dense: false, integerKernels: true)
        let products = front.transformer.weights.linears.filter { $0 !== front.transformer.weights.embedding }
        #expect(front.prepareWeights() == products.count)
        #expect(products.allSatisfy { $0.isRepacked })
        #expect(front.prepareWeights() == 0, "nothing left to do")
        let expected = try front.run(ids, logits: .all).0.logits
        for _ in 0..<3 {
            let back = try LanguageModel(path: path, availableMemory: nil, dense: false, integerKernels: true)
            back.prepareWeights(inBackground: true)
            #expect(try back.run(ids, logits: .all).0.logits == expected)
        }
        let dense = try LanguageModel(path: path, availableMemory: nil, dense: true, integerKernels: nil)
        #expect(dense.prepareWeights() == 0, "models with f32 copies have nothing to repack")
    }

    /// Q3_K and Q5_K have no GGUF-layout integer kernel: a matrix whose rows are not whole groups of 16 (the
    /// 330-row output and embedding) and every matrix with the repack off keep the float kernels, never
    /// a wrong path.
    @Test(arguments: [GGMLType.q3_K, .q5_K])
    func x16OnlyTypesOutsideTheRepackKeepTheFloatKernels(_ type: GGMLType) throws {
        let dir = TemporaryDirectory()
        let path = try Self.model(dir, type, vocab: 330)
        let m = try LanguageModel(path: path, availableMemory: nil, dense: false, integerKernels: true)
        let ws = m.transformer.weights
        #expect(!ws.output.usesIntegerKernels && !ws.embedding.usesIntegerKernels)   // 330 rows
        #expect(ws.linears.filter { $0 !== ws.output && $0 !== ws.embedding }.allSatisfy { $0.usesIntegerKernels })
        for l in ws.linears { l.allowRepack = false }
        #expect(!ws.linears.contains { $0.usesIntegerKernels })
        let exact = try LanguageModel(path: path, availableMemory: nil, dense: true, integerKernels: nil)
        let ids: [Int32] = [72, 101, 108, 108, 111, 32, 119, 111, 114, 108, 100, 33]
        let err = Self.relativeError(try m.run(ids, logits: .all).0.logits, try exact.run(ids, logits: .all).0.logits)
        #expect(err <= 1e-4, "\(type) float kernels differ from f32 by \(err) of the logits' rms")
    }

    /// F16 and BF16 without an f32 copy (hs_gemm_h16, weights converted in registers) against the f32
    /// copy's GEMM: both are float32 products of the same exact weights, so they differ by float32
    /// summation order only — per product a relative error of at most (ncols/8 + 16)·2⁻²⁴ ≈ 3·10⁻⁶ of
    /// Σ|w·x| here, ≈ 10⁻⁵ of the logits' rms through two layers; the bound is 10⁻⁴ (a wrong conversion
    /// or block errs by the logits' own size). Batches (prompt) and single rows (generation) both.
    @Test(arguments: [GGMLType.f16, .bf16])
    func halfPathMatchesTheF32Path(_ type: GGMLType) throws {
        let dir = TemporaryDirectory()
        let path = try Self.model(dir, type, vocab: 330)
        let exact = try LanguageModel(path: path, availableMemory: nil, dense: true, integerKernels: nil)
        let half = try LanguageModel(path: path, availableMemory: nil, dense: false, integerKernels: true)
        let ws = half.transformer.weights
        #expect(ws.linears.allSatisfy { $0.usesHalfKernels && !$0.usesIntegerKernels })
        #expect(!exact.transformer.weights.linears.contains { $0.usesHalfKernels })
        let ids: [Int32] = [72, 101, 108, 108, 111, 32, 119, 111, 114, 108, 100, 33]
        let err = Self.relativeError(try half.run(ids, logits: .all).0.logits, try exact.run(ids, logits: .all).0.logits)
        #expect(err > 0 && err <= 1e-4, "\(type) batch: \(err) of the logits' rms")
        let gen = try exact.generate(ids, maxTokens: 4)
        #expect(try half.generate(ids, maxTokens: 4) == gen)
        let step = Self.relativeError(try half.nextLogits(ids + gen.prefix(2)), try exact.nextLogits(ids + gen.prefix(2)))
        #expect(step <= 1e-4, "\(type) after generation: \(step)")
    }

    /// Files as K-quant mixes come (`_S`/`_M`: Q3_K, Q4_K, Q5_K and Q6_K matrices in one model): every
    /// matrix on its own integer path, the logits within the integer path's bound of the f32 path.
    @Test(arguments: KQuantMix.allCases)
    func kQuantMixesRunOnTheIntegerPath(_ mix: KQuantMix) throws {
        let dir = TemporaryDirectory()
        var spec = SyntheticModel(dim: 256, layers: 8, ffn: 512, heads: 4, kvHeads: 2, vocab: 320)
        spec.type = mix.base
        spec.mix = mix
        spec.untiedOutput = true
        spec.seed = 9
        let path = dir.path("mix-\(mix.rawValue).gguf")
        try spec.write(to: path)
        let file = try GGUFFile(path: path)
        #expect(Set(file.tensors.map(\.type)).isSuperset(of: [mix.base, .q6_K]), "\(mix) has its mixed types")
        let exact = try LanguageModel(path: path, availableMemory: nil, dense: true, integerKernels: nil)
        let integer = try LanguageModel(path: path, availableMemory: nil, dense: false, integerKernels: true)
        #expect(integer.transformer.weights.linears.allSatisfy { $0.usesIntegerKernels })
        let ids: [Int32] = [72, 101, 108, 108, 111, 32, 119, 111, 114, 108, 100, 33]
        let err = Self.relativeError(try integer.run(ids, logits: .all).0.logits, try exact.run(ids, logits: .all).0.logits)
        // Eight layers instead of two: the per-product errors add up in quadrature over 4× the products.
        #expect(err > 0 && err <= 2 * Self.tolerance, "\(mix): rms Δ logit = \(err) of the logits' rms")
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
