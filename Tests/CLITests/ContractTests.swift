import Foundation
import GGUF
import Testing
import TestSupport

/// The command-line contract (DESIGN §3): JSON fields scripts rely on, stdout/stderr split, exit codes.
@Suite(.serialized, .enabled(if: ContractCLI.binary != nil && TestModels.available(TestModels.smollm2), "needs a built hopscope and the default model"))
struct ContractTests {
    /// `analyze --json`: the per-layer fields of DESIGN §3, the mode it ran in, and stages that are the
    /// paper's formulas over those per-layer fields (recomputed independently, `PaperStages`).
    @Test func analyzeJSONStagesFollowFromItsLayers() throws {
        let query = ["analyze", "--json", "--query", "The currency of the country of origin of Toyota is", "--e1", "Toyota",
                     "--e2", "Japan", "--e3", "Japanese yen", "--e3-alias", "yen", "--e3-alias", "JPY"]
        for extra in [[], ["--patchscope-prompt", "repeat", "--patchscope-samples", "2", "--seed", "5", "--knockout-keys", "e1"]] {
            let r = try ContractCLI.run(query + extra)
            #expect(r.status == 0, "\(r.stderr)")
            let o = try ContractCLI.object(r.stdout)
            let layers = try #require(o["layers"] as? [[String: Any]])
            #expect(layers.count == 30)
            for key in ["layer", "lens_t1", "lens_t2", "e2_rank_t1", "e3_rank_t2", "patchscope_t1", "patchscope_t2",
                        "attn_e2_rank_t2", "mlp_prediction_rank_t2", "mlp_e3_rank_t2", "knockout"] {
                #expect(layers[0][key] != nil, "\(key)")
            }
            let ps = try #require(layers[3]["patchscope_t2"] as? [String: Any])
            #expect(ps["generation"] is String && ps["decoded"] is String)
            #expect((layers[3]["knockout"] as? [String: Any])?["changed"] is Bool)
            let stages = try #require(o["stages"] as? [String: Any])
            let recomputed = PaperStages(analyzeJSON: o as! [String: Any])
            #expect(recomputed == PaperStages(stagesJSON: stages), "\(recomputed)")
            let mode = try #require(o["patchscope"] as? [String: Any])
            if extra.isEmpty {
                #expect(mode["layers"] as? String == "diagonal" && mode["samples"] as? Int == 0 && mode["prompt"] as? String == "description")
                #expect(o["knockout_keys"] as? String == "t1")
            } else {
                #expect(mode["samples"] as? Int == 2 && mode["seed"] as? Int == 5 && mode["prompt"] as? String == "repeat")
                #expect(o["knockout_keys"] as? String == "e1")
                #expect((layers[3]["patchscope_t1"] as? [String: Any])?["cells"] as? Int == 2)
            }
        }
        let bad = try ContractCLI.run(query + ["--patchscope-samples", "-1"])
        #expect(bad.status != 0 && bad.stderr.contains("--patchscope-samples"))
    }

    /// `bench --json` (DESIGN §3's fields and the bandwidth and first-touch figures), and
    /// `bench --analysis --json`: the analysis to "analyzed" and the layer detail after it, apart.
    @Test func benchJSON() throws {
        let r = try ContractCLI.run(["bench", "--json", "--repeats", "1", "--prompt-tokens", "4", "--gen-tokens", "2"])
        #expect(r.status == 0, "\(r.stderr)")
        let o = try ContractCLI.object(r.stdout)
        for key in ["model", "load_s", "prompt_tokens", "prompt_tokens_per_s", "generation_tokens_per_s", "peak_rss_mb"] {
            #expect(o[key] != nil, "\(key)")
        }
        #expect(o["prompt_tokens"] as? Int == 4)
        let bw = try #require(o["read_bandwidth_gb_s"] as? Double)
        let touch = try #require(o["first_touch_gb_s"] as? Double)
        #expect(bw > 0.1 && bw < 10_000 && touch > 0.01 && touch < 10_000, "\(bw) \(touch)")
        let f = try #require(o["generation_bandwidth_fraction"] as? Double)
        #expect(f > 0 && f < 1.5, "generation at \(f) of the bandwidth bound")
        #expect(o["repacked_bytes"] as? Int == 0, "SmolLM2 runs on its f32 copy: nothing repacked")
        let a = try ContractCLI.run(["bench", "--analysis", "--json", "--repeats", "1"])
        #expect(a.status == 0, "\(a.stderr)")
        let ao = try ContractCLI.object(a.stdout)
        let total = try #require(ao["analysis_s"] as? Double), detail = try #require(ao["detail_s"] as? Double)
        let parts = try #require(ao["parts_s"] as? [String: Double])
        #expect(total > 0 && detail > 0)
        #expect(parts["detail"] == nil, "the detail is timed after the analysis, not inside it")
        for key in ["lens", "patchscope_t1", "patchscope_t2", "knockout", "hops", "total"] { #expect(parts[key] != nil, "\(key)") }
        #expect(abs((parts["total"] ?? 0) - total) < 0.5 * total + 0.05)
    }

    @Test func tokenizeJSON() throws {
        let r = try ContractCLI.run(["tokenize", "--json", "Hello world! 123"])
        #expect(r.status == 0)
        let o = try ContractCLI.object(r.stdout)
        #expect(o["ids"] as? [Int] == [19556, 905, 17, 216, 33, 34, 35])
        #expect(o["pieces"] as? [String] == ["Hello", " world", "!", " ", "1", "2", "3"])
    }

    @Test func generateJSON() throws {
        let r = try ContractCLI.run(["generate", "--max-tokens", "3", "--json", "The capital of France is"])
        #expect(r.status == 0)
        let o = try ContractCLI.object(r.stdout)
        #expect((o["ids"] as? [Int])?.count == 3)
        #expect((o["text"] as? String)?.hasPrefix(" Paris") == true)
    }

    @Test func logitsJSON() throws {
        let r = try ContractCLI.run(["logits", "--top", "3", "--json", "The capital of France is"])
        let o = try ContractCLI.object(r.stdout)
        let top = try #require(o["top"] as? [[String: Any]])
        #expect(top.count == 3)
        #expect(top[0]["id"] as? Int == 7042 && top[0]["piece"] as? String == " Paris")
        let logits = top.compactMap { ($0["logit"] as? NSNumber)?.floatValue }
        #expect(logits == logits.sorted(by: >))
        #expect(abs(((top[0]["prob"] as? NSNumber)?.floatValue ?? 0) - 0.7726) < 1e-3)
    }

    @Test func lensJSON() throws {
        let r = try ContractCLI.run(["lens", "--top", "2", "--json", "The capital of France is"])
        let o = try ContractCLI.object(r.stdout)
        let layers = try #require(o["layers"] as? [[String: Any]])
        #expect(layers.count == 30)
        #expect(layers.enumerated().allSatisfy { $0.element["layer"] as? Int == $0.offset })
        let last = try #require(layers[29]["positions"] as? [[String: Any]])
        #expect(last.count == 5)
        let top = try #require(last[4]["top"] as? [[String: Any]])
        #expect(top[0]["piece"] as? String == " Paris" && top.count == 2)
    }

    /// `dump` writes what the float64 reference computes, within the fidelity bar.
    @Test func dumpMatchesReference() throws {
        let dir = TemporaryDirectory()
        let out = dir.path("h.npy")
        let r = try ContractCLI.run(["dump", "--out", out, "The capital of France is"])
        #expect(r.status == 0 && r.stdout.isEmpty)
        let (ours, shape) = try NPY.decode(Data(contentsOf: URL(fileURLWithPath: out)))
        #expect(shape == [30, 5, 576])
        let refURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("ModelTests/Fixtures/smollm2-blocks-0.npy")
        let (ref, refShape) = try NPY.decode(Data(contentsOf: refURL))
        #expect(refShape == shape)
        for l in 0..<30 {
            let a = ours[(l * 5 * 576)..<((l + 1) * 5 * 576)], b = ref[(l * 5 * 576)..<((l + 1) * 5 * 576)]
            var num = 0.0, den = 0.0
            for (x, y) in zip(a, b) { num += Double(x - y) * Double(x - y); den += Double(y) * Double(y) }
            #expect((num / den).squareRoot() <= 1e-3, "layer \(l)")
        }
    }

    @Test func backpatchCellAndGridJSON() throws {
        let q = ["--query", "The currency of the country of origin of Toyota is", "--e1", "Toyota", "--e3", "Japanese yen", "--e3-alias", "yen"]
        let cell = try ContractCLI.object(ContractCLI.run(["backpatch"] + q + ["--position", "t2", "--source", "20", "--target", "5", "--json"]).stdout)
        #expect(cell["position"] as? String == "t2" && cell["source"] as? Int == 20 && cell["target"] as? Int == 5)
        #expect(cell["generation"] is String && cell["correct"] is Bool)
        #expect(cell["answer_prob"] is NSNumber && cell["answer_rank"] is Int)
        let grid = try ContractCLI.object(ContractCLI.run(["backpatch"] + q + ["--position", "t2", "--grid", "--metric", "first-token", "--json"]).stdout)
        #expect(grid["position"] as? String == "t2" && grid["layers"] as? Int == 30)
        #expect((grid["cells"] as? [[String: Any]])?.count == 435)
        #expect(grid["fixed"] is Bool)
    }

    @Test func errorsAreOneLineWithNonZeroExit() throws {
        let missing = try ContractCLI.run(["generate", "--model", "/nonexistent.gguf", "x"])
        #expect(missing.status != 0 && missing.stdout.isEmpty)
        #expect(missing.stderr.contains("/nonexistent.gguf") && missing.stderr.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").count == 1)
        let notGGUF = try ContractCLI.run(["generate", "--model", "/etc/hostname", "x"])
        #expect(notGGUF.status != 0 && notGGUF.stderr.contains("not a GGUF file"))
        let bad = try ContractCLI.run(["backpatch", "--query", "The capital of France is", "--e1", "Germany", "--e3", "Paris", "--position", "t2", "--source", "3", "--target", "1"])
        #expect(bad.status != 0 && bad.stderr.contains("Germany"))
        let control = try ContractCLI.run(["generate", "The capital\u{04} of France is"])
        #expect(control.status != 0 && control.stderr.contains("control character U+0004 at character 11"))
        let controlQuery = try ContractCLI.run(["backpatch", "--query", "The capital of\u{07} France is", "--e1", "France", "--e3", "Paris", "--position", "t2", "--source", "3", "--target", "1"])
        #expect(controlQuery.status != 0 && controlQuery.stderr.contains("U+0007"))
        let layers = try ContractCLI.run(["backpatch", "--query", "The capital of France is", "--e1", "France", "--e3", "Paris", "--position", "t2", "--source", "1", "--target", "3"])
        #expect(layers.status != 0 && layers.stderr.contains("source"))
    }

    /// `analyze --query` alone: e1 from the prompt, e2 and e3 the model's own hop answers, marked as proposals.
    @Test func analyzeProposesMissingEntities() throws {
        let r = try ContractCLI.run(["analyze", "--json", "--query", "The largest city of the country of origin of Nissan is"])
        #expect(r.status == 0, "\(r.stderr)")
        let o = try ContractCLI.object(r.stdout)
        let e = try #require(o["entities"] as? [String: Any])
        #expect(e["e1"] as? String == "Nissan" && e["e1_source"] as? String == "prompt")
        #expect(e["e2"] as? String == "Japan" && e["e2_source"] as? String == "model_answer")
        #expect(e["e3_source"] as? String == "model_answer" && !((e["e3"] as? String) ?? "").isEmpty)
        #expect(r.stderr.contains("proposed e2 “Japan” (the model's answer)"))
        #expect(o["layers"] as? [Any] != nil && o["stages"] != nil)
        let bad = try ContractCLI.run(["analyze", "--json", "--query", "Hello there"])
        #expect(bad.status != 0 && bad.stderr.contains("no entity found") && bad.stdout.isEmpty)
    }
}

/// Runs the built `hopscope` binary.
enum ContractCLI {
    /// `$HOPSCOPE_BIN` (set by `make test`), else the package's release or debug build.
    static let binary: String? = {
        if let b = ProcessInfo.processInfo.environment["HOPSCOPE_BIN"], FileManager.default.isExecutableFile(atPath: b) { return b }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for config in ["release", "debug"] {
            let p = root.appendingPathComponent(".build/\(config)/hopscope").path
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }()

    struct Result { let status: Int32; let stdout: String; let stderr: String }

    static func run(_ args: [String]) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary!)
        p.arguments = args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    static func object(_ text: String) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }
}
