import Foundation
import GGUF
@testable import Model
import Testing
import TestSupport

/// Q4_K_M, made by llama.cpp's own quantizer, on the wide family cases (`NAME-wide`: dim 256, ffn 512,
/// so that every matrix is in K-quant blocks; `SyntheticModel.wideCase`).
///
/// The test writes the F32 file, quantizes it here with ggml's reference quantizers (the bytes must
/// be llama.cpp's: checked by hash against the file `llama_model_quantize` wrote, see
/// `scripts/golden/make_families_golden.py`), then:
/// - hopscope's f32 path on the Q4_K_M file (dequantized weights, exact activations) is within 1e-4
///   of the float64 reference on the same weights (the gguf package's dequantization), every prompt;
/// - hopscope's integer path gives llama.cpp's top-1 token on every prompt, except at a near-tie
///   (`topOneAgrees`);
/// - every quantized matrix of the file, on the integer path (GGUF layout and repacked), is within
///   `ActivationRoundingBound` of the exact product with the same weights, on the model's own hidden
///   states — the error activation rounding can cause, derived in docs/correctness.md;
/// - the logits of the integer path vs hopscope's f32 path on the same file, and vs llama.cpp, are
///   printed (the end-to-end distance is measured, not bounded: see docs/correctness.md).
@Suite struct FamilyQuantized {
    struct Golden: Decodable {
        struct Quantized: Decodable {
            let llama_cpp: [[Float]]
            /// The float64 reference (family_reference.py) on the quantized file's weights.
            let reference: [[Float]]
            let tensors_fnv1a64: String
            let tensor_types: [String]
        }
        let fnv1a64: String
        let prompts: [[Int32]]
        let q4_k_m: Quantized
    }

    static let cases = SyntheticModel.familyCases.map { $0 + SyntheticModel.wideSuffix }
    /// LLAMA_FTYPE_MOSTLY_Q4_K_M.
    static let q4KMFileType: UInt32 = 15

    @Test(arguments: cases)
    func q4_K_M(name: String) throws {
        let g = try JSONDecoder().decode(Golden.self, from: Fixtures.data("families/\(name).json"))
        let dir = TemporaryDirectory()
        let f32 = dir.path("\(name).gguf")
        try SyntheticModel.familyCase(name)!.write(to: f32)
        let h = FamilyFidelity.fnv1a64(try Data(contentsOf: URL(fileURLWithPath: f32)))
        #expect(String(format: "%016llx", h) == g.fnv1a64, "the synthetic \(name) file is not the one the golden was made from: re-run `make golden`")
        let q = try QuantizedCopy(of: f32, types: g.q4_k_m.tensor_types, fileType: Self.q4KMFileType, to: dir.path("\(name)-q4_k_m.gguf"))
        #expect(q.tensorsFNV1a64 == g.q4_k_m.tensors_fnv1a64, "\(name): our Q4_K_M tensors are not llama.cpp's")
        #expect(g.q4_k_m.tensor_types.contains { $0.hasSuffix(":Q4_K") } && g.q4_k_m.tensor_types.contains { $0.hasSuffix(":Q6_K") },
                "\(name): llama.cpp's Q4_K_M file has no Q4_K or no Q6_K tensor")

        let integer = try LanguageModel(path: q.path, availableMemory: nil, dense: false, integerKernels: true)
        let exact = try LanguageModel(path: q.path, availableMemory: nil, dense: true, integerKernels: false)
        var vsLlama: Float = 0, vsF32: Float = 0, llamaVsF32: Float = 0, f32VsRef: Float = 0, nearTies: [Int] = []
        for (i, ids) in g.prompts.enumerated() {
            let ours = try integer.nextLogits(ids), f = try exact.nextLogits(ids), llama = g.q4_k_m.llama_cpp[i]
            let dRef = FamilyFidelity.relativeMaxDelta(f, g.q4_k_m.reference[i])
            f32VsRef = max(f32VsRef, dRef)
            #expect(dRef <= 1e-4, "\(name) Q4_K_M prompt \(i): our f32 path is \(dRef)·max|logit| from the float64 reference")
            vsLlama = max(vsLlama, FamilyFidelity.relativeMaxDelta(ours, llama))
            vsF32 = max(vsF32, FamilyFidelity.relativeMaxDelta(ours, f))
            llamaVsF32 = max(llamaVsF32, FamilyFidelity.relativeMaxDelta(llama, f))
            let (agrees, nearTie) = Self.topOneAgrees(ours: ours, exact: f, llama: llama)
            #expect(agrees, "\(name) Q4_K_M prompt \(i): top-1 \(argmax(ours)) differs from llama.cpp's \(argmax(llama)) (f32 path: \(argmax(f)))")
            if nearTie { nearTies.append(i) }
        }

        let worst = try Self.matricesWithinBound(name, q.path, exact, g.prompts.last!)
        print("\(name) Q4_K_M: f32 path vs float64 \(f32VsRef); top-1 = llama.cpp on \(g.prompts.count - nearTies.count)/\(g.prompts.count) (near-ties: prompts \(nearTies)); logits vs our f32 path \(vsF32), vs llama.cpp \(vsLlama) (llama.cpp vs our f32 path \(llamaVsF32)); worst matrix error \(worst.ratio) of its bound (\(worst.name))")
    }

    /// Whether the integer path's top-1 token is llama.cpp's, allowing for a near-tie.
    ///
    /// δ = max_i |ours_i − exact_i| is the integer path's distance from the f32 path on the same
    /// weights on this prompt (the activation rounding's effect, measured). Rounding that moves every
    /// logit by at most δ can only change the top-1 among the tokens whose exact logit is within 2δ of
    /// the largest; llama.cpp rounds differently (Q8_K blocks of 256 on K-quants), so where more than
    /// one token is that close (a near-tie) the two may pick different ones. Then llama.cpp's top-1
    /// must be one of them; otherwise it must be ours.
    static func topOneAgrees(ours: [Float], exact: [Float], llama: [Float]) -> (agrees: Bool, nearTie: Bool) {
        let delta = zip(ours, exact).map { abs($0 - $1) }.max()!
        let top = exact.max()!
        let tied = exact.indices.filter { exact[$0] >= top - 2 * delta }
        if argmax(ours) == argmax(llama) { return (true, false) }
        return (tied.count > 1 && tied.contains(argmax(llama)), true)
    }

    /// Checks every quantized matrix of the file at `path` on the integer path (GGUF layout and
    /// repacked) against `ActivationRoundingBound`, on 16 hidden states of `ids` (from `exact`, the f32
    /// path of the same file); returns the largest error / bound and its matrix.
    static func matricesWithinBound(_ name: String, _ path: String, _ exact: LanguageModel, _ ids: [Int32]) throws -> (ratio: Double, name: String) {
        let rows = 16
        let states = try hiddenStates(exact, ids, rows: rows)
        let file = try GGUFFile(path: path)
        var worst = (ratio: 0.0, name: "")
        for t in file.tensors where t.shape.count == 2 && t.type != .f32 {
            for repack in [false, true] {
                let linear = try Linear(name: t.name, tensor: t, file: file)
                linear.allowRepack = repack
                let r = ActivationRoundingBound.worstRatio(linear, inputs(states, dim: exact.config.dim, width: linear.inDim), count: rows)
                #expect(r <= 1, "\(name) \(t.name) (\(t.type), \(repack ? "repacked" : "GGUF layout")): error \(r)× the derived bound")
                if r > worst.ratio { worst = (r, "\(t.name) \(t.type)\(repack ? " repacked" : "")") }
            }
        }
        return worst
    }

    /// `rows` hidden states of the prompt (the residual stream after each block, positions spread over
    /// the prompt), each scaled to unit RMS as the pre-norms do: [rows × dim].
    static func hiddenStates(_ m: LanguageModel, _ ids: [Int32], rows: Int) throws -> [Float] {
        let L = m.config.layers, D = m.config.dim, T = ids.count
        let (result, _) = try m.run(ids, hooks: .recordingResidualStream(layers: L))
        var out: [Float] = []
        for s in 0..<rows {
            let stream = result.recorded[.block(s % L)]!
            let p = (s * 37) % T
            let v = Array(stream[(p * D)..<((p + 1) * D)])
            let rms = (v.reduce(Float(0)) { $0 + $1 * $1 } / Float(D)).squareRoot()
            out += v.map { $0 / rms }
        }
        return out
    }

    /// Inputs of width `width` from the [rows × dim] states: row s is the `width` values from the start
    /// of state s on, running into the next states (cyclically) when the matrix is wider than the
    /// residual stream (attn_output, ffn_down).
    static func inputs(_ states: [Float], dim: Int, width: Int) -> [Float] {
        let rows = states.count / dim
        var out: [Float] = []
        out.reserveCapacity(rows * width)
        for s in 0..<rows {
            for k in 0..<width { out.append(states[(s * dim + k) % states.count]) }
        }
        return out
    }
}
