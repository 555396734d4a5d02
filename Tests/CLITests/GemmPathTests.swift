import CKernels
import Foundation
import Testing

/// The two dense GEMM paths — CKernels' AVX-512 panel GEMM (default where the CPU has it) and
/// OpenBLAS (`HOPSCOPE_GEMM=blas`, the path of CPUs without AVX-512) — give the same model.
///
/// Tolerance: both are float32 GEMMs differing only in summation order, so each logit differs by at
/// most a few γ_k·Σ|terms| through 30 layers; the fidelity tests bound either path against float64 at
/// 3.2e-6·max|logit|, so the two can differ by at most twice that: 1e-5·max|logit| with margin.
@Suite(.enabled(if: CLI.modelAvailable && hs_gemm_available() != 0, "needs a built hopscope, the default model and an AVX-512 CPU"))
struct GemmPathTests {
    @Test func panelGemmAndOpenBLASAgree() throws {
        // 14 tokens: above the 8-row matvec limit, so the prompt pass runs through the GEMM.
        let prompt = "The currency of the country of origin of Toyota is, as everyone knows,"
        func logits(_ env: [String: String]) throws -> [(id: Int, logit: Double)] {
            let r = try CLI.run(["logits", "--model", CLI.model, "--top", "20", "--json", prompt], environment: env)
            #expect(r.status == 0, "\(r.stderr)")
            let obj = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
            let top = obj["top"] as! [[String: Any]]
            #expect((obj["ids"] as! [Any]).count > 8)
            return top.map { ($0["id"] as! Int, ($0["logit"] as! NSNumber).doubleValue) }
        }
        let panel = try logits([:]), blas = try logits(["HOPSCOPE_GEMM": "blas"])
        #expect(panel.map(\.id).prefix(5) == blas.map(\.id).prefix(5))
        let scale = panel.map { abs($0.logit) }.max()!
        for (a, b) in zip(panel, blas) where a.id == b.id {
            #expect(abs(a.logit - b.logit) <= 1e-5 * scale, "token \(a.id): \(a.logit) vs \(b.logit)")
        }
    }
}
