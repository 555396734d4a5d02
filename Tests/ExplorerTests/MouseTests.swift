// Mouse support without a terminal: hit-testing rendered frames, clicks on the state, SGR reports.
import Foundation
import Testing
@testable import Explorer

/// The screen row whose text starts with the layer table row `label` ("emb", "12").
private func layerRow(_ g: CellGrid, _ label: String) -> Int? {
    (0..<g.rows).first { g.line($0).hasPrefix("│" + pad(label, 4, right: true)) }
}

/// Renders like the app does: the frame, then the state remembers its scroll positions.
private func draw(_ s: inout ExplorerState, _ cols: Int, _ rows: Int) -> Frame {
    let f = Fixture.render(s, cols, rows)
    s.remember(f.layout)
    return f
}

/// Sends a press at a screen cell through the frame's layout, as the app does.
@discardableResult
private func click(_ s: inout ExplorerState, _ f: Frame, row: Int, col: Int) -> [Effect] {
    s.handle(f.layout.key(for: MouseEvent(.press, row: row, col: col)))
}

@Suite struct LayerClickTests {
    @Test(arguments: [(80, 24), (120, 40), (250, 80), (300, 100)])
    func aClickOnALayerRowHitsThatLayer(cols: Int, rows: Int) throws {
        var s = Fixture.state()
        let f = draw(&s, cols, rows)
        let rowsShown = (0..<30).filter { layerRow(f.grid, String($0)) != nil }
        #expect(rowsShown.count >= 10)
        for l in rowsShown {
            let r = try #require(layerRow(f.grid, String(l)))
            // Anywhere across the table: the label, the middle, the last inner column.
            for c in [2, 20, min(cols, 250) / 2] {
                #expect(f.layout.hit(row: r, col: c) == .layerRow(l + 1), "layer \(l) at \(cols)×\(rows), column \(c)")
            }
        }
        // The header, the border and the status line hit nothing.
        let emb = try #require(layerRow(f.grid, "emb"))
        #expect(f.layout.hit(row: emb - 1, col: 10) == .nothing, "column header")
        #expect(f.layout.hit(row: emb, col: 0) == .nothing, "table border")
        #expect(f.layout.hit(row: 0, col: 10) == .nothing)
        #expect(f.layout.hit(row: min(rows, 80) - 2, col: 10) == .nothing)
    }

    @Test func clickSelectsAndClickingTheSelectedRowOpensTheDetail() throws {
        var s = Fixture.state()
        var f = draw(&s, 120, 40)
        let r12 = try #require(layerRow(f.grid, "12"))
        #expect(click(&s, f, row: r12, col: 10).isEmpty)
        #expect(s.layer.selectedLayer == 12)
        #expect(s.overlay == nil)
        f = draw(&s, 120, 40)
        #expect(f.grid[r12, 10].role == .cursor, "the cursor bar is on the clicked row")
        click(&s, f, row: r12, col: 10)
        #expect(s.overlay == .detail)
        f = draw(&s, 120, 40)
        #expect(f.grid.row(containing: "┌ layer 12 ") != nil)
        // Any click closes the detail; the table is clickable again.
        #expect(f.layout.layerTable == nil, "an overlay covers the table")
        click(&s, f, row: 1, col: 1)
        #expect(s.overlay == nil)
        #expect(s.layer.selectedLayer == 12)
    }

    @Test func clickingAScrolledTableDoesNotMoveItUnderTheMouse() throws {
        var s = Fixture.state()
        _ = draw(&s, 80, 24)
        _ = s.handle(.char("G"))
        var f = draw(&s, 80, 24)
        #expect(layerRow(f.grid, "29") != nil)
        #expect(layerRow(f.grid, "emb") == nil)
        let before = f.grid
        let r = try #require(layerRow(f.grid, "20"))
        click(&s, f, row: r, col: 30)
        #expect(s.layer.selectedLayer == 20)
        f = draw(&s, 80, 24)
        #expect(layerRow(f.grid, "20") == r, "row 20 stays where it was clicked")
        #expect(layerRow(f.grid, "29") != nil)
        #expect(f.grid != before, "the cursor bar moved")
        // Keys scroll from there: k moves the selection, not the window, while it stays visible.
        _ = s.handle(.char("k"))
        f = draw(&s, 80, 24)
        #expect(layerRow(f.grid, "20") == r)
    }

    @Test func afterAResizeTheNewFramesLayoutIsUsed() throws {
        var s = Fixture.state()
        let big = draw(&s, 200, 60)
        let small = draw(&s, 80, 24)
        let rBig = try #require(layerRow(big.grid, "5")), rSmall = try #require(layerRow(small.grid, "5"))
        #expect(small.layout.hit(row: rSmall, col: 4) == .layerRow(6))
        #expect(big.layout.hit(row: rBig, col: 150) == .layerRow(6))
        #expect(small.layout.hit(row: rSmall, col: 150) == .nothing, "column 150 is off an 80-column screen")
        let tooSmall = Fixture.render(s, 60, 20)
        #expect(tooSmall.layout == ScreenLayout(), "nothing to click on the too-small message")
    }

    @Test func wheelMovesLikeArrowsAndClicksAreIgnoredWhileEditing() throws {
        var s = Fixture.state()
        let f = draw(&s, 120, 40)
        #expect(f.layout.key(for: MouseEvent(.wheelDown, row: 0, col: 0)) == .down)
        #expect(f.layout.key(for: MouseEvent(.wheelUp, row: 0, col: 0)) == .up)
        _ = s.handle(f.layout.key(for: MouseEvent(.wheelDown, row: 10, col: 10)))
        #expect(s.layer.selectedRow == 1)
        _ = s.handle(.char("e"))
        let r = try #require(layerRow(f.grid, "9"))
        click(&s, f, row: r, col: 10)
        #expect(s.layer.selectedRow == 1)
        #expect(s.overlay == .queryForm, "a click does not reach the table under the form")
        // A raw event that reached the state unresolved does nothing.
        #expect(s.handle(.mouse(MouseEvent(.press, row: r, col: 10))).isEmpty)
    }

    @Test func helpIsClosedByAClick() {
        var s = Fixture.state()
        _ = s.handle(.char("?"))
        let f = draw(&s, 80, 24)
        #expect(f.layout.hit(row: 12, col: 40) == .nothing)
        click(&s, f, row: 12, col: 40)
        #expect(s.overlay == nil)
    }
}

@Suite struct GridClickTests {
    /// The screen cell of grid cell (s, t), read from the rendered text: the row labelled `s`, and the
    /// column of the target axis label `t` (a multiple of the axis step).
    func cellPosition(_ g: CellGrid, source s: Int, target t: Int) -> (row: Int, col: Int)? {
        guard let r = (4..<g.rows).first(where: { g.line($0).hasPrefix(pad(String(s), 8, right: true)) }),
              let axis = g.row(containing: "target ℓ"),
              let c = g.line(axis).range(of: " \(t) ").map({ g.line(axis).distance(from: g.line(axis).startIndex, to: $0.lowerBound) + 1 })
        else { return nil }
        return (r, c)
    }

    @Test(arguments: [(80, 24), (120, 40), (250, 80)])
    func aClickOnACellMovesTheCursorThereAndShowsItsGeneration(cols: Int, rows: Int) throws {
        var s = Fixture.gridState()
        var f = draw(&s, cols, rows)
        // Cells on rows that are on screen: the cursor row ± a few.
        let src = s.grid!.cursorSource
        for (source, target) in [(src, 10), (src - 2, 0), (src + 1, 5)] {
            let p = try #require(cellPosition(f.grid, source: source, target: target), "ℓ\(source)→ℓ\(target) at \(cols)×\(rows)")
            #expect(f.layout.hit(row: p.row, col: p.col) == .gridCell(source: source, target: target))
            click(&s, f, row: p.row, col: p.col)
            #expect(s.grid?.cursorSource == source && s.grid?.cursorTarget == target)
            f = draw(&s, cols, rows)
            #expect(f.grid[p.row, p.col].role == .cursor, "the cursor is drawn where the click was")
            let cell = try #require(s.grid?[source, target])
            let detail = try #require(f.grid.row(containing: " cell \(source)→\(target): "))
            #expect(f.grid.line(detail).contains(String(cell.generation.prefix(10))))
        }
    }

    @Test func clicksOutsideTheTriangleHitNothingAndClickingTheCursorCellShowsItInTheLayerView() throws {
        var s = Fixture.gridState()
        let f = draw(&s, 120, 40)
        let p = try #require(cellPosition(f.grid, source: 5, target: 5))
        #expect(f.layout.hit(row: p.row, col: p.col) == .nothing, "ℓs = ℓt is not a cell")
        #expect(f.layout.hit(row: p.row, col: 3) == .nothing, "the row label")
        let q = try #require(cellPosition(f.grid, source: 15, target: 5))
        click(&s, f, row: q.row, col: q.col)
        #expect(s.screen == .grid)
        let g = draw(&s, 120, 40)
        click(&s, g, row: q.row, col: q.col)
        #expect(s.screen == .layers)
        #expect(s.layer.panel.source == 15 && s.layer.panel.target == 5)
        #expect(s.layer.panel.result?.source == 15)
    }

    @Test func aScrolledGridStaysPutUnderTheMouse() throws {
        var s = Fixture.gridState()
        _ = draw(&s, 80, 24)
        _ = s.handle(.char("G"))            // cursor to ℓ1: the grid scrolls to its bottom
        var f = draw(&s, 80, 24)
        #expect(f.grid.row(containing: "▲") != nil)
        let p = try #require(cellPosition(f.grid, source: 8, target: 0))
        click(&s, f, row: p.row, col: p.col)
        #expect(s.grid?.cursorSource == 8)
        f = draw(&s, 80, 24)
        #expect(cellPosition(f.grid, source: 8, target: 0)?.row == p.row)
    }
}

@Suite struct SampleClickTests {
    @Test func clickSelectsAnEntryAndClickingItAgainAnalysesIt() throws {
        var s = Fixture.state()
        _ = s.handle(.char("/"))
        var f = draw(&s, 120, 40)
        let r = try #require(f.grid.row(containing: "The spouse of the performer of Imagine is"))
        #expect(f.layout.hit(row: r, col: 30) == .sample(2))
        click(&s, f, row: r, col: 30)
        #expect(s.overlay == .samples(2))
        f = draw(&s, 120, 40)
        #expect(f.grid[r, 30].role == .cursor)
        let fx = click(&s, f, row: r, col: 30)
        #expect(s.overlay == nil)
        #expect(fx.compactMap(\.analyzedQuery) == ["The spouse of the performer of Imagine is"])
        // The search line and the frame hit nothing.
        _ = s.handle(.char("/"))
        f = draw(&s, 80, 24)
        let search = try #require(f.grid.row(containing: "search "))
        #expect(f.layout.hit(row: search, col: 20) == .nothing)
    }
}

@Suite struct MouseInputTests {
    @Test func sgrReports() {
        #expect(Terminal.sgrMouse("[<0;11;6M") == .mouse(MouseEvent(.press, row: 5, col: 10)))
        #expect(Terminal.sgrMouse("[<0;250;80M") == .mouse(MouseEvent(.press, row: 79, col: 249)), "beyond X10's 223 columns")
        #expect(Terminal.sgrMouse("[<4;11;6M") == .mouse(MouseEvent(.press, row: 5, col: 10)), "Shift held")
        #expect(Terminal.sgrMouse("[<64;3;4M") == .mouse(MouseEvent(.wheelUp, row: 3, col: 2)))
        #expect(Terminal.sgrMouse("[<65;3;4M") == .mouse(MouseEvent(.wheelDown, row: 3, col: 2)))
        #expect(Terminal.sgrMouse("[<0;11;6m") == nil, "release")
        #expect(Terminal.sgrMouse("[<2;11;6M") == nil, "right button")
        #expect(Terminal.sgrMouse("[<32;11;6M") == nil, "motion")
        #expect(Terminal.sgrMouse("[<0;11M") == nil, "malformed")
    }

    @Test func clicksAreRecordedAsWhatTheyHit() {
        let keys: [Key] = [.click(.layerRow(12)), .click(.gridCell(source: 20, target: 5)), .click(.sample(3)), .click(.nothing)]
        for k in keys { #expect(Key(transcriptName: k.transcriptName) == k, "\(k.transcriptName)") }
        #expect(Key.click(.gridCell(source: 20, target: 5)).transcriptName == "<click cell 20 5>")
        #expect(Key(transcriptName: "<click cell 20>") == nil)
    }

    @Test func mouseSetting() {
        #expect(MouseSetting.resolve(flag: nil, environment: [:]))
        #expect(!MouseSetting.resolve(flag: nil, environment: ["HOPSCOPE_MOUSE": "0"]))
        #expect(MouseSetting.resolve(flag: nil, environment: ["HOPSCOPE_MOUSE": "1"]))
        #expect(!MouseSetting.resolve(flag: false, environment: ["HOPSCOPE_MOUSE": "1"]))
        #expect(MouseSetting.resolve(flag: true, environment: ["HOPSCOPE_MOUSE": "0"]))
    }

    @Test func scrollWindowIsSticky() {
        let w = ScrollWindow(count: 31, visible: 10, scrollTop: 12, selected: 15)
        #expect(w.shown == 12..<22)
        #expect(ScrollWindow(count: 31, visible: 10, scrollTop: 12, selected: 5).top == 5)
        #expect(ScrollWindow(count: 31, visible: 10, scrollTop: 12, selected: 25).top == 16)
        #expect(ScrollWindow(count: 31, visible: 10, scrollTop: 40, selected: 30).top == 21, "clamped to the end")
        #expect(ScrollWindow(count: 5, visible: 10, scrollTop: 3, selected: 4).shown == 0..<5)
        #expect(ScrollWindow(count: 0, visible: 10, scrollTop: 0, selected: 0).shown.isEmpty)
    }
}
