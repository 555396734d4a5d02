// The explorer on the real default model: ModelBackend's mapping, the tmux end-to-end run, transcripts.
// Skipped when the default model is not installed (`make setup`).
import Analysis
import Foundation
import Model
import Testing
@testable import Explorer
import TestSupport

enum RealModel {
    static let path = ModelPaths.resolve(nil)
    static var available: Bool { TestModels.available(path) }
    static let skipReason: Comment = "needs the default model (make setup)"
    static let toyota = "The currency of the country of origin of Toyota is"
    /// The explorer's opening query (sample-queries/opening.json).
    static let frankfurt = "The currency of the country of Frankfurt is"
    /// One backend for the whole suite (loading is the slow part); a failure to load fails each test
    /// that asks, naming the file, rather than crashing the test process.
    private static let loadedBackend = Result { try ModelBackend.load(path: path) }
    static var backend: ModelBackend { get throws { try loadedBackend.get() } }
    /// The Toyota analysis, computed once.
    private static let toyotaResult = Result { try loadedBackend.get().analyze(query: toyota) }
    static var toyotaAnalysis: AnalysisViewModel { get throws { try toyotaResult.get() } }
}

@Suite(.serialized, .enabled(if: RealModel.available, RealModel.skipReason))
struct ModelBackendTests {
    // MARK: Mapping

    @Test func showcaseQueryComesFirstWithAllItsFields() throws {
        let b = try RealModel.backend
        let first = try #require(b.sampleQueries().first)
        #expect(first.query == RealModel.frankfurt, "sample-queries/opening.json")
        let q = try b.resolve(RealModel.toyota)
        #expect(q.e2 == "Japan" && q.e3Aliases.contains("yen") && q.hop1 == "The country of origin of Toyota is")
        #expect(b.warnings.isEmpty, "the repository's sample files are well-formed: \(b.warnings)")
    }

    @Test func layerRowsAreEmbeddingPlusEveryBlock() throws {
        let a = try RealModel.toyotaAnalysis
        let L = try RealModel.backend.session.model.config.layers
        #expect(a.rows.count == L + 1)
        #expect(a.rows[0].layer == nil)
        #expect(a.rows.dropFirst().map(\.layer) == (0..<L).map { $0 })
        #expect(a.t1 == 8 && a.t2 == 9)
        #expect(a.tokens[a.t1] == " Toyota")
        // Every block row is complete: ranks, Patchscope, knockout.
        for r in a.rows.dropFirst() {
            #expect(r.e2AtT1 != nil && r.e3AtT2 != nil && r.patchscope != nil && r.knockout != nil, "layer \(r.label)")
        }
        // The entity line: the hops are right, the composition wrong (DESIGN §5).
        #expect(a.hop1?.correct == true)
        #expect(a.hop2?.correct == true)
        #expect(a.composition?.correct == false)
        #expect(a.composition?.generation.contains("Toyota") == true)
        // The detail: top-20 lens at every row × position, attention over 0…t2 summing to 1.
        let d = try #require(a.detail)
        #expect(d.lens.count == L + 1 && d.lens[5].count == a.tokens.count && d.lens[5][a.t2].count == 20)
        #expect(d.attentionT2[0].isEmpty)
        #expect(d.attentionT2[10].count == a.t2 + 1)
        #expect(abs(d.attentionT2[10].reduce(0, +) - 1) < 1e-3)
    }

    @Test func theExplorersAnalysisLeavesTheDetailForAfterwards() throws {
        // The path the app takes: the analysis without its detail (marked pending), then `layerDetail`,
        // which is what the one-call `analyze(query:)` attaches.
        let b = try RealModel.backend
        let a = try b.analyze(query: RealModel.toyota, cancellation: Cancellation(), progress: { _, _ in }, partial: { _ in })
        #expect(a.detail == nil && a.detailPending == true)
        let d = try #require(try b.layerDetail(query: RealModel.toyota, cancellation: Cancellation()))
        #expect(d == (try RealModel.toyotaAnalysis).detail)
        #expect(a.rows == (try RealModel.toyotaAnalysis).rows)
        // Only the analysis returned last can be detailed; a cancelled detail stops.
        #expect(throws: BackendError.self) { try b.layerDetail(query: RealModel.frankfurt, cancellation: Cancellation()) }
        let c = Cancellation(); c.cancel()
        #expect(throws: BackendError.self) { try b.layerDetail(query: RealModel.toyota, cancellation: c) }
    }

    @Test func rowsMatchTheAnalyzerAndStagesSitWhereAnalysisPutsThem() throws {
        let b = try RealModel.backend
        let q = try b.resolve(RealModel.toyota)
        let raw = try Analyzer(model: b.session.model).run(q)
        let a = try RealModel.toyotaAnalysis
        for l in raw.layers {
            let r = a.rows[l.layer + 1]
            #expect(r.e2AtT1 == RankProb(rank: l.e2RankT1, prob: Double(l.e2ProbT1)))
            #expect(r.e3AtT2 == RankProb(rank: l.e3RankT2, prob: Double(l.e3ProbT2)))
            #expect(r.lensT2 == l.lensT2.first?.piece)
            #expect(r.patchscope?.decoded.rawValue == l.patchscopeT1?.decoded.rawValue)
        }
        func layers(_ s: Stage) -> [Int] { a.rows.filter { $0.stages.contains(s) }.compactMap(\.layer) }
        #expect(layers(.firstHop) == [raw.stages.firstHop].compactMap { $0 })
        // Information propagation is a mean of three layers: its marker sits on the layer it falls in.
        #expect(layers(.propagated) == [raw.stages.infoPropagation.map { Int($0.rounded(.down)) }].compactMap { $0 })
        #expect(layers(.secondHop) == [raw.stages.secondHop].compactMap { $0 })
        #expect(layers(.predictionExtracted) == [raw.stages.predictionExtracted].compactMap { $0 })
        for l in raw.layers {
            #expect(a.rows[l.layer + 1].patchscopeT2?.text == l.patchscopeT2?.generation)
        }
        // docs/methods.md: on SmolLM2 the Toyota currency query never decodes Japan from t1 (no ①).
        #expect(a.layer(of: .firstHop) == nil)
    }

    @Test func backPatchCellEqualsBackPatcherCell() throws {
        let b = try RealModel.backend
        let q = try b.resolve(RealModel.toyota)
        let patcher = try BackPatcher(model: b.session.model,
                                      problem: try BackPatchProblem(model: b.session.model, query: q.query, e1: q.e1, e3: q.e3Answer))
        let r = try b.backPatch(query: RealModel.toyota, position: .t2, source: 20, target: 5)
        let c = try patcher.cell(.t2, source: 20, target: 5)
        #expect(r.generation == c.generation)
        #expect(r.correct == c.correct)
        #expect(r.rankAfter == c.answerRank)
        #expect(abs(r.probAfter - Double(c.answerProb)) < 1e-6)
        #expect(abs(r.probBefore - Double(patcher.baseAnswer.prob)) < 1e-6)
    }

    @Test func gridReportsEveryCellAndStopsWhenCancelled() throws {
        let b = try RealModel.backend
        let cancel = Cancellation()
        let seen = Box<[BackPatchResult]>([])
        try b.grid(GridRequest(query: RealModel.toyota, position: .t1, metric: .firstToken), cancellation: cancel) { c in
            seen.value.append(c)
            if seen.value.count >= 40 { cancel.cancel() }
        }
        // Cancellation is noticed after the batch in flight (32 cells) and the next one.
        #expect(seen.value.count >= 40 && seen.value.count < 435)
        #expect(seen.value.allSatisfy { $0.source > $0.target && $0.position == .t1 })
    }

    // MARK: Errors

    @Test func errorsAreOneLineMessages() throws {
        let b = try RealModel.backend
        #expect(throws: BackendError.self) { try b.analyze(query: "The capital of France is | Germany | Berlin | Berlin") }
        do { _ = try b.analyze(query: "The capital of France is | Germany | Berlin | Berlin") } catch {
            #expect("\(error)".contains("does not occur") && !"\(error)".contains("\n"))
        }
        do { _ = try b.analyze(query: "Some free text that is no sample") } catch {
            #expect("\(error)".contains("no entity found") && "\(error)".contains("type e1"))
        }
    }

    @Test func missingEntitiesAreTheModelsHopAnswers() throws {
        let b = try RealModel.backend
        let q = try b.resolve("The capital of the country of origin of Toyota is | Toyota")
        #expect(q.r1 == "country of origin" && q.r2 == "capital")
        #expect(q.e2 == "Japan")
        #expect(q.hop2 == "The capital of Japan is" && !q.e3.isEmpty)
        #expect(throws: BackendError.self) { try b.resolve("Where Toyota comes from is | Toyota") }
    }

    @Test func freeQueriesNameTheirEntitiesAndAreRemembered() throws {
        let b = try RealModel.backend
        let q = try b.resolve("The capital of the home country of Sony is | Sony | Japan | Tokyo")
        #expect(q.e1 == "Sony" && q.e3 == "Tokyo" && q.hop1 == "The home country of Sony is")
        #expect(try b.resolve("The capital of the home country of Sony is") == q)
    }
}

// MARK: The sample files

@Suite struct SampleQueryFileTests {
    @Test func malformedLinesAreSkippedWithFileAndLine() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hs-samples-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = #"{"id":"a","e1":"Toyota","r1":"country of origin","e2":"Japan","r2":"capital","e3":"Tokyo"}"#
        try [good, "{not json", #"{"id":"b","e1":"x","e2":"y"}"#, ""].joined(separator: "\n")
            .write(to: dir.appendingPathComponent("mine.jsonl"), atomically: true, encoding: .utf8)
        try good.replacingOccurrences(of: "\"a\"", with: "\"s\"")
            .write(to: dir.appendingPathComponent("showcase.jsonl"), atomically: true, encoding: .utf8)
        let (queries, warnings) = SampleQueryFiles.load(folder: dir.path)
        #expect(queries.map(\.id) == ["s"], "showcase first; the same prompt only once")
        // opening.json moves its query to the front (the explorer opens on it).
        let other = #"{"id":"c","e1":"Sony","r1":"country of origin","e2":"Japan","r2":"capital","e3":"Tokyo"}"#
        try other.write(to: dir.appendingPathComponent("zz.jsonl"), atomically: true, encoding: .utf8)
        try #"{"id":"c","why":"test"}"#.write(to: dir.appendingPathComponent("opening.json"), atomically: true, encoding: .utf8)
        #expect(SampleQueryFiles.load(folder: dir.path).queries.map(\.id) == ["c", "s"])
        try FileManager.default.removeItem(at: dir.appendingPathComponent("zz.jsonl"))
        try FileManager.default.removeItem(at: dir.appendingPathComponent("opening.json"))
        #expect(queries[0].query == "The capital of the country of origin of Toyota is")
        #expect(warnings.count == 2)
        #expect(warnings[0].hasSuffix("mine.jsonl:2: skipped a malformed query (not JSON)"))
        #expect(warnings[1].contains("mine.jsonl:3:") && warnings[1].contains("missing \"e3\""))
    }

    @Test func theRepositoryFolderIsFound() throws {
        let folder = try #require(SampleQueryFiles.folder(environment: [:]))
        let (queries, warnings) = SampleQueryFiles.load(folder: folder)
        #expect(queries.count > 100 && warnings.isEmpty)
        // The opening query chosen by scripts/queries/stage_showcase.py, then the showcase in file order.
        #expect(queries[0].id == SampleQueryFiles.openingID(folder: folder))
        #expect(queries[1].id == "showcase-toyota-currency")
    }
}

// MARK: End to end on the real model

@Suite(.serialized, .enabled(if: E2E.available && RealModel.available, "needs tmux, a built hopscope and the default model"))
struct RealModelEndToEndTests {
    /// Polls until the grid counter reaches at least `n` cells; returns the screen.
    func gridDone(_ t: TmuxSession, atLeast n: Int, timeout: Double) -> String {
        t.wait(timeout: timeout, "grid at \(n) cells") { scr in
            guard let r = scr.range(of: #"grid t2: (\d+)/435"#, options: .regularExpression) else { return false }
            return (Int(scr[r].dropFirst(9).prefix { $0.isNumber }) ?? 0) >= n
        }
    }

    @Test func toyotaLayersHelpBackPatchGridCancelResizeQuit() throws {
        // The Toyota query by name: the explorer opens on sample-queries/opening.json's query otherwise.
        let t = try TmuxSession(cols: 200, rows: 60, args: "--transcript TRANSCRIPT --query '\(RealModel.toyota)'", demo: false)
        defer { t.close() }
        // The analysis fills every row (lens, Patchscope, knockout) within two minutes on a slow machine.
        var s = t.wait(timeout: 180, "the analysis") { $0.contains("analyzed:") }
        #expect(s.contains("SmolLM2-135M-Instruct Q4_1 · 30 layers"))
        #expect(s.contains("(hop1 ✓)") || s.contains("hop1 \" Japan"))
        #expect(s.contains("two-hop") && s.contains("✗"))
        #expect(s.contains("emb "))
        for l in 0..<30 { #expect(s.contains("│" + String(repeating: " ", count: 4 - String(l).count) + "\(l) "), "row \(l)") }
        #expect(s.contains("② info ▸"))
        #expect(s.contains("Toyota = e1"))

        // Step layers and open the detail: top-20 lens and attention. They are computed after
        // "analyzed" (the row's record shows with "computing …" until they come), so wait for them.
        try t.keys("j", "j", "j", "Enter")
        s = t.wait(timeout: 60, "the lens detail") { $0.contains("┌ layer 2 ") && $0.contains("lens top-20") }
        #expect(s.contains("lens top-20") && s.contains("attention t2 → token"))
        #expect(!s.contains("computing …"))
        try t.keys("Left")
        t.wait(for: "lens at 8 \"Toyota\" (t1)")
        try t.keys("Escape")
        t.wait(timeout: 5, "detail closed") { !$0.contains("lens top-20") }

        // Help.
        try t.keys("?")
        t.wait(for: "mark source / target")
        try t.keys("Escape")
        t.wait(timeout: 5, "help closed") { !$0.contains("┌ keys ") }

        // Back-patch ℓ20 → ℓ5 at t2 (G = layer 29, 9 up = 20; g = embedding row, 6 down = layer 5).
        try t.keys("G", "k", "k", "k", "k", "k", "k", "k", "k", "k", "s")
        t.wait(for: "source ℓ20")
        try t.keys("g", "j", "j", "j", "j", "j", "j", "t")
        t.wait(for: "target ℓ5")
        try t.keys("b")
        s = t.wait(timeout: 60, "back-patch result") { $0.contains("back-patch t2 ℓ20→ℓ5: ") }
        let expected = try RealModel.backend.backPatch(query: RealModel.toyota, position: .t2, source: 20, target: 5)
        #expect(s.contains(String(expected.generation.prefix(12))), "generation \(expected.generation) on screen")

        // Grid: fills, Esc stops it, nothing arrives after.
        try t.keys("x")
        s = gridDone(t, atLeast: 32, timeout: 120)
        #expect(s.contains("back-patch grid · position t2"))
        try t.keys("Escape")
        s = t.wait(timeout: 30, "grid stopped") { $0.contains("stopped") }
        Thread.sleep(forTimeInterval: 2)
        func counter() -> String? { let scr = t.screen(); return scr.range(of: #"\d+/435"#, options: .regularExpression).map { String(scr[$0]) } }
        let a = counter()
        Thread.sleep(forTimeInterval: 2)
        let b2 = counter()
        #expect(a == b2, "no cells after the stop")
        try t.keys("Escape")
        t.wait(for: "┌ layers ")

        // Resize: small, then large again.
        try t.resize(80, 24)
        s = t.wait(timeout: 10, "80×24 layout") { $0.contains("hopscope") && !$0.contains("┌ back-patch ") }
        #expect(!s.contains("too small"))
        try t.resize(200, 60)
        t.wait(for: "┌ back-patch ")

        try t.keys("q")
        let (exit, before, after) = t.waitForExit(timeout: 20)
        #expect(exit == "0")
        #expect(before != nil && before == after, "stty -g restored")
        // The transcript: every line JSON, the session first, the end last.
        let lines = (t.file("transcript.jsonl") ?? "").split(separator: "\n")
        #expect(lines.count > 20)
        let objs = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(objs.count == lines.count)
        #expect(objs.first?["type"] as? String == "session" && objs.last?["type"] as? String == "end")
        #expect(objs.contains { ($0["result"] as? [String: Any])?["kind"] as? String == "analysis" })
        #expect(objs.contains { ($0["result"] as? [String: Any])?["kind"] as? String == "backpatch" })
    }

    @Test func transcriptSurvivesKill9() throws {
        let t = try TmuxSession(cols: 120, rows: 40, args: "--transcript TRANSCRIPT --query '\(RealModel.toyota)'", demo: false)
        defer { t.close() }
        t.wait(timeout: 180, "partial analysis") { $0.contains("Toyota = e1") || $0.contains("analyzed:") }
        try t.keys("j", "j", "x")
        Thread.sleep(forTimeInterval: 1)
        let pid = try #require(try t.explorerPID())
        kill(pid, SIGKILL)
        _ = t.waitForExit(timeout: 20)
        let text = try #require(t.file("transcript.jsonl"))
        #expect(text.hasSuffix("\n"), "the last event is complete")
        let lines = text.split(separator: "\n")
        #expect(lines.count >= 4)
        for l in lines { #expect((try? JSONSerialization.jsonObject(with: Data(l.utf8))) != nil, "valid JSON: \(l.prefix(80))") }
        #expect(lines.contains { $0.contains(#""key":"x""#) })
        // And it replays (reading stops cleanly; no end line is needed).
        let back = try Transcript(path: t.dir.appendingPathComponent("transcript.jsonl").path)
        #expect(back.session.query == RealModel.toyota)
    }
}

// MARK: Replay

@Suite(.serialized, .enabled(if: E2E.available, E2E.skipReason))
struct ReplayEndToEndTests {
    @Test func aRecordedDemoSessionReplaysWithoutAModel() throws {
        // Record: a demo session with one back-patch, then q.
        let rec = try TmuxSession(cols: 120, rows: 40, args: "--transcript TRANSCRIPT")
        defer { rec.close() }
        rec.wait(for: "analyzed:")
        try rec.keys("G", "k", "k", "k", "k", "k", "k", "k", "k", "k", "s")
        rec.wait(for: "source ℓ20")
        try rec.keys("g", "j", "j", "j", "j", "j", "j", "t", "b")
        rec.wait(for: "✓ correct")
        try rec.keys("q")
        _ = rec.waitForExit()
        let path = rec.dir.appendingPathComponent("transcript.jsonl").path
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("hs-replay-\(getpid()).jsonl").path
        try? FileManager.default.removeItem(atPath: copy)
        try FileManager.default.copyItem(atPath: path, toPath: copy)
        defer { try? FileManager.default.removeItem(atPath: copy) }

        // Replay at 2× speed: the same screens; the recorded q is not replayed, the last screen stays.
        let play = try TmuxSession(cols: 120, rows: 40, args: "'\(copy)' --speed 2", demo: false, command: "replay")
        defer { play.close() }
        let s = play.wait(for: "replay finished", timeout: 30)
        #expect(s.contains("(replay)"))
        #expect(s.contains("✓ correct"))
        #expect(s.contains("source     ℓ20"))
        try play.keys("q")
        let (exit, before, after) = play.waitForExit(timeout: 30)
        #expect(exit == "0")
        #expect(before == after)
    }
}
