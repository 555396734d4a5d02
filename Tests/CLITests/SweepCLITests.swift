import Foundation
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// `hopscope evaluate` and `hopscope sweep` on the default model, end to end: shards, resume after
/// SIGKILL, bad query lines, unwritable and full outputs. Quick settings (no stages, no grids) except
/// one full row, so the whole suite runs in a couple of minutes. Serialized: the processes would
/// otherwise fight over two cores and the kill moments would mean little.
@Suite(.serialized, .enabled(if: CLI.modelAvailable, "needs a built hopscope and the default model")) struct SweepCLITests {
    static let quick = ["--no-stages", "--backpatch", "none"]

    /// Six showcase queries and their rows from one uninterrupted, unsharded quick sweep.
    static let reference: (dir: TemporaryDirectory, queries: String, rows: String)? = {
        let dir = TemporaryDirectory()
        let q = dir.path("q6.jsonl"), out = dir.path("reference.jsonl")
        guard (try? CLI.showcase(6, to: q)) != nil,
              let r = try? CLI.run(["sweep", "--model", CLI.model, q, "--out", out] + quick), r.status == 0 else { return nil }
        return (dir, q, out)
    }()

    func reference() throws -> (queries: String, rows: [String: NSDictionary]) {
        let ref = try #require(Self.reference)
        let rows = try CLI.rowsByID(ref.rows)
        #expect(rows.count == 6)
        return (ref.queries, rows)
    }

    @Test func shardsPartitionTheQueriesAndMergeToTheUnshardedRows() throws {
        let (queries, expected) = try reference()
        let dir = TemporaryDirectory()
        var seen: [String] = []
        var parts: [String] = []
        for i in 0..<4 {
            let out = dir.path("part-\(i).jsonl")
            let r = try CLI.run(["sweep", "--model", CLI.model, queries, "--out", out, "--shard", "\(i)/4"] + Self.quick)
            #expect(r.status == 0, "\(r.stderr)")
            let ids = try CLI.jsonLines(out).map { $0.object!["id"] as! String }
            // Shard i holds the queries at positions ≡ i (mod 4).
            #expect(ids.count == (i < 2 ? 2 : 1), "shard \(i): \(ids)")
            seen += ids
            parts.append(out)
        }
        #expect(seen.count == 6 && Set(seen) == Set(expected.keys))
        let merged = dir.path("merged.jsonl")
        let r = try CLI.run(["report", "--merged", merged, "--queries", queries, "--json"] + parts)
        #expect(r.status == 0, "\(r.stderr)")
        let got = try CLI.rowsByID(merged)
        #expect(got == expected)
        let o = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        #expect((o["missing_ids"] as? [String]) == [])
    }

    @Test func sigkillAtTwentyRandomMomentsThenResumeHasEveryQueryOnce() throws {
        let (queries, expected) = try reference()
        let dir = TemporaryDirectory()
        let out = dir.path("killed.jsonl")
        var generator = SystemRandomNumberGenerator()
        var progress: [Int] = []
        // Kill moments uniform in [0.1 s, window]: the window starts at 1.2 s (a load and part of a query)
        // and grows by half while no new row lands, so the 20 kills spread over the whole file (loading,
        // mid-query, around writes) whatever the machine's speed.
        var window = 1.2
        for _ in 0..<20 {
            let p = try CLI.start(["sweep", "--model", CLI.model, queries, "--out", out, "--resume"] + Self.quick)
            usleep(UInt32(Double.random(in: 0.1...window, using: &generator) * 1e6))
            kill(p.process.processIdentifier, SIGKILL)
            p.process.waitUntilExit()
            _ = p.result()
            // After every kill: whole lines only (a torn tail is allowed and cut off by the next resume).
            let lines = try CLI.jsonLines(out)
            for (i, l) in lines.enumerated() where i < lines.count - 1 {
                #expect(l.object != nil, "line \(i + 1) is not JSON: \(l.text)")
            }
            window = lines.count > (progress.last ?? 0) ? 1.2 : min(window * 1.5, 30)
            progress.append(lines.count)
        }
        let last = try CLI.run(["sweep", "--model", CLI.model, queries, "--out", out, "--resume"] + Self.quick)
        #expect(last.status == 0, "\(last.stderr)")
        let lines = try CLI.jsonLines(out)
        #expect(lines.allSatisfy { $0.object != nil }, "every line valid JSON")
        let ids = lines.compactMap { $0.object?["id"] as? String }
        #expect(ids.count == 6 && Set(ids).count == 6, "every query exactly once: \(ids)")
        #expect(try CLI.rowsByID(out) == expected)
        print("rows after each kill: \(progress)")
        // Done means done: a further resume has nothing to do and changes nothing.
        let before = try Data(contentsOf: URL(fileURLWithPath: out))
        let again = try CLI.run(["sweep", "--model", CLI.model, queries, "--out", out, "--resume"] + Self.quick)
        #expect(again.status == 0 && again.stderr.contains("nothing to do"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: out)) == before)
    }

    @Test func evaluateRowsMatchTheSweepsEvaluation() throws {
        let (queries, expected) = try reference()
        let r = try CLI.run(["evaluate", "--model", CLI.model, queries])
        #expect(r.status == 0, "\(r.stderr)")
        let rows = r.stdout.split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        #expect(rows.count == 6)
        for row in rows {
            let id = row["id"] as! String
            let sweep = try #require(expected[id])
            for key in ["hop1_correct", "hop2_correct", "composition_correct", "shortcut_entity_correct",
                        "shortcut_relation_correct", "composition_generation"] {
                #expect((row[key] as! NSObject) == (sweep[key] as! NSObject), "\(id) \(key)")
            }
        }
        #expect(r.stderr.contains("evaluate: of 6: hop1"))
    }

    @Test func malformedQueryLineStopsWithItsLineNumberUnlessSkipBad() throws {
        let dir = TemporaryDirectory()
        let good = try String(contentsOfFile: CLI.sample("showcase.jsonl"), encoding: .utf8).split(separator: "\n").map(String.init)
        let q = dir.path("q.jsonl"), out = dir.path("out.jsonl")
        try ([good[0], "{\"id\": \"x\", \"e1\": 3}", good[1]].joined(separator: "\n") + "\n").write(toFile: q, atomically: true, encoding: .utf8)
        let r = try CLI.run(["sweep", "--model", CLI.model, q, "--out", out] + Self.quick)
        #expect(r.status != 0)
        #expect(r.stderr.contains("\(q):2: "), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out), "no output before the queries check out")
        let s = try CLI.run(["sweep", "--model", CLI.model, q, "--out", out, "--skip-bad"] + Self.quick)
        #expect(s.status == 0, "\(s.stderr)")
        #expect(s.stderr.contains("\(q):2: ") && s.stderr.contains("skipped"))
        #expect(try CLI.jsonLines(out).map { $0.object?["id"] as? String } == [good[0], good[1]].map {
            (try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any])["id"] as? String
        })
    }

    @Test func unwritableOutputIsReportedAtStart() throws {
        let (queries, _) = try reference()
        let dir = TemporaryDirectory()
        for (out, message) in [("/nonexistent-dir/out.jsonl", "/nonexistent-dir/out.jsonl: cannot open for writing"),
                               (dir.url.path, "\(dir.url.path): is a directory")] {
            let t = Date()
            let r = try CLI.run(["sweep", "--model", CLI.model, queries, "--out", out] + Self.quick)
            #expect(r.status != 0)
            #expect(r.stderr.contains(message), "\(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1, "one line: \(r.stderr)")
            #expect(Date().timeIntervalSince(t) < 5, "fails before any query runs")
        }
        // An output that already has rows is not silently appended to.
        let out = dir.path("full.jsonl")
        try "{\"id\":\"a\"}\n".write(toFile: out, atomically: true, encoding: .utf8)
        let r = try CLI.run(["sweep", "--model", CLI.model, queries, "--out", out] + Self.quick)
        #expect(r.status != 0 && r.stderr.contains("already has 1 row; pass --resume"))
    }

    /// A full disk, simulated with a file size limit (writes past it fail with EFBIG, like ENOSPC):
    /// the sweep stops at the failing write naming the file, and the rows before it stay whole.
    @Test func fullDiskStopsAtTheFailingWriteWithoutCorruptingEarlierRows() throws {
        let (queries, expected) = try reference()
        let dir = TemporaryDirectory()
        let out = dir.path("out.jsonl")
        let r = try CLI.shell("trap '' XFSZ; ulimit -f 2; exec \"$HOPSCOPE\" sweep --model '\(CLI.model)' '\(queries)' --out '\(out)' --no-stages --backpatch none")
        #expect(r.status != 0)
        #expect(r.stderr.contains("\(out): write failed after"), "\(r.stderr)")
        #expect(r.stderr.contains("File too large"), "\(r.stderr)")
        let text = try String(contentsOfFile: out, encoding: .utf8)
        #expect(text.isEmpty || text.hasSuffix("\n"))
        let lines = try CLI.jsonLines(out)
        #expect(lines.count >= 1 && lines.count < 6)
        for l in lines {
            let o = try #require(l.object)
            #expect(o == expected[o["id"] as! String], "row intact")
        }
        // With room again, --resume finishes the file.
        let resumed = try CLI.run(["sweep", "--model", CLI.model, queries, "--out", out, "--resume"] + Self.quick)
        #expect(resumed.status == 0)
        #expect(try CLI.rowsByID(out) == expected)
    }

    @Test func concurrentSweepsOnOneOutputAreRefused() throws {
        let (queries, _) = try reference()
        let dir = TemporaryDirectory()
        let out = dir.path("out.jsonl")
        let first = try CLI.start(["sweep", "--model", CLI.model, queries, "--out", out] + Self.quick)
        usleep(300_000)
        let second = try CLI.run(["sweep", "--model", CLI.model, queries, "--out", out, "--resume"] + Self.quick)
        first.process.waitUntilExit()
        #expect(first.result().status == 0)
        #expect(second.status != 0 && second.stderr.contains("in use by another running sweep"), "\(second.stderr)")
    }

    /// Nothing but the summary when stderr is a file.
    @Test func noProgressBarInAFile() throws {
        let dir = TemporaryDirectory()
        let q = dir.path("q.jsonl")
        try CLI.showcase(2, to: q)
        let quiet = try CLI.run(["sweep", "--model", CLI.model, q, "--out", dir.path("a.jsonl")] + Self.quick)
        #expect(quiet.status == 0)
        #expect(!quiet.stderr.contains("\u{1B}") && !quiet.stderr.contains("\r") && !quiet.stderr.contains("ETA"))
        #expect(quiet.stderr.split(separator: "\n").count == 1 && quiet.stderr.hasPrefix("sweep: 2 rows written to"))
    }

    /// A progress bar with an ETA on a terminal (here a pseudo-terminal from `script`).
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "needs /usr/bin/script (util-linux) for a pseudo-terminal"))
    func progressBarOnATerminal() throws {
        let dir = TemporaryDirectory()
        let q = dir.path("q.jsonl")
        try CLI.showcase(2, to: q)
        let tty = try CLI.shell("/usr/bin/script -qec \"$HOPSCOPE sweep --model '\(CLI.model)' '\(q)' --out '\(dir.path("b.jsonl"))' --no-stages --backpatch none\" /dev/null")
        #expect(tty.status == 0, "\(tty.stdout)\(tty.stderr)")
        #expect(tty.stdout.contains("\r\u{1B}[Ksweep [") && tty.stdout.contains("ETA"), "\(tty.stdout.debugDescription)")
        #expect(tty.stdout.contains("showcase-toyota-capital"))
    }

    /// One complete row (stages and both grids, the fast metric) has every field of DESIGN §3.
    @Test func fullRowHasStagesAndBothGrids() throws {
        let dir = TemporaryDirectory()
        let q = dir.path("q.jsonl"), out = dir.path("out.jsonl")
        try CLI.showcase(1, to: q)     // Toyota currency: both hops known, composition wrong
        // The diagonal Patchscopes: the sweep's default full grid takes minutes on SmolLM2 (it is tested
        // on a synthetic model in AnalysisTests).
        let r = try CLI.run(["sweep", "--model", CLI.model, q, "--out", out, "--grid-metric", "first-token",
                             "--patchscope-layers", "diagonal"])
        #expect(r.status == 0, "\(r.stderr)")
        let row = try #require(try CLI.jsonLines(out).first?.object)
        #expect(row["composition_correct"] as? Bool == false)
        let stages = try #require(row["stages"] as? [String: Any])
        #expect(Set(stages.keys) == ["first_hop", "info_propagation", "info_propagation_parts", "second_hop", "prediction_extracted"])
        #expect(Set(((stages["info_propagation_parts"] as? [String: Any]) ?? [:]).keys) == ["knockout", "attention", "patchscope"])
        // The Patchscope mode is recorded in the row.
        let mode = try #require(row["patchscope"] as? [String: Any])
        #expect(mode["layers"] as? String == "diagonal" && mode["samples"] as? Int == 0 && mode["prompt"] as? String == "description")
        let bp = try #require(row["backpatch"] as? [String: [String: Any]])
        for p in ["t1", "t2"] {
            let g = try #require(bp[p])
            #expect(g["cells"] as? Int == 435 && g["layers"] as? Int == 30 && g["metric"] as? String == "first-token")
            let cells = try #require(g["cells_correct"] as? [[Int]])
            #expect((g["fixed"] as? Bool) == !cells.isEmpty)
            #expect(cells.allSatisfy { $0.count == 2 && $0[0] > $0[1] && $0[1] >= 0 && $0[0] < 30 })
        }
    }
}
