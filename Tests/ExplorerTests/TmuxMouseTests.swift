// End-to-end mouse tests: SGR mouse reports typed into the explorer's pane under tmux, as a terminal
// sends them, and the screen read back. Skipped when tmux or the binary is missing.
import Foundation
import Testing
@testable import Explorer

extension TmuxSession {
    /// A left-button press and release at a screen cell (0-based), in SGR encoding (`ESC[<0;x;yM`).
    func click(row: Int, col: Int) throws {
        try run(["send-keys", "-t", "e2e", "-l", "\u{1b}[<0;\(col + 1);\(row + 1)M\u{1b}[<0;\(col + 1);\(row + 1)m"])
    }

    /// tmux's view of the pane's mouse modes: "any sgr" as 0/1 (on while the explorer captures the mouse).
    func mouseFlags() -> String {
        ((try? run(["display-message", "-p", "-t", "e2e", "#{mouse_any_flag} #{mouse_sgr_flag}"], output: true)) ?? "")
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The 0-based screen row of the layer table row `label`.
    func layerRow(_ label: String, in screen: String) -> Int? {
        screen.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.hasPrefix("│" + pad(label, 4, right: true)) }
    }
}

/// The 0-based screen cell of back-patch grid cell (ℓs, ℓt), read from the text: the row labelled ℓs and
/// the column of the target axis label ℓt.
private func gridCell(source s: Int, target t: Int, in screen: String) -> (row: Int, col: Int)? {
    let lines = screen.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    guard let r = lines.indices.first(where: { $0 >= 4 && lines[$0].hasPrefix(pad(String(s), 8, right: true)) }),
          let axis = lines.first(where: { $0.contains("target ℓ") }),
          let range = axis.range(of: " \(t) ") else { return nil }
    return (r, axis.distance(from: axis.startIndex, to: range.lowerBound) + 1)
}

@Suite(.serialized, .enabled(if: E2E.available, E2E.skipReason))
struct TmuxMouseTests {
    /// tmux's own TERM in the pane (screen / tmux-256color: terminfo says `kmous=\E[M`, so the explorer
    /// reads the SGR reports itself), at 120×40, 80×24 after a resize, and 250×80 beyond column 223.
    @Test func clicksMoveTheLayerAndGridCursorsAtAnySize() throws {
        let t = try TmuxSession(cols: 120, rows: 40)
        defer { t.close() }
        var s = t.wait(for: "analyzed:")
        #expect(t.mouseFlags() == "1 1", "button and SGR mouse reporting on")

        // Click layer 12: the cursor moves there (s marks it); a second click opens its detail.
        var r = try #require(t.layerRow("12", in: t.wait("layer row 12") { t.layerRow("12", in: $0) != nil }))
        try t.click(row: r, col: 10)
        try t.keys("s")
        t.wait(for: "source ℓ12")
        try t.click(row: r, col: 40)
        t.wait(for: "┌ layer 12 ")
        try t.click(row: 2, col: 2)                  // any click closes the detail
        s = t.wait(timeout: 5, "detail closed") { !$0.contains("┌ layer 12 ") }

        // After a resize the new layout is used.
        try t.resize(80, 24)
        s = t.wait(for: " back-patch t2(p)")
        r = try #require(t.layerRow("10", in: t.wait("layer row 10") { t.layerRow("10", in: $0) != nil }))
        try t.click(row: r, col: 60)
        try t.keys("t")
        t.wait(for: "target ℓ10")

        // 250 columns: SGR coordinates reach past X10's column 223.
        try t.resize(250, 80)
        s = t.wait(for: "┌ back-patch")
        r = try #require(t.layerRow("27", in: t.wait("layer row 27") { t.layerRow("27", in: $0) != nil }))
        try t.click(row: r, col: 200)
        try t.keys("s")
        t.wait(for: "source ℓ27")

        // The grid: a click moves the cell cursor and shows that cell.
        try t.keys("x")
        // Wait for the grid's rows and axis, not only its title: a capture can land mid-frame.
        s = t.wait("the grid with cell 20→10") { $0.contains("back-patch grid · position t2") && gridCell(source: 20, target: 10, in: $0) != nil }
        let cell = try #require(gridCell(source: 20, target: 10, in: s))
        try t.click(row: cell.row, col: cell.col)
        t.wait(for: " cell 20→10: ")
        // The wheel moves the cursor a source row like ↑ / ↓.
        try t.run(["send-keys", "-t", "e2e", "-l", "\u{1b}[<64;30;10M"])
        t.wait(for: " cell 21→10: ")

        try t.keys("q")
        t.expectExit("0")
        #expect(t.mouseFlags() == "0 0", "mouse reporting off after quitting")
        #expect(t.file("stderr") == "")
    }

    /// TERM=xterm-256color in the pane, as over SSH from xterm: curses decodes the SGR reports (`kmous=\E[<`).
    @Test func clicksWithXtermTerminfo() throws {
        let t = try TmuxSession(cols: 100, rows: 30, env: "LANG=C.UTF-8 TERM=xterm-256color")
        defer { t.close() }
        let s = t.wait(for: "analyzed:")
        #expect(t.mouseFlags() == "1 1")
        let r = try #require(t.layerRow("9", in: t.wait("layer row 9") { t.layerRow("9", in: $0) != nil }))
        try t.click(row: r, col: 8)
        try t.keys("s")
        t.wait(for: "source ℓ9")
        try t.keys("q")
        t.expectExit("0")
        #expect(t.mouseFlags() == "0 0")
    }

    /// Killed while capturing the mouse: the signal handler turns reporting off with the rest of the tty.
    @Test func sigtermTurnsMouseReportingOff() throws {
        let t = try TmuxSession(cols: 100, rows: 30)
        defer { t.close() }
        t.wait(for: "analyzed:")
        #expect(t.mouseFlags() == "1 1")
        let pid = try #require(try t.explorerPID())
        kill(pid, SIGTERM)
        t.expectExit("143", "killed by SIGTERM")
        #expect(t.mouseFlags() == "0 0")
    }

    /// `--no-mouse`: the terminal keeps its own selection; a stray report does not click.
    @Test func noMouseLeavesTheMouseToTheTerminal() throws {
        let t = try TmuxSession(cols: 100, rows: 30, args: "--no-mouse")
        defer { t.close() }
        let s = t.wait(for: "analyzed:")
        #expect(t.mouseFlags() == "0 0")
        let r = try #require(t.layerRow("9", in: t.wait("layer row 9") { t.layerRow("9", in: $0) != nil }))
        try t.click(row: r, col: 8)
        try t.keys("s")
        t.wait(for: "the embedding row is not a block")     // the selection stayed on the first row
        try t.keys("q")
        #expect(t.waitForExit().0 == "0")
    }
}
