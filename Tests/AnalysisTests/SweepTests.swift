import Analysis
import Foundation
import Testing
import TestSupport

/// Query files, shards, the sweep's output file and the report's numbers — no model needed.
@Suite struct SweepQueryFileTests {
    static let good = try! SampleQueries.lines("showcase.jsonl")

    /// A line of the showcase with some fields changed (nil removes the field).
    static func edited(_ index: Int, _ changes: [String: Any?]) -> String {
        var o = try! JSONSerialization.jsonObject(with: Data(good[index].utf8)) as! [String: Any]
        for (k, v) in changes { o[k] = v.flatMap { $0 } }
        for (k, v) in changes where v == nil { o.removeValue(forKey: k) }
        return String(data: try! JSONSerialization.data(withJSONObject: o, options: [.sortedKeys]), encoding: .utf8)!
    }

    @Test func showcaseIsValid() throws {
        let file = try QueryFile(path: SampleQueries.directory.appendingPathComponent("showcase.jsonl").path)
        #expect(file.validate() == [])
        let (queries, problems) = file.load()
        #expect(problems == [])
        #expect(queries.count == 37)
        #expect(queries[0].line == 1 && queries[0].ordinal == 0 && queries[0].query.id == "showcase-toyota-currency")
    }

    @Test(arguments: ["geography.jsonl", "companies.jsonl", "people.jsonl", "culture.jsonl"])
    func themeFilesAreValid(name: String) throws {
        let file = try QueryFile(path: SampleQueries.directory.appendingPathComponent(name).path)
        #expect(file.validate() == [])
    }

    @Test func everyKindOfProblemIsReportedWithItsLine() {
        let lines = [
            Self.good[0],                                                             // 1 fine
            "{\"id\": \"broken\", \"e1\": ",                                         // 2 not JSON
            Self.good[0],                                                             // 3 duplicate id
            Self.edited(1, ["hop1": "The country of Toyota is"]),                     // 4 template
            "",                                                                       // 5 blank: ignored
            Self.edited(2, ["e1": "Orwell"]),                                         // 6 e1 not in query
            Self.edited(3, ["e3_aliases": nil, "extra": 1, "r1": 5]),                 // 7 schema
            "[1, 2]",                                                                 // 8 not an object
            Self.edited(4, ["e3": ""]),                                               // 9 empty label
            Self.edited(5, ["shortcut_relation": "The capital of the country is"]),   // 10 template
            Self.edited(6, ["hop2": "The capital of Japan is "]),                     // 11 trailing space
        ]
        let file = QueryFile(path: "broken.jsonl", text: lines.joined(separator: "\n") + "\n")
        let problems = file.validate()
        let byLine = Dictionary(grouping: problems, by: \.line).mapValues { $0.map(\.message) }
        #expect(Set(byLine.keys) == [2, 3, 4, 6, 7, 8, 9, 10, 11])
        #expect(byLine[2]!.first!.hasPrefix("not valid JSON"))
        #expect(byLine[3] == ["duplicate id 'showcase-toyota-currency' (first on line 1)"])
        #expect(byLine[4] == ["hop1 \"The country of Toyota is\": expected \"The country of origin of Toyota is\""])
        #expect(byLine[6] == ["e1 'Orwell' does not occur in query \"The country of citizenship of the author of Nineteen Eighty-Four is\""])
        #expect(Set(byLine[7]!) == ["missing key 'e3_aliases'", "unknown key 'extra'", "'r1' must be a string, got a number"])
        #expect(byLine[8] == ["expected a JSON object, got a list"])
        #expect(byLine[9] == ["'e3' is empty"])
        #expect(byLine[10]!.count == 1 && byLine[10]![0].hasPrefix("shortcut_relation"))
        #expect(byLine[11]!.contains { $0.contains("trailing whitespace") })
        #expect(problems.allSatisfy { $0.description.hasPrefix("line \($0.line): ") })

        // Loading (what evaluate and sweep run) is lenient about templates but not about the rest.
        let (queries, bad) = file.load()
        #expect(queries.map(\.line) == [1, 4, 10, 11])
        #expect(queries.map(\.ordinal) == [0, 3, 8, 9])
        #expect(bad.map(\.line) == [2, 3, 6, 7, 8, 9])
    }

    @Test func articlesInPromptsAreAccepted() {
        // "the Alhambra" in every prompt naming e1; "the United States" for e2.
        let q = TwoHopQuery(id: "x", e1: "Alhambra", r1: "country", e2: "United States", r2: "capital", e3: "Washington, D.C.",
                            query: "The capital of the country of the Alhambra is", hop1: "The country of the Alhambra is",
                            hop2: "The capital of the United States is", shortcutEntity: "The capital of the Alhambra is")
        let line = String(data: try! JSONEncoder().encode(q), encoding: .utf8)!
        #expect(QueryFile(path: "a.jsonl", text: line).validate() == [])
        // …but the same way everywhere.
        var mixed = q
        mixed.hop1 = "The country of Alhambra is"
        let line2 = String(data: try! JSONEncoder().encode(mixed), encoding: .utf8)!
        #expect(QueryFile(path: "a.jsonl", text: line2).validate().map(\.message) == ["hop1 \"The country of Alhambra is\": expected \"The country of the Alhambra is\""])
    }

    @Test func unreadableFilesNameThemselves() {
        #expect(throws: AnalysisError.badQuery("/nonexistent/q.jsonl: no such file")) { try QueryFile(path: "/nonexistent/q.jsonl") }
        #expect(throws: AnalysisError.badQuery("/tmp: is a directory")) { try QueryFile(path: "/tmp") }
    }
}

@Suite struct SweepShardTests {
    @Test func parsing() throws {
        #expect(try SweepShard(parsing: "2/4") == SweepShard(index: 2, count: 4))
        for bad in ["4/4", "-1/4", "1/0", "1", "a/b", "1/2/3", ""] {
            #expect(throws: AnalysisError.self) { try SweepShard(parsing: bad) }
        }
    }

    @Test func shardsPartitionEveryOrdinal() throws {
        for n in 1...7 {
            var owner: [Int: Int] = [:]
            for i in 0..<n {
                let s = try SweepShard(index: i, count: n)
                for ordinal in 0..<50 where s.contains(ordinal: ordinal) {
                    #expect(owner[ordinal] == nil, "ordinal \(ordinal) in two shards of \(n)")
                    owner[ordinal] = i
                }
            }
            #expect(owner.count == 50)
            // Balanced: sizes differ by at most one.
            let sizes = Dictionary(grouping: owner.values, by: { $0 }).values.map(\.count)
            #expect(sizes.max()! - sizes.min()! <= 1)
        }
    }
}

@Suite struct SweepOutputTests {
    func row(_ id: String) -> Data { Data("{\"id\":\"\(id)\",\"x\":1}".utf8) }

    @Test func appendsResumesAndRefuses() throws {
        let dir = TemporaryDirectory()
        let path = dir.path("out.jsonl")
        do {
            let out = try SweepOutput(path: path, resume: false)
            try out.append(row("a"), id: "a")
            try out.append(row("b"), id: "b")
            #expect(out.done == ["a", "b"])
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "{\"id\":\"a\",\"x\":1}\n{\"id\":\"b\",\"x\":1}\n")
        // Rows there and no --resume: refused, file untouched.
        #expect(throws: SweepOutputError.self) { try SweepOutput(path: path, resume: false) }
        let resumed = try SweepOutput(path: path, resume: true)
        #expect(resumed.done == ["a", "b"] && resumed.resumedRows == 2 && resumed.repairedBytes == 0)
        try resumed.append(row("c"), id: "c")
        // A second writer on the same file is refused while the first holds it.
        #expect(throws: SweepOutputError.self) { try SweepOutput(path: path, resume: true) }
        resumed.close()
        #expect(try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").count == 3)
        let again = try SweepOutput(path: path, resume: false, overwrite: true)
        #expect(again.done.isEmpty)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)).isEmpty)
    }

    @Test func tornLastLineIsCutOffOnResume() throws {
        let dir = TemporaryDirectory()
        let path = dir.path("out.jsonl")
        try Data("{\"id\":\"a\"}\n{\"id\":\"b\"}\n{\"id\":\"c\",\"bac".utf8).write(to: URL(fileURLWithPath: path))
        let out = try SweepOutput(path: path, resume: true)
        #expect(out.done == ["a", "b"])
        #expect(out.repairedBytes == "{\"id\":\"c\",\"bac".utf8.count)
        try out.append(row("c"), id: "c")
        out.close()
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 3)
        for l in lines { #expect(SweepOutput.rowID(Data(l.utf8)) != nil) }
    }

    @Test func malformedMiddleLineIsAnErrorNamingIt() throws {
        let dir = TemporaryDirectory()
        let path = dir.path("out.jsonl")
        try Data("{\"id\":\"a\"}\nnot json\n{\"id\":\"b\"}\n".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: SweepOutputError("\(path):2: not a sweep row (malformed JSON or no \"id\"); fix or remove that line, then --resume")) {
            try SweepOutput(path: path, resume: true)
        }
        try Data("{\"id\":\"a\"}\n{\"id\":\"a\"}\n".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: SweepOutputError.self) { try SweepOutput(path: path, resume: true) }
    }

    @Test func unusablePathsFailAtOpen() {
        #expect(throws: SweepOutputError.self) { try SweepOutput(path: "/nonexistent-dir/out.jsonl", resume: false) }
        let dir = TemporaryDirectory()
        #expect(throws: SweepOutputError("\(dir.url.path): is a directory")) { try SweepOutput(path: dir.url.path, resume: false) }
    }

    @Test func failedWriteLeavesEarlierRowsIntact() throws {
        // /dev/full accepts open and fails every write with ENOSPC; it is not a regular file, so the
        // output refuses it at open — the disk-full path itself is tested end to end in CLITests
        // (a file size limit), here only that nothing is half-written when a write fails.
        #expect(throws: SweepOutputError.self) { try SweepOutput(path: "/dev/full", resume: false) }
    }
}

@Suite struct SweepRowTests {
    @Test func rowRoundTripsWithFlattenedEvaluation() throws {
        let line = SweepReportFixture.lines[0]
        let row = try JSONDecoder().decode(SweepRow.self, from: Data(line.utf8))
        #expect(row.evaluation?.hop1Correct == true && row.evaluation?.compositionCorrect == false)
        #expect(row.backpatch?.t1?.cellsCorrect == [[5, 2], [6, 2]])
        #expect(row.stages?.firstHop == 3 && row.stages?.secondHop == nil)
        let again = try JSONDecoder().decode(SweepRow.self, from: try row.jsonLine())
        #expect(again == row)
        let object = try JSONSerialization.jsonObject(with: try row.jsonLine()) as! [String: Any]
        for key in ["id", "hop1_correct", "hop2_correct", "composition_correct", "shortcut_entity_correct",
                    "shortcut_relation_correct", "composition_generation", "stages", "backpatch"] {
            #expect(object[key] != nil, "\(key)")
        }
        let errorRow = try JSONDecoder().decode(SweepRow.self, from: Data(SweepReportFixture.lines[10].utf8))
        #expect(errorRow.evaluation == nil && errorRow.error != nil)
    }
}

/// A small results file whose summaries are worked out by hand in `reportNumbers`.
enum SweepReportFixture {
    static func row(_ id: String, _ h1: Bool, _ h2: Bool, _ comp: Bool, _ se: Bool, _ sr: Bool,
                    stages: (Int?, Int?, Int?)? = nil, t1: [[Int]]? = nil, t2: [[Int]]? = nil) -> String {
        func j(_ v: Int?) -> String { v.map(String.init) ?? "null" }
        func grid(_ cells: [[Int]]?) -> String {
            guard let cells else { return "null" }
            let list = cells.map { "[\($0[0]),\($0[1])]" }.joined(separator: ",")
            return "{\"cells\":45,\"cells_correct\":[\(list)],\"fixed\":\(!cells.isEmpty),\"layers\":10,\"metric\":\"generation\"}"
        }
        let st = stages.map { "{\"first_hop\":\(j($0.0)),\"info_propagation\":\(j($0.1)),\"info_propagation_parts\":{\"knockout\":\(j($0.1)),\"attention\":null,\"patchscope\":null},\"second_hop\":\(j($0.2)),\"prediction_extracted\":null}" } ?? "null"
        let bp = (t1 == nil && t2 == nil) ? "null" : "{\"t1\":\(grid(t1)),\"t2\":\(grid(t2))}"
        return "{\"id\":\"\(id)\",\"model\":\"m.gguf\",\"hop1_correct\":\(h1),\"hop2_correct\":\(h2),\"composition_correct\":\(comp),"
            + "\"shortcut_entity_correct\":\(se),\"shortcut_relation_correct\":\(sr),\"composition_generation\":\"g\",\"generations\":{},"
            + "\"stages\":\(st),\"backpatch\":\(bp)}"
    }

    static let lines: [String] = [
        row("r1", true, true, false, false, false, stages: (3, 8, nil), t1: [[5, 2], [6, 2]], t2: []),      // incorrect, fixed t1
        row("r2", true, true, false, false, false, stages: (4, 6, nil), t1: [[5, 2]], t2: [[9, 0]]),        // incorrect, fixed both
        row("r3", true, true, false, false, false, stages: (nil, nil, nil), t1: [], t2: [[9, 0], [9, 1]]),  // incorrect, fixed t2
        row("r4", true, true, false, false, false, stages: (5, 7, nil)),                                    // incorrect, no grids
        row("r5", true, true, true, false, false, stages: (2, 5, 7)),                                       // correct
        row("r6", true, true, true, false, false, stages: (4, 6, 9)),                                       // correct
        row("r7", true, true, true, true, false, stages: (1, 1, 1)),                                        // left out: r2 of e1
        row("r8", true, true, false, false, true, stages: (1, 1, 1)),                                       // left out: r2 of the r1
        row("r9", true, false, false, false, false),                                                        // hop2 unknown
        row("r10", false, true, true, false, false),                                                        // hop1 unknown
        "{\"id\":\"r11\",\"model\":\"m.gguf\",\"stages\":null,\"backpatch\":null,\"error\":\"evaluation: the query is empty\"}",
    ]
}

@Suite struct SweepReportTests {
    /// Every number below is counted by hand from `SweepReportFixture.lines` (its comments).
    @Test func reportNumbers() throws {
        var rows = try SweepReportFixture.lines.map { try JSONDecoder().decode(SweepRow.self, from: Data($0.utf8)) }
        rows.append(rows[0])                        // the same row from a second shard: merged
        let r = SweepReport(rows: rows)
        #expect(r.rows == 11 && r.errors == 1 && r.evaluated == 10)
        #expect(r.duplicateIDs == ["r1"] && r.conflictingIDs == [])
        #expect(r.models == ["m.gguf"])
        #expect(r.hop1Correct == 9 && r.hop2Correct == 9)
        #expect(r.compositionCorrectAll == 4)        // r5 r6 r7 r10
        #expect(r.hopsKnown == 8)                    // r1…r8
        #expect(r.shortcutFiltered == 2 && r.shortcutEntityCorrect == 1 && r.shortcutRelationCorrect == 1)
        #expect(r.kept == 6 && r.compositionCorrect == 2 && r.compositionIncorrect == 4)
        #expect(r.layers == 10)
        let t1 = try #require(r.backpatch["t1"]), t2 = try #require(r.backpatch["t2"])
        #expect(t1.tried == 3 && t1.fixed == 2 && t1.fraction == 2.0 / 3.0)
        #expect(t2.tried == 3 && t2.fixed == 2)
        #expect(r.withBothGrids == 3 && r.fixedEither == 3)
        #expect(t1.successes[5][2] == 2 && t1.successes[6][2] == 1 && t1.rate(source: 5, target: 2) == 2.0 / 3.0)
        #expect(t2.successes[9][0] == 2 && t2.successes[9][1] == 1)
        #expect(t1.successes.joined().reduce(0, +) == 3 && t2.successes.joined().reduce(0, +) == 3)
        #expect(t1.rate(source: 2, target: 5) == nil)

        let inc = try #require(r.stages["incorrect"]), cor = try #require(r.stages["correct"])
        // Incorrect: first hop 3, 4, never, 5; propagated 8, 6, never, 7; second hop never ×4.
        let fh = try #require(inc["first_hop"])
        #expect(fh.queries == 4 && fh.never == 1 && fh.counts == [0, 0, 0, 1, 1, 1, 0, 0, 0, 0])
        #expect(fh.median == 4 && fh.mean == 4 && fh.quartiles == [3.5, 4.5])
        #expect(inc["info_propagation"]!.median == 7 && inc["info_propagation"]!.never == 1)
        #expect(inc["info_propagation_knockout"]!.median == 7 && inc["info_propagation_attention"]!.never == 4)
        #expect(inc["second_hop"]!.never == 4 && inc["second_hop"]!.median == nil)
        // Correct: first hop 2, 4; propagated 5, 6; second hop 7, 9.
        #expect(cor["first_hop"]!.median == 3 && cor["first_hop"]!.mean == 3)
        #expect(cor["info_propagation"]!.median == 5.5)
        #expect(cor["second_hop"]!.median == 8 && cor["second_hop"]!.quartiles == [7.5, 8.5])

        // The text and the figures say the same.
        let text = r.text()
        /// The line starting with `label` (after indentation), its words joined by single spaces.
        func line(_ label: String) -> String? {
            text.split(separator: "\n").map { $0.split(separator: " ").joined(separator: " ") }.first { $0.hasPrefix(label) }
        }
        #expect(line("both hops known") == "both hops known 8 80.0%")
        #expect(line("left out: a shortcut gives e3") == "left out: a shortcut gives e3 2 25.0% (r2 of e1: 1, r2 of the r1: 1)")
        #expect(line("composition correct 2") == "composition correct 2 33.3%")
        #expect(line("composition incorrect") == "composition incorrect 4 66.7%")
        #expect(line("t1 ") == "t1 3 2 66.7%")
        #expect(line("t2 ") == "t2 3 2 66.7%")
        #expect(line("either") == "either 3 3 100.0%")
        #expect(line("1st hop resolved: e2 decoded from t1") == "1st hop resolved: e2 decoded from t1 3 [2.5–3.5] 4 [3.5–4.5] (1) 3 [1.5–4] (1)")
        // The box plot: one line per stage and group; incorrect first hop 3, 4, 5 → box [3.5, 4.5], median 4.
        let box = try #require(line("incorrect"))
        #expect(box.hasSuffix("n=3/4 median 4"))
        #expect(!r.text(.init(unicode: false)).unicodeScalars.contains { $0.value > 127 })
        let svgs = r.svgFigures()
        #expect(Set(svgs.keys) == ["backpatch-t1.svg", "backpatch-t2.svg", "stages.svg", "stages-boxplot.svg"])
        #expect(svgs["stages-boxplot.svg"]!.contains("1st hop resolved · incorrect: median 4, q1 3.5, q3 4.5, n=3 of 4"))
        #expect(svgs["backpatch-t1.svg"]!.contains("ℓs=5 → ℓt=2: 2/3 (67%)"))
        for (_, svg) in svgs { #expect(svg.hasPrefix("<svg") && svg.hasSuffix("</svg>\n")) }
    }

    /// The box plot's statistics are those of seaborn's: quartiles by linear interpolation, whiskers at
    /// the furthest value within 1.5 IQR, the rest outliers; fractional layers (a mean) are kept.
    @Test func boxPlotStatisticsWithFractionalLayers() {
        let d = SweepReport.StageDistribution(values: [1, 2, 2.5, 3, 4, 30, nil], layers: 32)
        #expect(d.queries == 7 && d.never == 1)
        #expect(d.quartiles == [2.125, 3.75] && d.median == 2.75)
        // IQR 1.625 → whiskers reach [-0.3125, 6.1875]: 1 … 4; 30 is an outlier.
        #expect(d.whiskers == [1, 4] && d.outliers == [30])
        #expect(d.counts[2] == 2 && d.counts[30] == 1)
    }

    /// Rows whose stages have an older hopscope's definitions are not mixed in, and say so.
    @Test func legacyStagesAndMixedModesAreFlagged() throws {
        let old = #"{"id":"o","hop1_correct":true,"hop2_correct":true,"composition_correct":false,"shortcut_entity_correct":false,"shortcut_relation_correct":false,"composition_generation":"g","generations":{},"stages":{"first_hop":3,"first_hop_lens":null,"propagated":5,"propagated_attention":null,"propagated_knockout":5,"second_hop":null},"backpatch":null}"#
        let row = try JSONDecoder().decode(SweepRow.self, from: Data(old.utf8))
        #expect(row.stages == nil && row.legacyStages)
        var a = try JSONDecoder().decode(SweepRow.self, from: Data(SweepReportFixture.lines[0].utf8))
        var b = try JSONDecoder().decode(SweepRow.self, from: Data(SweepReportFixture.lines[1].utf8))
        a.patchscope = PatchscopeSettings(layers: .grid)
        b.patchscope = PatchscopeSettings(layers: .diagonal, samples: 3, seed: 0, prompt: Patchscope.repeatTargetPrompt)
        let r = SweepReport(rows: [a, b, row])
        #expect(r.legacyStageRows == 1)
        #expect(r.patchscopeModes == ["diagonal, 3 samples (seeds 0–2), repeat prompt", "grid, greedy, description prompt"])
        let text = r.text()
        #expect(text.contains("warning: the rows' stages come from 2 Patchscope modes"))
        #expect(text.contains("warning: 1 row with stages from an older hopscope"))
        let one = SweepReport(rows: [a]).text()
        #expect(one.contains("Patchscopes: grid, greedy, description prompt"))
        // The mode round-trips through a row.
        let again = try JSONDecoder().decode(SweepRow.self, from: try b.jsonLine())
        #expect(again.patchscope == b.patchscope)
    }

    @Test func conflictingCopiesAreFlagged() throws {
        let a = try JSONDecoder().decode(SweepRow.self, from: Data(SweepReportFixture.lines[0].utf8))
        var b = a
        b.stages?.firstHop = 9
        #expect(SweepReport(rows: [a, b]).conflictingIDs == ["r1"])
    }

    @Test func readingNamesBadLinesAndSkipsATornTail() throws {
        let dir = TemporaryDirectory()
        let good = dir.path("good.jsonl"), torn = dir.path("torn.jsonl"), bad = dir.path("bad.jsonl")
        try (SweepReportFixture.lines.joined(separator: "\n") + "\n").write(toFile: good, atomically: true, encoding: .utf8)
        try (SweepReportFixture.lines[0] + "\n" + "{\"id\":\"r2\",\"hop").write(toFile: torn, atomically: true, encoding: .utf8)
        try (SweepReportFixture.lines[0] + "\n{\"nope\":1}\n").write(toFile: bad, atomically: true, encoding: .utf8)
        #expect(try SweepReport.read(paths: [good]).count == 11)
        var warnings: [String] = []
        #expect(try SweepReport.read(paths: [torn], warn: { warnings.append($0) }).count == 1)
        #expect(warnings.count == 1 && warnings[0].hasPrefix("\(torn):2:"))
        #expect(throws: AnalysisError.badQuery("\(bad):2: not a sweep row: missing key 'id'")) { try SweepReport.read(paths: [bad]) }
    }
}

/// Stages are computed for the queries whose two hops the model knows, unless asked for all.
@Suite(.serialized, .enabled(if: Shared.available, "needs the default model (make setup)"))
struct SweepStageSelectionTests {
    @Test func stagesOnlyWhereBothHopsAreKnown() throws {
        let model = try #require(Shared.model)
        // The model answers "The country of origin of Toyota is" with Japan, not Peru: hop 1 is wrong.
        let unknown = TwoHopQuery(id: "u", e1: "Toyota", r1: "country of origin", e2: "Peru", r2: "currency", e3: "Peruvian sol",
                                  e3Aliases: ["sol"])
        var options = Sweep.Options()
        options.backpatch = .none
        options.analyzer.patchscopeSettings.layers = .diagonal    // the grid is tested on synthetic models
        let known = try Sweep(model: model, options: options).run(unknown)
        #expect(known.evaluation?.hop1Correct == false)
        #expect(known.stages == nil)
        options.stagesFor = .all
        let all = try Sweep(model: model, options: options).run(unknown)
        #expect(all.stages != nil)
        #expect(all.evaluation == known.evaluation)
    }
}
