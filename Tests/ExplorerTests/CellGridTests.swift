import Testing
@testable import Explorer

@Suite struct CellGridTests {
    // MARK: widths

    @Test func asciiIsOneColumnEach() {
        #expect(displayWidth("hopscope") == 8)
    }

    @Test func wideCharactersTakeTwoColumns() {
        #expect(displayWidth("日本") == 4)
        #expect(displayWidth("円") == 2)
    }

    @Test func combiningMarksTakeNoColumn() {
        #expect(displayWidth("e\u{301}") == 1)          // é as e + combining acute
        #expect(displayWidth("Tōkyō") == 5)
    }

    @Test func truncateCountsColumnsNotCharacters() {
        #expect(truncate("日本円です", to: 5) == "日本…")
        #expect(displayWidth(truncate("日本円です", to: 5)) <= 5)
        #expect(truncate("abc", to: 5) == "abc")
        #expect(pad("ab", 4) == "ab  ")
        #expect(pad("ab", 4, right: true) == "  ab")
    }

    // MARK: drawing

    @Test func putWritesTextAndRoles() {
        var g = CellGrid(rows: 2, cols: 10)
        let end = g.put("yen", row: 1, col: 2, role: .answer)
        #expect(end == 5)
        #expect(g.line(1) == "  yen     ")
        #expect(g[1, 2].role == .answer)
        #expect(g[1, 5].role == .text)
    }

    @Test func wideGraphemeLeavesContinuationCell() {
        var g = CellGrid(rows: 1, cols: 6)
        g.put("日本", row: 0, col: 0)
        #expect(g[0, 1].isContinuation)
        #expect(g.line(0) == "日本  ")
        #expect(g.text == "日本")
    }

    @Test func wideGraphemeThatDoesNotFitIsDropped() {
        var g = CellGrid(rows: 1, cols: 3)
        g.put("日本", row: 0, col: 0)
        #expect(g.line(0) == "日 ")
    }

    @Test func overwritingHalfAWideGraphemeBlanksTheOtherHalf() {
        var g = CellGrid(rows: 1, cols: 4)
        g.put("日", row: 0, col: 0)
        g.put("x", row: 0, col: 1)
        #expect(g.line(0) == " x  ")
    }

    @Test func combiningMarkJoinsThePreviousCell() {
        var g = CellGrid(rows: 1, cols: 4)
        g.put("e\u{301}x", row: 0, col: 0)
        #expect(g[0, 0].text == "e\u{301}")
        #expect(g[0, 1].text == "x")
    }

    @Test func clippingAtTheEdgeAndMaxWidth() {
        var g = CellGrid(rows: 1, cols: 5)
        #expect(g.put("abcdefgh", row: 0, col: 2) == 5)
        #expect(g.line(0) == "  abc")
        g.put("zzzz", row: 0, col: 0, maxWidth: 2)
        #expect(g.line(0) == "zzabc")
        g.put("out of range", row: 3, col: 0)   // no crash
    }

    @Test func controlCharactersBecomeSpaces() {
        var g = CellGrid(rows: 1, cols: 5)
        g.put("a\tb", row: 0, col: 0)
        #expect(g.line(0) == "a b  ")
    }

    // MARK: glyphs

    @Test func rankBarsShrinkWithRank() {
        let gl = Glyphs.unicode
        #expect(gl.rankBar(1) == "█")
        #expect(gl.rankBar(2) == "▇")
        #expect(gl.rankBar(9412) == "▁")
        #expect(Glyphs.ascii.rankBar(1) == "#")
        #expect(Glyphs.ascii.rankBar(5000) == ".")
    }

    @Test func codesetChoosesGlyphs() {
        #expect(glyphsForCodeset("UTF-8") == .unicode)
        #expect(glyphsForCodeset("utf8") == .unicode)
        #expect(glyphsForCodeset("ANSI_X3.4-1968") == .ascii)
    }
}
