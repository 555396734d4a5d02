import Foundation
import Testing
@testable import Explorer

@Suite struct LayerScreenTests {
    func layerRow(_ g: CellGrid, _ label: String) -> Int? {
        (0..<g.rows).first { g.line($0).hasPrefix("│" + pad(label, 4, right: true)) }
    }

    @Test func everyLayerRowAt200x60() {
        let g = Fixture.render(Fixture.state(), 200, 60).grid
        #expect(layerRow(g, "emb") != nil)
        for l in 0..<30 { #expect(layerRow(g, String(l)) != nil, "layer \(l)") }
    }

    @Test(arguments: [(120, 40), (200, 60)])
    func headerQueryEntitiesTokensAndPanel(cols: Int, rows: Int) throws {
        let g = Fixture.render(Fixture.state(), cols, rows).grid
        #expect(g.line(0).contains("hopscope · SmolLM2-135M-Instruct Q4_1 (demo data) · 30 layers · d 576"))
        #expect(g.line(0).contains("? help"))
        #expect(g.line(1).contains("query  The currency of the country of origin of Toyota is"))
        #expect(g.line(2).contains("e2 Japan"))
        #expect(g.line(2).contains("e3 yen"))
        #expect(g.line(2).contains("(two-hop \" the Toyota Corporation\" ✗)"))
        #expect(g.line(2).contains("(hop1 \" Japan. The country\" ✓)"))
        let tokens = try #require(g.row(containing: " tokens "))
        #expect(g.line(tokens).contains("Toy │ ota │ is"))
        // t1 marks "ota" (3 columns), t2 marks "is" (2 columns).
        let ota = try #require(g.column(of: "ota │ is", row: tokens))
        let isCol = try #require(g.column(of: "is", row: tokens).map { _ in ota + 6 })
        #expect(g.line(tokens + 1).contains("t1 ▔▔▔   ▔▔ t2"))
        #expect(g[tokens + 1, ota].text == "▔")
        #expect(g[tokens + 1, isCol].text == "▔")
        #expect(g[tokens + 1, ota].role == .bridge)
        #expect(g[tokens + 1, isCol].role == .answer)
        #expect(g.row(containing: "┌ back-patch ") != nil, "side panel")
        #expect(g.row(containing: "position   t2") != nil)
        #expect(g.line(rows - 1).contains("x grid"))
        #expect(g.line(rows - 1).contains("q quit"))
    }

    @Test(arguments: [(80, 24), (120, 40), (200, 60)])
    func stageMarkersSitOnTheirLayers(cols: Int, rows: Int) {
        var s = Fixture.state()
        for (layer, marker) in [(9, "① hop 1"), (14, "② info ▸"), (22, "③ hop 2")] {
            s.layer.selectedRow = layer + 1
            let g = Fixture.render(s, cols, rows).grid
            guard let r = layerRow(g, String(layer)) else { Issue.record("row \(layer) at \(cols)×\(rows)"); continue }
            #expect(g.line(r).contains(marker), "\(marker) at \(cols)×\(rows)")
        }
    }

    @Test func bridgeAndAnswerColumnsUseTheirRoles() throws {
        let g = Fixture.render(Fixture.state(), 120, 40).grid
        let r = try #require(layerRow(g, "10"))
        #expect(g.line(r).contains("Japan = e2"))
        let c = try #require(g.column(of: "Japan = e2", row: r))
        #expect(g[r, c].role == .bridge)
        #expect(g.roles(row: r).contains(.answer), "e3 bar")
    }

    @Test func compactLayoutAt80x24() throws {
        var s = Fixture.state()
        let g = Fixture.render(s, 80, 24).grid
        #expect(g.row(containing: "┌ back-patch") == nil, "no side panel at 80 columns")
        #expect(g.line(21).hasPrefix(" back-patch t2(p)"), "the panel becomes a bottom line")
        #expect(g.line(23).contains("? help"))
        #expect(g.line(23).contains("q quit"))
        #expect(g.line(0).count == 80)
        #expect(layerRow(g, "emb") != nil)
        #expect(layerRow(g, "29") == nil, "the table scrolls")
        #expect(g.row(containing: "▼ 18 more") != nil)
        // Scrolling to the bottom shows the last layer and hides the first.
        _ = s.handle(.char("G"))
        let h = Fixture.render(s, 80, 24).grid
        #expect(layerRow(h, "29") != nil)
        #expect(layerRow(h, "emb") == nil)
        #expect(h.row(containing: "▲") != nil)
        // Each column set fits: e2@t1, patchscope, e3@t2 and stage are kept.
        let hr = try #require(h.row(containing: "ℓ"))
        for title in ["e2@t1", "patchscope@t1", "e3@t2", "stage"] { #expect(h.line(hr).contains(title), "\(title)") }
    }

    @Test func selectedRowIsHighlighted() throws {
        var s = Fixture.state()
        _ = s.handle(.char("j")); _ = s.handle(.char("j"))
        let g = Fixture.render(s, 120, 40).grid
        let r = try #require(layerRow(g, "1"))
        #expect(g[r, 2].role == .cursor)
        let other = try #require(layerRow(g, "2"))
        #expect(g[other, 2].role != .cursor)
    }

    @Test func backPatchResultInPanelAndBottomLine() throws {
        var s = Fixture.state()
        s.layer.panel.source = 20; s.layer.panel.target = 5
        _ = s.runBackPatch()
        #expect(Fixture.render(s, 120, 40).grid.row(containing: "running …") != nil)
        s.apply(.backPatch(try Fixture.backend.backPatch(query: Fixture.query, position: .t2, source: 20, target: 5)), now: 1)
        let g = Fixture.render(s, 120, 40).grid
        #expect(g.row(containing: "\" Japanese yen. The") != nil)
        #expect(g.row(containing: "✓ correct") != nil)
        #expect(g.row(containing: "best cells") != nil)
        #expect(g.row(containing: "t2 20→5 ✓") != nil)
        let r20 = try #require(layerRow(g, "20")), r5 = try #require(layerRow(g, "5"))
        #expect(g.line(r20).contains("◆"))
        #expect(g.line(r5).contains("◇"))
        let small = Fixture.render(s, 80, 24).grid
        #expect(small.line(21).contains("s ℓ20 → t ℓ5"))
        #expect(small.line(21).contains("✓ p .04→"))
    }

    @Test func queryFormShowsTheCursorInTheFocusedField() throws {
        var s = Fixture.state()
        _ = s.handle(.char("e"))
        _ = s.handle(.ctrl("w")); _ = s.handle(.ctrl("w"))
        let f = Fixture.render(s, 120, 40)
        let r = try #require(f.grid.row(containing: "prompt   The currency of the country of origin of "))
        let col = try #require(f.grid.column(of: "The currency", row: r))
        #expect(f.cursor?.row == r)
        #expect(f.cursor?.col == col + displayWidth("The currency of the country of origin of "))
    }

    @Test func asciiGlyphsWhenTheLocaleIsNotUTF8() {
        let g = Fixture.render(Fixture.state(), 120, 40, glyphs: .ascii).grid
        #expect(g.row(containing: "+ layers ---") != nil)
        #expect(g.row(containing: "t1 ^^^") != nil)
        #expect(!g.text.contains("│"))
        #expect(!g.text.contains("█"))
        #expect(g.text.contains("#"))
        let allASCII = g.text.allSatisfy { $0.isASCII }
        #expect(allASCII, "nothing but ASCII reaches a non-UTF-8 terminal")
        var s = Fixture.state()
        _ = s.handle(.char("?"))
        let helpASCII = Fixture.render(s, 80, 24, glyphs: .ascii).grid.text.allSatisfy { $0.isASCII }
        #expect(helpASCII)
        let gridASCII = Fixture.render(Fixture.gridState(), 120, 40, glyphs: .ascii).grid.text.allSatisfy { $0.isASCII }
        #expect(gridASCII)
        var w = CellGrid(rows: 1, cols: 6)
        w.put("日x", row: 0, col: 0)
        #expect(w.asciified().line(0) == "??x   ")
    }

    @Test(arguments: [(79, 24), (80, 23), (40, 10)])
    func tooSmall(cols: Int, rows: Int) {
        let g = Fixture.render(Fixture.state(), cols, rows).grid
        let t = g.text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
        #expect(t.contains("terminal too small:"))
        #expect(t.contains("need 80×24,"))
        #expect(t.contains("have \(cols)×\(rows)"))
    }

    @Test func biggerThan250x80UsesTheTopLeft() {
        let f = Fixture.render(Fixture.state(), 300, 100)
        #expect(f.grid.cols == 300)
        #expect(f.grid.line(79).contains("q quit"))
        #expect(f.grid.line(99).trimmingCharacters(in: .whitespaces).isEmpty)
    }
}

@Suite struct GridScreenTests {
    @Test(arguments: [(80, 24), (120, 40), (200, 60)])
    func completedGrid(cols: Int, rows: Int) throws {
        let s = Fixture.gridState()
        let g = Fixture.render(s, cols, rows).grid
        #expect(g.line(0).contains("back-patch grid · position t2 · metric: 10-token generation"))
        #expect(g.line(1).contains("435/435"))
        #expect(g.line(1).contains("fixed ✓"))
        #expect(g.row(containing: "target ℓ →") == 2)
        let c = s.grid!
        #expect(g.line(rows - 3).contains("cell \(c.cursorSource)→\(c.cursorTarget):"))
        #expect(g.line(rows - 1).contains("Esc back"))
        // The cursor's source row is visible and shows the highlighted cell.
        let r = try #require((0..<g.rows).first { g.line($0).hasPrefix(pad(String(c.cursorSource), 8, right: true)) || g.line($0).hasPrefix("  ▲" + pad(String(c.cursorSource), 5, right: true)) })
        #expect(g.roles(row: r).contains(.cursor))
        #expect(g.roles(row: r).contains(.correct) || g.roles(row: r).contains(.wrong))
        if rows >= 40 {
            for src in 1..<30 { #expect(g.row(containing: pad(String(src), 8, right: true) + "   │") != nil, "source \(src)") }
        }
    }

    @Test func partialGridShowsPendingCellsAndProgress() throws {
        var s = Fixture.state()
        let fx = s.openGrid()
        guard case .startGrid(let req, let id)? = fx.first else { Issue.record("no grid started"); return }
        #expect(req.position == .t2)
        for (n, c) in Fixture.gridCells(req).prefix(100).enumerated() { s.apply(.gridCell(c, id: id), now: Double(n) * 0.01) }
        let g = Fixture.render(s, 120, 40).grid
        #expect(g.line(1).contains("100/435"))
        #expect(g.line(1).contains(" s"), "an ETA while running")
        #expect(g.text.contains("·"), "pending cells")
        #expect(g.line(39).contains("Esc stop"))
        // The layer view's header shows the running grid.
        _ = s.handle(.escape)        // stops it …
        _ = s.handle(.escape)        // … then goes back
        #expect(s.screen == .layers)
        #expect(Fixture.render(s, 120, 40).grid.line(0).contains("grid t2: 100/435"))
    }

    @Test func firstTokenMetricShadesByProbability() {
        var s = Fixture.gridState()
        _ = s.handle(.char("m"))
        let g = Fixture.render(s, 120, 40).grid
        #expect(g.line(0).contains("p(first answer token)"))
        #expect(g.text.contains("▒") || g.text.contains("▓"))
    }
}

@Suite struct OverlayTests {
    @Test(arguments: [(80, 24), (120, 40)])
    func helpListsEveryKey(cols: Int, rows: Int) {
        var s = Fixture.state()
        _ = s.handle(.char("?"))
        let t = Fixture.render(s, cols, rows).grid.text
        #expect(t.contains("┌ keys "))
        for (k, d) in Renderer.helpLines {
            if !k.isEmpty { #expect(t.contains(k), "help shows key \(k)") }
            if !d.isEmpty { #expect(t.contains(truncate(d, to: 23)), "help shows \(d)") }
        }
        for k in ["j k", "g G", "s t", "p", "b", "x", "e", "/", "h j k l", "m", "Esc", ":theme", ":quit", "?", "q", "Ctrl-L"] {
            #expect(Renderer.helpLines.contains { $0.0.contains(k) }, "help lists \(k)")
        }
        _ = s.handle(.escape)
        #expect(s.overlay == nil)
    }

    @Test func commandLineShowsTypedText() {
        var s = Fixture.state()
        _ = s.handle(.char(":"))
        for ch in "theme light" { _ = s.handle(.char(ch)) }
        let f = Fixture.render(s, 80, 24)
        #expect(f.grid.line(22).hasPrefix(":theme light"))
        #expect(f.cursor?.row == 22 && f.cursor?.col == 12)
        #expect(s.handle(.enter) == [.setTheme("light")])
    }

    @Test func sampleBrowserListsQueries() {
        var s = Fixture.state()
        _ = s.handle(.char("/"))
        _ = s.handle(.down)
        let g = Fixture.render(s, 120, 40).grid
        #expect(g.text.contains("sample queries"))
        #expect(g.text.contains("The capital of the country of origin of Toyota is"))
        let r = g.row(containing: "toyota-capital")!
        #expect(g.roles(row: r).contains(.cursor))
        let fx = s.handle(.enter)
        #expect(fx.contains { $0.analyzedQuery == "The capital of the country of origin of Toyota is" })
    }

    @Test func layerDetailOverlay() {
        var s = Fixture.state()
        s.layer.selectedRow = 11
        _ = s.handle(.enter)
        let t = Fixture.render(s, 80, 24).grid.text
        #expect(t.contains("layer 10"))
        #expect(t.contains("e2 Japan @t1"))
        #expect(t.contains("rank 1"))
        #expect(t.contains("decodes e2"))
    }
}
