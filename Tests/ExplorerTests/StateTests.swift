import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import Explorer

@Suite struct StateTests {
    @Test func movementStaysInTheTable() {
        var s = Fixture.state()
        _ = s.handle(.char("k"))
        #expect(s.layer.selectedRow == 0)
        _ = s.handle(.char("G"))
        #expect(s.layer.selectedRow == 30)
        #expect(s.layer.selectedLayer == 29)
        _ = s.handle(.down)
        #expect(s.layer.selectedRow == 30)
        _ = s.handle(.char("g"))
        #expect(s.layer.selectedLayer == nil, "the embedding row")
        s.pageSize = 10
        _ = s.handle(.pageDown)
        #expect(s.layer.selectedRow == 9)
        _ = s.handle(.pageUp)
        #expect(s.layer.selectedRow == 0)
    }

    @Test func markingAndRunningABackPatch() {
        var s = Fixture.state()
        _ = s.handle(.char("s"))
        #expect(s.statusIsWarning, "the embedding row cannot be marked")
        s.layer.selectedRow = 21
        _ = s.handle(.char("s"))
        s.layer.selectedRow = 6
        _ = s.handle(.char("t"))
        #expect(s.layer.panel.source == 20 && s.layer.panel.target == 5)
        let fx = s.handle(.char("b"))
        #expect(fx.first == .backPatch(query: Fixture.query, position: .t2, source: 20, target: 5))
        #expect(s.layer.panel.running)
        #expect(s.handle(.char("b")).isEmpty, "one at a time")
    }

    @Test func backPatchNeedsSourceAfterTarget() {
        var s = Fixture.state()
        #expect(s.handle(.char("b")).isEmpty)
        #expect(s.status.contains("mark a source"))
        s.layer.panel.source = 3; s.layer.panel.target = 7
        #expect(s.handle(.char("b")).isEmpty)
        #expect(s.status.contains("later than the target"))
    }

    @Test func positionToggles() {
        var s = Fixture.state()
        _ = s.handle(.char("p"))
        #expect(s.layer.panel.position == .t1)
        _ = s.handle(.char("p"))
        #expect(s.layer.panel.position == .t2)
    }

    @Test func gridStartsCancelsAndGoesBack() {
        var s = Fixture.state()
        let fx = s.handle(.char("x"))
        #expect(s.screen == .grid)
        #expect(fx.contains { if case .startGrid(let r, id: 1) = $0 { r.position == .t2 } else { false } })
        #expect(s.grid?.running == true)
        #expect(s.handle(.escape).contains(.cancelGrid))
        #expect(s.grid?.cancelled == true)
        #expect(s.screen == .grid, "first Esc stops, second goes back")
        _ = s.handle(.escape)
        #expect(s.screen == .layers)
    }

    @Test func staleGridCellsAreIgnored() {
        var s = Fixture.state()
        _ = s.handle(.char("x"))
        _ = s.handle(.char("r"))          // restart: id 2
        let cell = Fixture.backend.cell(.t2, 20, 5, e3: "yen")
        s.apply(.gridCell(cell, id: 1), now: 0)
        #expect(s.grid?.done == 0)
        s.apply(.gridCell(cell, id: 2), now: 0)
        #expect(s.grid?.done == 1)
    }

    @Test func gridCursorStaysBelowTheDiagonal() {
        var s = Fixture.gridState()
        for _ in 0..<40 { _ = s.handle(.char("l")) }
        #expect(s.grid!.cursorTarget == s.grid!.cursorSource - 1)
        for _ in 0..<40 { _ = s.handle(.char("j")) }
        #expect(s.grid!.cursorSource == 1)
        #expect(s.grid!.cursorTarget == 0)
    }

    @Test func enterOnAGridCellShowsItInTheLayerView() {
        var s = Fixture.gridState()
        s.grid!.cursorSource = 20; s.grid!.cursorTarget = 5
        let fx = s.handle(.enter)
        #expect(fx.isEmpty, "already computed: no new run")
        #expect(s.screen == .layers)
        #expect(s.layer.panel.source == 20 && s.layer.panel.target == 5)
        #expect(s.layer.panel.result?.source == 20)
        #expect(s.layer.selectedLayer == 20)
    }

    @Test func theQueryFormAnalyzesOnEnterAndEscRestores() {
        var s = Fixture.state()
        _ = s.handle(.char("e"))
        #expect(s.overlay == .queryForm)
        _ = s.handle(.char("q"))                 // typed, not quit: it replaces the current query
        #expect(s.form?.text(.prompt) == "q")
        _ = s.handle(.escape)
        #expect(s.layer.query.text == Fixture.query)
        _ = s.handle(.char("e"))
        _ = s.handle(.ctrl("u"))
        for ch in "The capital of the country of origin of Sony is" { _ = s.handle(.char(ch)) }
        let fx = s.handle(.enter)
        #expect(fx.first?.analyzedQuery == "The capital of the country of origin of Sony is | Sony")
        #expect(s.layer.analyzing)
    }

    @Test func commands() {
        var s = Fixture.state()
        #expect(s.runCommand("quit") == [.quit])
        #expect(s.runCommand("q") == [.quit])
        #expect(s.runCommand("theme high-contrast") == [.setTheme("high-contrast")])
        _ = s.runCommand("source 20"); _ = s.runCommand("target 4")
        #expect(s.layer.panel.source == 20 && s.layer.panel.target == 4)
        _ = s.runCommand("position t1")
        #expect(s.layer.panel.position == .t1)
        _ = s.runCommand("layer 12")
        #expect(s.layer.selectedLayer == 12)
        _ = s.runCommand("frobnicate")
        #expect(s.statusIsWarning && s.status.contains("unknown command"))
        _ = s.runCommand("source 99")
        #expect(s.status.contains("usage"))
        #expect(s.runCommand("query The capital of France is").first?.analyzedQuery == "The capital of France is")
    }

    @Test func exportInTheLayerViewWritesTheLayerCurves() throws {
        var empty = ExplorerState(model: Fixture.backend.model, query: Fixture.query)
        #expect(empty.runCommand("export g.svg").isEmpty)
        #expect(empty.statusIsWarning)
        var s = Fixture.state()
        #expect(s.runCommand("export g.svg") == [.exportLayers(path: "g.svg")])
        #expect(s.runCommand("export") == [.exportLayers(path: "layers.svg")])
        let svg = s.layer.analysis!.svg(title: "a <test> & more")
        let doc = try XMLDocument(xmlString: svg)
        #expect(doc.rootElement()?.name == "svg")
        #expect(svg.components(separatedBy: "<polyline").count - 1 == 2)
        #expect(svg.contains("1 hop 1") && svg.contains("3 hop 2"))
    }

    @Test func recordAndModelCommands() {
        var s = Fixture.state()
        #expect(s.runCommand("record on t.jsonl") == [.record(true, path: "t.jsonl")])
        #expect(s.runCommand("record on") == [.record(true, path: nil)])
        #expect(s.runCommand("record off") == [.record(false, path: nil)])
        #expect(s.runCommand("record").isEmpty && s.statusIsWarning)
        #expect(s.runCommand("model /no/such/file.gguf").isEmpty && s.status.contains("no file"))
        let fx = s.modelLoaded(ModelSummary(name: "other", layers: 12, dim: 64), samples: [])
        #expect(s.layer.model.layers == 12 && s.layer.analysis == nil && s.grid == nil)
        #expect(fx.contains { $0.analyzedQuery == Fixture.query })
    }

    @Test func sampleBrowserSearchesAsYouType() {
        var s = Fixture.state()
        _ = s.handle(.char("/"))
        for c in "sushi" { _ = s.handle(.char(c)) }
        #expect(s.filteredSamples.map(\.id) == ["sushi-capital"])
        #expect(Fixture.render(s, 80, 24).grid.text.contains("search sushi"))
        _ = s.handle(.backspace)
        #expect(s.sampleFilter == "sush")
        let fx = s.handle(.enter)
        #expect(fx.contains { $0.analyzedQuery == "The capital of the country of origin of sushi is" })
    }

    @Test func aDetailThatComesAfterTheAnalysisShowsWhenItArrives() throws {
        // The model backend's analyses come without their layer detail, which follows as its own event.
        var s = ExplorerState(model: Fixture.backend.model, query: Fixture.query, samples: Fixture.backend.sampleQueries())
        _ = s.analyzeCurrentQuery()
        let full = try Fixture.backend.analyze(query: Fixture.query)
        var detail = AnalysisDetail()
        detail.lens = full.rows.map { _ in full.tokens.map { _ in [TokenProb(piece: " Japan", prob: 0.5)] } }
        detail.attentionT2 = [[]] + full.rows.dropFirst().map { _ in (0...full.t2).map { _ in 1 / Double(full.t2 + 1) } }
        var pending = full
        pending.detail = nil
        pending.detailPending = true
        s.apply(.analysis(pending, id: s.analysisID), now: 0)
        s.layer.selectedRow = 3
        _ = s.handle(.enter)
        #expect(s.overlay == .detail)
        var text = Fixture.render(s, 100, 30).grid.text
        #expect(text.contains("computing …") && !text.contains("lens top-20"))
        // A detail for another analysis is not this one's.
        s.apply(.detail(detail, id: s.analysisID + 1), now: 1)
        #expect(s.layer.analysis?.detailPending == true)
        s.apply(.detail(detail, id: s.analysisID), now: 1)
        #expect(s.layer.analysis?.detailPending == nil && s.layer.analysis?.detail == detail)
        text = Fixture.render(s, 100, 30).grid.text
        #expect(text.contains("lens top-20") && !text.contains("computing …"))
        // A failed detail says so and leaves the row's own record.
        s.apply(.analysis(pending, id: s.analysisID), now: 2)
        s.apply(.detailFailed("out of memory", id: s.analysisID), now: 2)
        #expect(s.layer.analysis?.detailPending == nil)
        #expect(s.status.contains("layer detail failed: out of memory"))
        // Both events survive a transcript (followers and replays get the detail too).
        for e in [BackendEvent.detail(detail, id: 7), .detailFailed("why", id: 8)] {
            let line = try JSONEncoder().encode(TranscriptResult(e))
            let back = try JSONDecoder().decode(TranscriptResult.self, from: line).event
            switch (e, back) {
            case (.detail(let a, 7), .detail(let b, 7)?): #expect(a == b)
            case (.detailFailed("why", 8), .detailFailed("why", 8)?): break
            default: Issue.record("\(e) came back as \(String(describing: back))")
            }
        }
    }

    @Test func detailMovesBetweenPositionsAndLayers() {
        var s = Fixture.state()
        s.layer.selectedRow = 3
        _ = s.handle(.enter)
        #expect(s.overlay == .detail)
        _ = s.handle(.left)
        #expect(s.detailPosition == s.layer.analysis!.t2 - 1)
        _ = s.handle(.char("j"))
        #expect(s.layer.selectedRow == 4 && s.overlay == .detail)
        _ = s.handle(.escape)
        #expect(s.overlay == nil)
    }

    @Test func exportNeedsAGridAndWritesValidSVG() throws {
        let s0 = Fixture.state()
        var s = s0
        s.screen = .grid
        #expect(s.runCommand("export g.svg").isEmpty)
        #expect(s.statusIsWarning)
        s = Fixture.gridState()
        #expect(s.runCommand("export out.svg") == [.exportGrid(path: "out.svg")])
        #expect(s.runCommand("export") == [.exportGrid(path: "grid.svg")])
        let svg = s.grid!.svg(title: "a <test> & more")
        let doc = try XMLDocument(xmlString: svg)
        #expect(doc.rootElement()?.name == "svg")
        #expect(svg.components(separatedBy: "<rect x=").count - 1 == 435)
        #expect(svg.contains("a &lt;test&gt; &amp; more"))
    }

    @Test func quitKeys() {
        var s = Fixture.state()
        #expect(s.handle(.char("q")) == [.quit])
        #expect(s.handle(.ctrl("c")) == [.quit])
        _ = s.handle(.char("?"))
        #expect(s.handle(.char("q")).isEmpty, "q closes help first")
        #expect(s.overlay == nil)
    }

    @Test func resizeRedraws() {
        var s = Fixture.state()
        #expect(s.handle(.resize) == [.redraw])
    }

    @Test func staleAnalysesAreIgnoredAndPartialsFillIn() throws {
        var s = Fixture.state()
        let first = s.analysisID
        _ = s.runCommand("query The capital of the country of origin of Toyota is")
        let second = s.analysisID
        #expect(second == first + 1)
        let old = try Fixture.backend.analyze(query: "The spouse of the performer of Imagine is")
        s.apply(.analysis(old, id: first), now: 0)
        #expect(s.layer.analysis?.query == Fixture.query, "a late result of an earlier query is dropped")
        #expect(s.layer.analyzing)
        s.apply(.analysisProgress(0.1, "Patchscope at t1", id: second), now: 0)
        let f = Fixture.render(s, 120, 40)
        #expect(f.grid.line(1).contains("analyzing… 10% Patchscope at t1"))
        var partial = try Fixture.backend.analyze(query: "The capital of the country of origin of Toyota is")
        for i in partial.rows.indices { partial.rows[i].patchscope = nil; partial.rows[i].stages = [] }
        s.apply(.analysisPartial(partial, id: second), now: 0)
        #expect(s.layer.analysis?.e3 == "Tokyo")
        #expect(s.layer.analyzing, "still running")
        let before = Fixture.render(s, 120, 40).grid
        #expect(before.row(containing: "│   9 ").map { before.line($0).contains("① hop 1") } == false)
        #expect(before.row(containing: "① hop 1   not reached") != nil)
        s.apply(.analysis(try Fixture.backend.analyze(query: "The capital of the country of origin of Toyota is"), id: second), now: 1)
        #expect(!s.layer.analyzing)
        let after = Fixture.render(s, 120, 40).grid
        #expect(after.row(containing: "│   9 ").map { after.line($0).contains("① hop 1") } == true)
    }

    @Test func demoBackendReportsPartialsAndHonoursCancellation() throws {
        let demo = DemoBackend(cellDelay: 0, patchDelay: 0, analyzeDelay: 0.01)
        let partials = Box(0), steps = Box<[String]>([])
        let a = try demo.analyze(query: Fixture.query, cancellation: Cancellation(),
                                 progress: { _, m in steps.value.append(m) }, partial: { _ in partials.value += 1 })
        #expect(a.rows.count == 31)
        #expect(partials.value == 2)
        #expect(steps.value.first == "logit lens" && steps.value.last == "done")
        let c = Cancellation(); c.cancel()
        #expect(throws: DemoError.self) { try demo.analyze(query: Fixture.query, cancellation: c, progress: { _, _ in }, partial: { _ in }) }
    }

    @Test func analysisFailureIsReported() {
        var s = ExplorerState(model: Fixture.backend.model, query: "")
        #expect(s.analyzeCurrentQuery().isEmpty)
        s.apply(.analysisFailed("the query is empty", id: s.analysisID), now: 0)
        #expect(s.status.contains("the query is empty"))
        #expect(Fixture.render(s, 80, 24).grid.text.contains("no analysis yet"))
    }
}

@Suite struct DemoBackendTests {
    @Test func demoAnalysisShape() throws {
        let a = try Fixture.backend.analyze(query: Fixture.query)
        #expect(a.rows.count == 31)
        #expect(a.rows[0].layer == nil)
        #expect(a.tokens[a.t1] == "ota")
        #expect(a.t2 == a.tokens.count - 1)
        #expect(a.layer(of: .firstHop) == 9)
        #expect(a.layer(of: .propagated) == 14)
        #expect(a.layer(of: .secondHop) == 22)
        #expect(a.composition?.correct == false)
    }

    @Test func demoGridCoversTheTriangleAndStopsWhenCancelled() throws {
        let req = GridRequest(query: Fixture.query, position: .t2, metric: .generation)
        let all = Fixture.gridCells(req)
        #expect(all.count == 435)
        #expect(all.allSatisfy { $0.source > $0.target })
        #expect(Set(all.map { "\($0.source),\($0.target)" }).count == 435)
        #expect(Fixture.gridCells(req, cancelAfter: 10).count == 10)
    }

    @Test func demoBackPatchRejectsBadLayers() {
        #expect(throws: DemoError.self) { try Fixture.backend.backPatch(query: Fixture.query, position: .t2, source: 3, target: 5) }
    }
}
