// Rendering: ExplorerState → CellGrid. Pure functions of the state, the size and the glyph set.
import Foundation

/// A rendered screen: the cells, where the terminal cursor goes (nil = hidden) and where the clickable things are.
public struct Frame: Equatable, Sendable {
    public var grid: CellGrid
    public var cursor: (row: Int, col: Int)?
    /// The layouts the cells were drawn with, for hit-testing mouse clicks on this frame.
    public var layout = ScreenLayout()
    public init(grid: CellGrid, cursor: (row: Int, col: Int)? = nil, layout: ScreenLayout = ScreenLayout()) {
        self.grid = grid; self.cursor = cursor; self.layout = layout
    }
    public static func == (a: Frame, b: Frame) -> Bool {
        a.grid == b.grid && a.cursor?.row == b.cursor?.row && a.cursor?.col == b.cursor?.col
    }
}

/// The smallest and largest screens the layouts are designed for.
public enum ScreenLimits {
    public static let minCols = 80, minRows = 24
    public static let maxCols = 250, maxRows = 80
}

/// Draws the explorer. Screens larger than 250×80 use the top-left 250×80.
public struct Renderer: Sendable {
    public var glyphs: Glyphs
    /// The hint line while following a presenter (only these keys work then).
    var readOnlyHints: [(String, String)]?
    public init(glyphs: Glyphs = .unicode) { self.glyphs = glyphs }

    public func render(_ state: ExplorerState, rows: Int, cols: Int) -> Frame {
        var r = self
        r.readOnlyHints = state.following ? [("d", "your own session"), ("q", "quit")] : nil
        var f = r.renderUnicode(state, rows: rows, cols: cols)
        if glyphs == .ascii { f.grid = f.grid.asciified() }
        return f
    }

    func renderUnicode(_ state: ExplorerState, rows: Int, cols: Int) -> Frame {
        var g = CellGrid(rows: rows, cols: cols)
        if cols < ScreenLimits.minCols || rows < ScreenLimits.minRows {
            drawTooSmall(&g)
            return Frame(grid: g)
        }
        let H = min(rows, ScreenLimits.maxRows), W = min(cols, ScreenLimits.maxCols)
        var frame: Frame
        switch state.screen {
        case .layers: frame = renderLayers(state, rows: H, cols: W)
        case .grid: frame = renderGrid(state, rows: H, cols: W)
        }
        // An overlay covers the view: its table or grid is not clickable underneath.
        if state.overlay != nil { frame.layout = ScreenLayout() }
        switch state.overlay {
        case .help: drawHelp(&frame.grid, screen: state.screen); frame.cursor = nil
        case .detail: drawDetail(&frame.grid, state); frame.cursor = nil
        case .samples(let i):
            frame.layout.samples = drawSamples(&frame.grid, state.filteredSamples, selected: i, scrollTop: state.sampleScrollTop,
                                               filter: state.sampleFilter, of: state.samples.count)
            frame.cursor = nil
        case .queryForm:
            if let f = state.form { frame.cursor = drawQueryForm(&frame.grid, f) }
        case .modelInfo:
            drawModelInfo(&frame.grid, state.layer.model); frame.cursor = nil
        case .command:
            let r = H - 2
            frame.grid.fill(row: r, col: 0, height: 1, width: W, role: .status)
            frame.grid.put(":", row: r, col: 0, role: .key)
            let vp = state.command.viewport(width: W - 2)
            frame.grid.put(vp.text, row: r, col: 1, role: .status)
            frame.cursor = (r, 1 + vp.cursorColumn)
        case nil: break
        }
        if rows == H && cols == W { return frame }
        g.blit(frame.grid, row: 0, col: 0)
        return Frame(grid: g, cursor: frame.cursor, layout: frame.layout)
    }

    func drawTooSmall(_ g: inout CellGrid) {
        let msg = "terminal too small: need \(ScreenLimits.minCols)×\(ScreenLimits.minRows), have \(g.cols)×\(g.rows)"
        let lines = displayWidth(msg) <= g.cols ? [msg]
            : ["terminal too small:", "need \(ScreenLimits.minCols)×\(ScreenLimits.minRows),", "have \(g.cols)×\(g.rows)"]
        let top = max(0, g.rows / 2 - lines.count / 2)
        for (i, l) in lines.enumerated() {
            g.put(l, row: top + i, col: max(0, (g.cols - displayWidth(l)) / 2), role: .warning)
        }
        if g.rows > lines.count + 1 {
            let q = "q quits"
            g.put(q, row: min(g.rows - 1, top + lines.count + 1), col: max(0, (g.cols - q.count) / 2), role: .dim)
        }
    }

    // MARK: shared pieces

    func box(_ g: inout CellGrid, row: Int, col: Int, height: Int, width: Int, title: String? = nil, role: Role = .border) {
        guard height >= 2, width >= 2 else { return }
        let gl = glyphs
        g.put(gl.topLeft + String(repeating: gl.horizontal, count: width - 2) + gl.topRight, row: row, col: col, role: role)
        for r in row + 1..<row + height - 1 {
            g.put(gl.vertical, row: r, col: col, role: role)
            g.put(gl.vertical, row: r, col: col + width - 1, role: role)
        }
        g.put(gl.bottomLeft + String(repeating: gl.horizontal, count: width - 2) + gl.bottomRight, row: row + height - 1, col: col, role: role)
        if let title { g.put(" \(title) ", row: row, col: col + 1, role: .title, maxWidth: width - 2) }
    }

    /// A hint line of `key label` pairs, keys highlighted. When the line is too narrow, items are
    /// dropped from the middle: the first ones (moving) and the last two (help, quit) always stay.
    func hints(_ g: inout CellGrid, row: Int, _ items: [(String, String)]) {
        let items = readOnlyHints ?? items
        func w(_ i: (String, String)) -> Int { displayWidth(i.0) + 1 + displayWidth(i.1) + 2 }
        var keep = Array(repeating: false, count: items.count)
        var budget = g.cols - 1
        for i in [items.count - 1, items.count - 2] where i >= 0 && w(items[i]) <= budget { keep[i] = true; budget -= w(items[i]) }
        for i in items.indices where !keep[i] && w(items[i]) <= budget {
            if i < items.count - 2 { keep[i] = true; budget -= w(items[i]) }
        }
        var c = 1
        for (i, (k, label)) in items.enumerated() where keep[i] {
            c = g.put(k, row: row, col: c, role: .key)
            c = g.put(" " + label + "  ", row: row, col: c, role: .dim)
        }
    }

    func statusLine(_ g: inout CellGrid, row: Int, _ state: ExplorerState) {
        g.fill(row: row, col: 0, height: 1, width: g.cols, role: .status)
        // A message that needs the whole line gets it: the theme label gives way first, then the
        // workshop badge (presenting / following).
        let candidates = [(state.live.map { $0 + " · " } ?? "") + "theme \(state.themeName) "] + (state.live.map { [$0 + " "] } ?? [])
        let right = candidates.first { displayWidth(state.status) + 2 + displayWidth($0) <= g.cols } ?? candidates[0]
        let roomy = displayWidth(state.status) + 2 + displayWidth(right) <= g.cols
        g.put(" " + state.status, row: row, col: 0, role: state.statusIsWarning ? .warning : .status,
              maxWidth: roomy ? g.cols - displayWidth(right) : g.cols)
        if roomy { g.put(right, row: row, col: g.cols - displayWidth(right), role: .status) }
    }

    func role(for text: String, _ a: AnalysisViewModel) -> Role {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        if t.isEmpty { return .text }
        if t == a.e2.lowercased() || a.e2.lowercased().hasPrefix(t) && t.count >= 3 { return .bridge }
        if t == a.e3.lowercased() || a.e3.lowercased().hasPrefix(t) && t.count >= 3 { return .answer }
        return .text
    }

    /// A token piece for display: the leading space of word-initial pieces dropped, control characters made visible.
    func piece(_ s: String) -> String {
        let t = s.hasPrefix(" ") ? String(s.dropFirst()) : s
        if t.isEmpty && !s.isEmpty { return "␣" }
        return t.replacingOccurrences(of: "\n", with: "⏎").replacingOccurrences(of: "\t", with: "⇥")
    }

    func prob(_ p: Double) -> String {
        if p >= 0.995 { return "1.0" }
        if p < 0.005 { return p == 0 ? "0" : "<.01" }
        return String(format: ".%02d", Int((p * 100).rounded()))
    }

    func gridProgressText(_ gm: GridViewModel, barWidth: Int) -> String {
        let frac = gm.total > 0 ? Double(gm.done) / Double(gm.total) : 0
        var s = "grid \(gm.position.rawValue): \(gm.done)/\(gm.total) ▕\(glyphs.progressBar(frac, width: barWidth))▏"
        if glyphs == .ascii { s = s.replacingOccurrences(of: "▕", with: "[").replacingOccurrences(of: "▏", with: "]") }
        if gm.running, let eta = gm.eta { s += String(format: " %.1f s", eta) }
        else if gm.cancelled { s += " stopped" }
        else if !gm.running { s += gm.fixed ? " fixed \(glyphs.check)" : " not fixed" }
        return s
    }
}
