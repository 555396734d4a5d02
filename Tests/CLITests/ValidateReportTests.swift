import Foundation
import Testing
import TestSupport

/// `hopscope validate` and `hopscope report`: no model needed.
@Suite(.enabled(if: CLI.available, "needs a built hopscope (HOPSCOPE_BIN)")) struct ValidateCLITests {
    @Test func sampleQueryFilesAreValid() throws {
        let files = ["showcase", "geography", "companies", "people", "culture"].map { CLI.sample("\($0).jsonl") }
        let r = try CLI.run(["validate"] + files)
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("showcase.jsonl: 37 queries, no problems"))
    }

    @Test func brokenFileListsEveryProblemWithItsLine() throws {
        let dir = TemporaryDirectory()
        let good = try String(contentsOfFile: CLI.sample("showcase.jsonl"), encoding: .utf8).split(separator: "\n").map(String.init)
        let lines = [
            good[0],
            "{\"id\": \"half",                                                  // 2
            good[0],                                                             // 3 duplicate
            good[1].replacingOccurrences(of: "\"hop1\": \"The country of origin of Toyota is\"", with: "\"hop1\": \"The origin of Toyota is\""),  // 4
            good[2].replacingOccurrences(of: "\"e1\": \"Nineteen Eighty-Four\"", with: "\"e1\": \"1985\""),                                          // 5
        ]
        let path = dir.path("broken.jsonl")
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let r = try CLI.run(["validate", path])
        #expect(r.status == 1)
        let out = r.stdout.split(separator: "\n").map(String.init)
        #expect(out.contains { $0.hasPrefix("\(path):2: not valid JSON") })
        #expect(out.contains("\(path):3: duplicate id 'showcase-toyota-currency' (first on line 1)"))
        #expect(out.contains("\(path):4: hop1 \"The origin of Toyota is\": expected \"The country of origin of Toyota is\""))
        #expect(out.contains("\(path):5: e1 '1985' does not occur in query \"The country of citizenship of the author of Nineteen Eighty-Four is\""))
        #expect(out.last == "\(path): 5 non-blank lines, 4 problems on 4 lines")

        let j = try CLI.run(["validate", "--json", path])
        #expect(j.status == 1)
        let o = try JSONSerialization.jsonObject(with: Data(j.stdout.utf8)) as! [String: Any]
        #expect((o["problems"] as! [[String: Any]]).map { $0["line"] as! Int } == [2, 3, 4, 5])
    }

    @Test func missingFileIsOneLine() throws {
        let r = try CLI.run(["validate", "/nonexistent/q.jsonl"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("/nonexistent/q.jsonl: no such file"))
    }
}

@Suite(.enabled(if: CLI.available, "needs a built hopscope (HOPSCOPE_BIN)")) struct ReportCLITests {
    /// The hand-checked fixture of `SweepReportTests`, split over two "shards" with one row in both.
    static let fixture: [String] = {
        func row(_ id: String, _ h1: Bool, _ h2: Bool, _ comp: Bool, _ se: Bool, _ sr: Bool,
                 _ stages: String = "null", _ bp: String = "null") -> String {
            "{\"id\":\"\(id)\",\"hop1_correct\":\(h1),\"hop2_correct\":\(h2),\"composition_correct\":\(comp),"
                + "\"shortcut_entity_correct\":\(se),\"shortcut_relation_correct\":\(sr),\"composition_generation\":\"g\","
                + "\"generations\":{},\"stages\":\(stages),\"backpatch\":\(bp)}"
        }
        func st(_ a: String, _ b: String, _ c: String) -> String {
            "{\"first_hop\":\(a),\"info_propagation\":\(b),\"info_propagation_parts\":{\"knockout\":\(b),\"attention\":null,\"patchscope\":null},\"second_hop\":\(c),\"prediction_extracted\":null}"
        }
        func bp(_ t1: String, _ t2: String) -> String {
            func g(_ c: String) -> String { "{\"cells\":45,\"cells_correct\":[\(c)],\"fixed\":\(!c.isEmpty),\"layers\":10,\"metric\":\"generation\"}" }
            return "{\"t1\":\(g(t1)),\"t2\":\(g(t2))}"
        }
        return [
            row("r1", true, true, false, false, false, st("3", "8", "null"), bp("[5,2],[6,2]", "")),
            row("r2", true, true, false, false, false, st("4", "6", "null"), bp("[5,2]", "[9,0]")),
            row("r3", true, true, false, false, false, st("null", "null", "null"), bp("", "[9,0],[9,1]")),
            row("r4", true, true, false, false, false, st("5", "7", "null")),
            row("r5", true, true, true, false, false, st("2", "5", "7")),
            row("r6", true, true, true, false, false, st("4", "6", "9")),
            row("r7", true, true, true, true, false),
            row("r8", true, true, false, false, true),
            row("r9", true, false, false, false, false),
            row("r10", false, true, true, false, false),
        ]
    }()

    @Test func mergesShardsAndPrintsTheHandCheckedNumbers() throws {
        let dir = TemporaryDirectory()
        let a = dir.path("a.jsonl"), b = dir.path("b.jsonl"), merged = dir.path("merged.jsonl"), svg = dir.path("svg")
        try (Self.fixture[0..<5].joined(separator: "\n") + "\n").write(toFile: a, atomically: true, encoding: .utf8)
        try ((Self.fixture[4...] + [Self.fixture[0]]).joined(separator: "\n") + "\n").write(toFile: b, atomically: true, encoding: .utf8)
        let r = try CLI.run(["report", "--json", a, b, "--merged", merged, "--svg", svg])
        #expect(r.status == 0, "\(r.stderr)")
        let o = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        let rep = o["report"] as! [String: Any]
        #expect(rep["rows"] as? Int == 10)
        #expect(rep["hops_known"] as? Int == 8)
        #expect(rep["shortcut_filtered"] as? Int == 2)
        #expect(rep["kept"] as? Int == 6)
        #expect(rep["composition_correct"] as? Int == 2)
        #expect(rep["composition_incorrect"] as? Int == 4)
        #expect(rep["duplicate_ids"] as? [String] == ["r1", "r5"])
        let bpt = rep["backpatch"] as! [String: [String: Any]]
        #expect(bpt["t1"]!["tried"] as? Int == 3 && bpt["t1"]!["fixed"] as? Int == 2)
        #expect(bpt["t2"]!["tried"] as? Int == 3 && bpt["t2"]!["fixed"] as? Int == 2)
        #expect(rep["fixed_either"] as? Int == 3)
        let stages = rep["stages"] as! [String: [String: [String: Any]]]
        #expect(stages["incorrect"]!["first_hop"]!["median"] as? Double == 4)
        #expect(stages["correct"]!["second_hop"]!["median"] as? Double == 8)
        // Merged rows: one per id.
        let rows = try CLI.jsonLines(merged)
        #expect(rows.count == 10 && Set(rows.compactMap { $0.object?["id"] as? String }).count == 10)
        for name in ["backpatch-t1.svg", "backpatch-t2.svg", "stages.svg", "stages-boxplot.svg"] {
            #expect(FileManager.default.fileExists(atPath: "\(svg)/\(name)"), "\(name)")
        }
        // The text form.
        let t = try CLI.run(["report", a, b])
        #expect(t.status == 0)
        #expect(t.stdout.contains("both hops known"))
        #expect(t.stdout.contains("Back-patching at t1: success rate per cell over 3 incorrect cases"))
        let ascii = try CLI.run(["report", "--ascii", a, b])
        #expect(!ascii.stdout.unicodeScalars.contains { $0.value > 127 })
    }

    @Test func queriesOptionListsMissingRows() throws {
        let dir = TemporaryDirectory()
        let q = dir.path("q.jsonl"), res = dir.path("r.jsonl")
        try CLI.showcase(3, to: q)
        try "{\"id\":\"showcase-toyota-capital\",\"hop1_correct\":true,\"hop2_correct\":true,\"composition_correct\":true,\"shortcut_entity_correct\":false,\"shortcut_relation_correct\":false,\"composition_generation\":\"\",\"generations\":{}}\n"
            .write(toFile: res, atomically: true, encoding: .utf8)
        let r = try CLI.run(["report", "--json", "--queries", q, res])
        let o = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        #expect(o["missing_ids"] as? [String] == ["showcase-toyota-currency", "showcase-nineteen-eighty-four-citizenship"])
    }

    @Test func badResultLineIsNamed() throws {
        let dir = TemporaryDirectory()
        let res = dir.path("r.jsonl")
        try (Self.fixture[0] + "\n[1]\n").write(toFile: res, atomically: true, encoding: .utf8)
        let r = try CLI.run(["report", res])
        #expect(r.status != 0)
        #expect(r.stderr.contains("\(res):2: not a sweep row"))
    }
}
