// Rendering: ExplorerState → CellGrid. Pure functions of the state, the size and the glyph set.
import Foundation

/// A rendered screen: the cells, and where the terminal cursor goes (nil = hidden).
public struct Frame: Equatable, Sendable {
    public var grid: CellGrid
    public var cursor: (row: Int, col: Int)?
    public init(grid: CellGrid, cursor: (row: Int, col: Int)? = nil) { self.grid = grid; self.cursor = cursor }
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
    public init(glyphs: Glyphs = .unicode) { self.glyphs = glyphs }

    public func render(_ state: ExplorerState, rows: Int, cols: Int) -> Frame {
        var f = renderUnicode(state, rows: rows, cols: cols)
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
        switch state.overlay {
        case .help: drawHelp(&frame.grid, screen: state.screen); frame.cursor = nil
        case .detail: drawDetail(&frame.grid, state); frame.cursor = nil
        case .samples(let i): drawSamples(&frame.grid, state.samples, selected: i); frame.cursor = nil
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
        return Frame(grid: g, cursor: frame.cursor)
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
        g.put(" " + state.status, row: row, col: 0, role: state.statusIsWarning ? .warning : .status, maxWidth: g.cols - 12)
        let right = "theme \(state.themeName) "
        g.put(right, row: row, col: g.cols - displayWidth(right), role: .status)
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
        return t.replacingOccurrences(of: "\n", with: "⏎")
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

    // MARK: layer view

    /// A table column: header, width, priority (lower = kept first when narrow) and a cell drawer.
    struct Column {
        var title: String
        var width: Int
        var priority: Int
        var draw: (inout CellGrid, Int, Int, LayerRow) -> Void
    }

    func columns(_ a: AnalysisViewModel, panel: BackPatchPanelModel, innerWidth: Int) -> [Column] {
        let gl = glyphs
        func rankCell(_ rp: RankProb?, _ role: Role) -> (inout CellGrid, Int, Int, LayerRow) -> Void {
            return { g, r, c, _ in
                guard let rp else { g.put(gl.pending, row: r, col: c, role: .dim); return }
                g.put(gl.rankBar(rp.rank), row: r, col: c, role: role)
                g.put(pad(String(rp.rank), 6, right: true), row: r, col: c + 1, role: rp.rank == 1 ? role : .text)
                g.put(" " + self.prob(rp.prob), row: r, col: c + 7, role: .dim)
            }
        }
        var cols: [Column] = []
        cols.append(Column(title: "lens@t1", width: 12, priority: 2) { g, r, c, row in
            g.put(truncate(piece(row.lensT1), to: 12), row: r, col: c, role: self.role(for: row.lensT1, a)) })
        cols.append(Column(title: "e2@t1", width: 12, priority: 1) { g, r, c, row in rankCell(row.e2AtT1, .bridge)(&g, r, c, row) })
        cols.append(Column(title: "patchscope@t1", width: 15, priority: 1) { g, r, c, row in
            guard let ps = row.patchscope else { g.put(gl.pending, row: r, col: c, role: .dim); return }
            switch ps.decoded {
            case .e2: g.put(truncate(a.e2, to: 9) + " = e2", row: r, col: c, role: .bridge, maxWidth: 15)
            case .e3: g.put(truncate(a.e3, to: 9) + " = e3", row: r, col: c, role: .answer, maxWidth: 15)
            case .e1: g.put(truncate(a.e1, to: 9) + " = e1", row: r, col: c, role: .text, maxWidth: 15)
            case .other: g.put("other", row: r, col: c, role: .dim)
            }
        })
        cols.append(Column(title: "lens@t2", width: 12, priority: 2) { g, r, c, row in
            g.put(truncate(piece(row.lensT2), to: 12), row: r, col: c, role: self.role(for: row.lensT2, a)) })
        cols.append(Column(title: "e3@t2", width: 12, priority: 1) { g, r, c, row in rankCell(row.e3AtT2, .answer)(&g, r, c, row) })
        cols.append(Column(title: "knockout t2↛e1", width: 18, priority: 3) { g, r, c, row in
            guard let k = row.knockout else { g.put(gl.pending, row: r, col: c, role: .dim); return }
            let cc = g.put(truncate(self.piece(k.answer), to: 7), row: r, col: c, role: self.role(for: k.answer, a))
            g.put(" " + self.prob(k.e3ProbBase) + gl.arrow + self.prob(k.e3Prob), row: r, col: cc, role: k.delta < -0.01 ? .wrong : .dim, maxWidth: 18 - (cc - c))
        })
        cols.append(Column(title: "stage", width: 9, priority: 1) { g, r, c, row in
            var cc = c
            for s in row.stages { cc = g.put(gl.stages[s.rawValue - 1] + " " + s.label + " ", row: r, col: cc, role: .stage, maxWidth: 9 - (cc - c)) }
        })
        cols.append(Column(title: "patchscope text at t1", width: 40, priority: 4) { g, r, c, row in
            guard let ps = row.patchscope else { return }
            let role: Role = ps.decoded == .e2 ? .bridge : ps.decoded == .e3 ? .answer : .dim
            g.put(ps.text, row: r, col: c, role: role, maxWidth: 40)
        })
        // Keep columns by priority while they fit (ℓ column 6 wide), then show them in their natural order.
        var budget = innerWidth - 6
        var keep = Set<Int>()
        for (i, col) in cols.enumerated().sorted(by: { ($0.element.priority, $0.offset) < ($1.element.priority, $1.offset) }) {
            if col.width + 1 <= budget { keep.insert(i); budget -= col.width + 1 }
        }
        return cols.enumerated().filter { keep.contains($0.offset) }.map(\.element)
    }

    func renderLayers(_ state: ExplorerState, rows H: Int, cols W: Int) -> Frame {
        var g = CellGrid(rows: H, cols: W)
        let vm = state.layer
        var cursor: (Int, Int)?
        // Header.
        var hc = g.put(" hopscope", row: 0, col: 0, role: .title)
        hc = g.put(" · \(vm.model.name) · \(vm.model.layers) layers · d \(vm.model.dim)", row: 0, col: hc, role: .header)
        var right = "? help "
        if let gm = state.grid { right = gridProgressText(gm, barWidth: W >= 120 ? 10 : 6) + "   " + right }
        if displayWidth(right) + hc + 1 > W { right = "? help " }
        g.put(right, row: 0, col: W - displayWidth(right), role: .dim)
        // Query line.
        g.put(" query  ", row: 1, col: 0, role: .dim)
        let vp = vm.query.viewport(width: W - 9)
        g.put(vp.text, row: 1, col: 8, role: vm.editingQuery ? .selection : .text)
        if vm.editingQuery { cursor = (1, 8 + vp.cursorColumn) }
        else if vm.analyzing {
            var note = "  analyzing…"
            if let p = state.analysisProgress { note += " \(Int((p.fraction * 100).rounded()))% \(p.message)" }
            let col = min(W - displayWidth(note) - 1, 8 + displayWidth(vp.text))
            g.put(note, row: 1, col: max(8, col), role: .warning, maxWidth: W - max(8, col))
        }

        guard let a = vm.analysis else {
            g.put(vm.analyzing ? " waiting for the analysis …" : " no analysis yet: press e to type a query, / for samples", row: 3, col: 0, role: .dim)
            statusLine(&g, row: H - 2, state)
            hints(&g, row: H - 1, [("e", "edit query"), ("/", "samples"), (":", "command"), ("?", "help"), ("q", "quit")])
            return Frame(grid: g, cursor: cursor)
        }
        // Entities: with the generations when they fit, marks only when narrow.
        for compact in [false, true] {
            var e = CellGrid(rows: 1, cols: 400)
            var c = e.put(" e1 ", row: 0, col: 0, role: .dim)
            c = e.put(a.e1, row: 0, col: c)
            c = e.put("   e2 ", row: 0, col: c, role: .dim)
            c = e.put(a.e2, row: 0, col: c, role: .bridge)
            if let h = a.hop1 { c = hopNote(&e, row: 0, col: c, "hop1", h, quote: !compact) }
            c = e.put("   e3 ", row: 0, col: c, role: .dim)
            c = e.put(a.e3, row: 0, col: c, role: .answer)
            if let h = a.hop2 { c = hopNote(&e, row: 0, col: c, "hop2", h, quote: false) }
            if let h = a.composition {
                c = compact ? hopNote(&e, row: 0, col: c, "two-hop", h, quoteWidth: max(6, W - c - 16))
                            : hopNote(&e, row: 0, col: c, "two-hop", h)
            }
            if c <= W || compact {
                for x in 0..<min(W, e.cols) { g[2, x] = e[0, x] }
                if g[2, W - 1].isContinuation == false, displayWidth(g[2, W - 1].text) == 2 { g[2, W - 1] = .blank }
                break
            }
        }
        // Tokens with t1 / t2 markers.
        drawTokens(&g, row: 3, a)

        // Layout: side panel at ≥ 110 columns, else a bottom line.
        let sidePanel = W >= 110
        let panelW = sidePanel ? min(44, max(32, W / 5)) : 0
        let tableTop = 5
        let tableBottom = sidePanel ? H - 3 : H - 4       // inclusive
        let tableW = W - panelW
        var tableH = tableBottom - tableTop + 1
        let fullH = tableH
        // On tall screens the table takes what it needs and the selected layer's detail fills the rest.
        let needed = a.rows.count + 3
        let detailH = tableH - needed
        if detailH >= 8 {
            tableH = needed
            drawRowDetail(&g, state, row: tableTop + tableH, col: 0, height: min(detailH, 11), width: min(tableW, 100), closable: false)
        }
        box(&g, row: tableTop, col: 0, height: tableH, width: tableW, title: "layers")
        let cols = columns(a, panel: vm.panel, innerWidth: tableW - 2)
        // Column header.
        let hr = tableTop + 1
        g.put(pad("ℓ", 4, right: true), row: hr, col: 1, role: .header)
        var x = 8
        var xs: [Int] = []
        for col in cols { xs.append(x); g.put(col.title, row: hr, col: x, role: .header, maxWidth: col.width); x += col.width + 1 }
        // Rows, scrolled so the selection is visible.
        let visible = max(1, tableH - 3)
        let n = a.rows.count
        var top = min(vm.scrollTop, max(0, n - visible))
        if vm.selectedRow < top { top = vm.selectedRow }
        if vm.selectedRow >= top + visible { top = vm.selectedRow - visible + 1 }
        for i in 0..<min(visible, n - top) {
            let idx = top + i, row = a.rows[idx], r = hr + 1 + i
            let selected = idx == vm.selectedRow
            g.put(pad(row.label, 4, right: true), row: r, col: 1, role: row.layer == nil ? .dim : .text)
            if let l = row.layer {
                var mark = ""
                if l == vm.panel.source { mark += glyphs.sourceMark }
                if l == vm.panel.target { mark += glyphs.targetMark }
                g.put(mark, row: r, col: 5, role: .key)
            }
            for (ci, col) in cols.enumerated() { col.draw(&g, r, xs[ci], row) }
            if selected { g.paint(row: r, col: 1, width: tableW - 2, role: .cursor) }
        }
        // Scroll indicators.
        if top > 0 { g.put("▲ \(top) more", row: tableTop, col: tableW - 14, role: .dim) }
        if top + visible < n { g.put("▼ \(n - top - visible) more", row: tableTop + tableH - 1, col: tableW - 14, role: .dim) }

        if sidePanel { drawPanel(&g, row: tableTop, col: tableW, height: fullH, width: panelW, vm.panel, a) }
        else { drawPanelLine(&g, row: H - 3, vm.panel) }
        statusLine(&g, row: H - 2, state)
        hints(&g, row: H - 1, [("j/k", "layer"), ("⏎", "detail"), ("s/t", W >= 110 ? "mark source/target" : "mark"),
                              ("b", "back-patch"), ("x", "grid"), ("p", "t1/t2"), ("e", "edit query"), ("/", "samples"),
                              (":", "command"), ("?", "help"), ("q", "quit")])
        return Frame(grid: g, cursor: cursor)
    }

    func hopNote(_ g: inout CellGrid, row: Int, col: Int, _ label: String, _ h: HopResult, quote: Bool = true, quoteWidth: Int = 28) -> Int {
        var c = g.put("  (\(label)", row: row, col: col, role: .dim)
        if quote { c = g.put(" \"\(truncate(h.generation, to: quoteWidth))\"", row: row, col: c, role: .text) }
        c = g.put(" " + (h.correct ? glyphs.check : glyphs.cross), row: row, col: c, role: h.correct ? .correct : .wrong)
        return g.put(")", row: row, col: c, role: .dim)
    }

    func drawTokens(_ g: inout CellGrid, row: Int, _ a: AnalysisViewModel) {
        let sep = " " + glyphs.vertical + " "
        let label = " tokens "
        let pieces = a.tokens.map { $0.hasPrefix(" ") ? String($0.dropFirst()) : $0 }
        // Drop leading tokens until the line fits (t1 and t2 are near the end).
        var first = 0
        func width(from f: Int) -> Int { pieces[f...].reduce(0) { $0 + displayWidth($1) + 3 } + (f > 0 ? 2 : 0) }
        while first < min(a.t1, pieces.count - 1) && displayWidth(label) + width(from: first) > g.cols - 1 { first += 1 }
        var c = g.put(label, row: row, col: 0, role: .dim)
        if first > 0 { c = g.put(glyphs.ellipsis + " ", row: row, col: c, role: .dim) }
        for i in first..<pieces.count {
            if i > first { c = g.put(sep, row: row, col: c, role: .border) }
            let role: Role = i == a.t1 ? .bridge : i == a.t2 ? .answer : .text
            let start = c
            c = g.put(pieces[i], row: row, col: c, role: role)
            let w = max(1, c - start)
            if i == a.t1 || i == a.t2 {
                // t1's label goes before its marker, t2's after, so adjacent tokens never collide.
                let role: Role = i == a.t1 ? .bridge : .answer
                let end = g.put(String(repeating: glyphs.marker, count: w), row: row + 1, col: start, role: role)
                if i == a.t1 { g.put("t1 ", row: row + 1, col: max(0, start - 3), role: role) }
                else { g.put(" t2", row: row + 1, col: end, role: role) }
            }
        }
    }

    func drawPanel(_ g: inout CellGrid, row: Int, col: Int, height: Int, width: Int, _ p: BackPatchPanelModel, _ a: AnalysisViewModel) {
        box(&g, row: row, col: col, height: height, width: width, title: "back-patch")
        let x = col + 2, iw = width - 4
        var r = row + 1
        func line(_ label: String, _ value: String, _ key: String, role: Role = .text, mark: String = "") {
            guard r < row + height - 1 else { return }
            g.put(pad(label, 11), row: r, col: x, role: .dim)
            g.put(pad(value, 6), row: r, col: x + 11, role: role)
            g.put("(\(key))", row: r, col: x + 17, role: .key)
            g.put(mark, row: r, col: x + 22, role: .key)
            r += 1
        }
        line("position", p.position.rawValue, "p", role: p.position == .t1 ? .bridge : .answer)
        line("source", p.source.map { "ℓ\($0)" } ?? "–", "s", mark: glyphs.sourceMark)
        line("target", p.target.map { "ℓ\($0)" } ?? "–", "t", mark: glyphs.targetMark)
        r += 1
        func put(_ s: String, _ role: Role) { if r < row + height - 1 { g.put(s, row: r, col: x, role: role, maxWidth: iw); r += 1 } }
        if p.running { put("running …", .warning) }
        else if let res = p.result {
            put("ℓ\(res.source) → ℓ\(res.target) at \(res.position.rawValue):", .dim)
            for chunk in wrap("\"\(res.generation)\"", width: iw).prefix(3) { put(chunk, .text) }
            put("\(res.correct ? glyphs.check + " correct" : glyphs.cross + " wrong")   p(\(truncate(a.e3, to: 6))) \(prob(res.probBefore))\(glyphs.arrow)\(prob(res.probAfter))",
                res.correct ? .correct : .wrong)
            put("rank of e3 after: \(res.rankAfter)", .dim)
        } else if let problem = p.problem {
            for chunk in wrap(problem, width: iw) { put(chunk, .dim) }
        } else { put("[b] run", .key) }
        r += 1
        if !p.bestCells.isEmpty {
            put("best cells", .header)
            for b in p.bestCells {
                put(" \(b.position.rawValue) \(b.source)\(glyphs.arrow)\(b.target) \(b.correct ? glyphs.check : glyphs.cross)  p \(prob(b.probAfter))", b.correct ? .correct : .wrong)
            }
            r += 1
        }
        // Stages legend when there is room.
        if r + 4 < row + height - 1 {
            put("stages", .header)
            for s in Stage.allCases {
                let l = a.layer(of: s).map { "ℓ\($0)" } ?? "not reached"
                put("\(glyphs.stages[s.rawValue - 1]) \(pad(s.label, 7)) \(l)", .stage)
            }
        }
    }

    func drawPanelLine(_ g: inout CellGrid, row: Int, _ p: BackPatchPanelModel) {
        var c = g.put(" back-patch ", row: row, col: 0, role: .title)
        c = g.put("\(p.position.rawValue)(p) ", row: row, col: c, role: p.position == .t1 ? .bridge : .answer)
        c = g.put("s \(p.source.map { "ℓ\($0)" } ?? "–") \(glyphs.arrow) t \(p.target.map { "ℓ\($0)" } ?? "–")  ", row: row, col: c, role: .text)
        if p.running { g.put("running …", row: row, col: c, role: .warning) }
        else if let r = p.result {
            c = g.put(r.correct ? glyphs.check + " " : glyphs.cross + " ", row: row, col: c, role: r.correct ? .correct : .wrong)
            c = g.put("p \(prob(r.probBefore))\(glyphs.arrow)\(prob(r.probAfter)) ", row: row, col: c, role: .dim)
            g.put("\"\(r.generation)\"", row: row, col: c, role: .text, maxWidth: g.cols - c - 1)
        } else if let b = p.bestCells.first {
            g.put("best \(b.position.rawValue) \(b.source)\(glyphs.arrow)\(b.target) \(b.correct ? glyphs.check : glyphs.cross)   b run", row: row, col: c, role: .dim)
        } else { g.put(p.problem == nil ? "b run" : "mark s and t", row: row, col: c, role: .dim) }
    }

    func wrap(_ s: String, width: Int) -> [String] {
        var out: [String] = [], cur = ""
        for word in s.split(separator: " ", omittingEmptySubsequences: false) {
            let w = String(word)
            if cur.isEmpty { cur = w } else if displayWidth(cur) + 1 + displayWidth(w) <= width { cur += " " + w }
            else { out.append(cur); cur = w }
        }
        if !cur.isEmpty { out.append(cur) }
        return out.map { truncate($0, to: width) }
    }

    // MARK: grid view

    func renderGrid(_ state: ExplorerState, rows H: Int, cols W: Int) -> Frame {
        var g = CellGrid(rows: H, cols: W)
        guard let gm = state.grid else { return Frame(grid: g) }
        let gl = glyphs
        // Title and progress.
        var c = g.put(" back-patch grid", row: 0, col: 0, role: .title)
        c = g.put(" · position ", row: 0, col: c, role: .dim)
        c = g.put(gm.position.rawValue, row: 0, col: c, role: gm.position == .t1 ? .bridge : .answer)
        c = g.put(" · metric: \(gm.metric.title)", row: 0, col: c, role: .dim)
        let right = "\(gl.check) \(gm.correctCount)/\(gm.total) cells · fixed \(gm.fixed ? gl.check : gl.cross) "
        if c + displayWidth(right) + 2 < W { g.put(right, row: 0, col: W - displayWidth(right), role: gm.fixed ? .correct : .dim) }
        g.put(" " + gridProgressText(gm, barWidth: min(40, W / 4)), row: 1, col: 0, role: gm.running ? .bar : .dim)
        if gm.running { g.put(String(format: "  %.1f s elapsed", gm.elapsed), row: 1, col: displayWidth(gridProgressText(gm, barWidth: min(40, W / 4))) + 1, role: .dim) }

        // Geometry: label column 12, cell width 1–3 columns.
        let L = gm.layers
        let left = 12
        let cw = max(1, min(3, (W - left - 2) / max(1, L)))
        let top = 4
        let bottom = H - 4   // inclusive last heat-map row; H-3 cell detail, H-2 status, H-1 hints
        let visible = max(1, bottom - top + 1)
        // Sources L-1 … 1 from the top; scroll so the cursor's row is visible.
        let sources = Array(stride(from: L - 1, through: 1, by: -1))
        let curIdx = sources.firstIndex(of: gm.cursorSource) ?? 0
        var first = 0
        if sources.count > visible { first = min(max(0, curIdx - visible / 2), sources.count - visible) }
        // Axis.
        g.put(" target ℓ \(gl.arrow)", row: 2, col: 0, role: .dim)
        let step = cw >= 3 ? 5 : cw == 2 ? 5 : 10
        for t in stride(from: 0, to: L, by: step) { g.put(String(t), row: 2, col: left + t * cw, role: .dim) }
        g.put(" source ℓ ↓", row: 3, col: 0, role: .dim)
        g.put(gl.topLeft + String(repeating: gl.horizontal, count: min(W - left - 1, L * cw)), row: 3, col: left - 1, role: .border)
        for i in 0..<min(visible, sources.count - first) {
            let s = sources[first + i], r = top + i
            g.put(pad(String(s), 8, right: true), row: r, col: 0, role: s == gm.cursorSource ? .key : .dim)
            g.put(gl.vertical, row: r, col: left - 1, role: .border)
            for t in 0..<s {
                let x = left + t * cw
                var ch = gl.pending, role = Role.dim
                if let cell = gm.cells[s][t] {
                    switch gm.metric {
                    case .generation: (ch, role) = cell.correct ? (gl.heat[3], .correct) : (gl.heat[0], .wrong)
                    case .firstToken: (ch, role) = (gl.heatCell(min(1, cell.probAfter / 0.4)), cell.correct ? .correct : .bar)
                    }
                }
                let text = cw == 1 ? ch : cw == 2 ? ch + " " : " " + ch + " "
                let isCursor = s == gm.cursorSource && t == gm.cursorTarget
                g.put(isCursor && cw >= 3 ? "[" + ch + "]" : text, row: r, col: x, role: isCursor ? .cursor : role)
            }
        }
        if first > 0 { g.put("▲", row: top, col: 2, role: .dim) }
        if first + visible < sources.count { g.put("▼", row: bottom, col: 2, role: .dim) }
        // Legend at the right when there is room.
        let lx = left + L * cw + 3
        if lx + 24 < W {
            var r = top
            func leg(_ s: String, _ role: Role) { g.put(s, row: r, col: lx, role: role); r += 1 }
            leg("legend", .header)
            if gm.metric == .generation {
                leg("\(gl.heat[3]) e3 in 10-token generation", .correct); leg("\(gl.heat[0]) wrong", .wrong)
            } else {
                leg("\(gl.heat[0])\(gl.heat[1])\(gl.heat[2])\(gl.heat[3]) p(e3 first token) 0→.4", .bar)
            }
            leg("\(gl.pending) not computed yet", .dim)
            r += 1
            leg("rows: source ℓs (patched from)", .dim); leg("columns: target ℓt (patched into)", .dim)
        }
        // Cursor cell details.
        let dr = H - 3
        c = g.put(" cell \(gm.cursorSource)\(gl.arrow)\(gm.cursorTarget): ", row: dr, col: 0, role: .key)
        if let cell = gm[gm.cursorSource, gm.cursorTarget] {
            c = g.put("\"\(truncate(cell.generation, to: max(10, W - c - 40)))\" ", row: dr, col: c, role: .text)
            c = g.put(cell.correct ? gl.check : gl.cross, row: dr, col: c, role: cell.correct ? .correct : .wrong)
            g.put("   p(\"\(truncate(gm.e3, to: 8))\") \(prob(cell.probAfter)) (base \(prob(cell.probBefore))) rank \(cell.rankAfter)", row: dr, col: c, role: .dim)
        } else { g.put(gm.running ? "not computed yet" : "not computed (r reruns)", row: dr, col: c, role: .dim) }
        statusLine(&g, row: H - 2, state)
        hints(&g, row: H - 1, [("h/j/k/l", "move"), ("⏎", "show in layer view"), ("Esc", gm.running ? "stop" : "back"),
                              ("m", "metric"), ("p", "t1/t2"), ("r", "rerun"), ("?", "help"), ("q", "quit")])
        return Frame(grid: g)
    }

    // MARK: overlays

    /// Every key, by section (a line with an empty key is a section title).
    static let helpLines: [(String, String)] = [
        ("", "Layer view"),
        ("j k ↓ ↑", "next / previous layer"),
        ("PgDn PgUp", "page down / up"),
        ("g G", "first / last layer"),
        ("⏎", "layer detail"),
        ("s t", "mark source / target"),
        ("p", "position t1 / t2"),
        ("b", "run back-patch ℓs → ℓt"),
        ("x", "back-patch grid ℓs > ℓt"),
        ("e", "edit query (⏎ runs)"),
        ("/", "sample queries"),
        ("", "Grid view"),
        ("h j k l", "move the cell cursor"),
        ("⏎", "show cell in layers"),
        ("m", "metric: gen / 1st token"),
        ("p  r", "other position / rerun"),
        ("Esc", "stop grid, then back"),
        ("", "Everywhere"),
        ("?", "this help"),
        ("Ctrl-L", "redraw"),
        ("q", "quit"),
        ("", "Commands ( : )"),
        (":theme", "NAME or FILE.toml"),
        (":query", "TEXT: analyze it"),
        (":layer", "N: go to layer N"),
        (":source", "N   :target N"),
        (":position", "t1 | t2"),
        (":metric", "generation|first-token"),
        (":grid  :quit", ""),
    ]

    func drawHelp(_ g: inout CellGrid, screen: ExplorerState.Screen) {
        let lines = Renderer.helpLines
        // One column when it fits, else two side by side (80×24 shows every key).
        let twoColumns = lines.count + 4 > g.rows - 2
        let perColumn = twoColumns ? (lines.count + 1) / 2 : lines.count
        let colW = 38
        let w = min(g.cols - 2, twoColumns ? 2 * colW + 2 : colW + 6), h = min(g.rows - 2, perColumn + 4)
        let r0 = max(0, (g.rows - h) / 2), c0 = max(0, (g.cols - w) / 2)
        g.fill(row: r0, col: c0, height: h, width: w)
        box(&g, row: r0, col: c0, height: h, width: w, title: "keys")
        for (i, (k, d)) in lines.enumerated() {
            let r = r0 + 1 + i % perColumn
            let x = c0 + 2 + (i / perColumn) * colW
            guard r < r0 + h - 2 else { continue }
            if k.isEmpty { g.put(d, row: r, col: x, role: .header) }
            else {
                g.put(k, row: r, col: x + 1, role: .key, maxWidth: 12)
                g.put(d, row: r, col: x + 13, role: .text, maxWidth: colW - 15)
            }
        }
        g.put("Esc / ? closes", row: r0 + h - 2, col: c0 + w - 17, role: .dim)
    }

    func drawDetail(_ g: inout CellGrid, _ s: ExplorerState) {
        let w = min(g.cols - 4, 76), h = min(g.rows - 2, 14)
        drawRowDetail(&g, s, row: max(0, (g.rows - h) / 2), col: max(0, (g.cols - w) / 2), height: h, width: w, closable: true)
    }

    /// The selected layer's full record, in a box: as an overlay (⏎) or, on tall screens, under the table.
    func drawRowDetail(_ g: inout CellGrid, _ s: ExplorerState, row r0: Int, col c0: Int, height h: Int, width w: Int, closable: Bool) {
        guard let a = s.layer.analysis, s.layer.selectedRow < a.rows.count else { return }
        let row = a.rows[s.layer.selectedRow]
        g.fill(row: r0, col: c0, height: h, width: w)
        box(&g, row: r0, col: c0, height: h, width: w, title: row.layer.map { "layer \($0)" } ?? "embedding")
        var r = r0 + 1
        func kv(_ k: String, _ v: String, _ role: Role = .text) {
            guard r < r0 + h - 1 else { return }
            g.put(k, row: r, col: c0 + 2, role: .dim); g.put(v, row: r, col: c0 + 20, role: role, maxWidth: w - 22); r += 1
        }
        kv("lens top @t1", "\"\(row.lensT1)\"", role(for: row.lensT1, a))
        kv("lens top @t2", "\"\(row.lensT2)\"", role(for: row.lensT2, a))
        if let e = row.e2AtT1 { kv("e2 \(a.e2) @t1", "rank \(e.rank)  p \(String(format: "%.4f", e.prob))", .bridge) }
        if let e = row.e3AtT2 { kv("e3 \(a.e3) @t2", "rank \(e.rank)  p \(String(format: "%.4f", e.prob))", .answer) }
        if let ps = row.patchscope {
            kv("patchscope @t1", "decodes \(ps.decoded.rawValue)", ps.decoded == .e2 ? .bridge : ps.decoded == .e3 ? .answer : .text)
            for chunk in wrap("\"\(ps.text)\"", width: w - 22).prefix(2) { kv("", chunk) }
        }
        if let k = row.knockout {
            kv("knockout t2↛e1", "answer \"\(k.answer)\"  p(e3) \(String(format: "%.3f", k.e3ProbBase)) → \(String(format: "%.3f", k.e3Prob))")
        }
        if !row.stages.isEmpty { kv("stages", row.stages.map { glyphs.stages[$0.rawValue - 1] + " " + $0.label }.joined(separator: ", "), .stage) }
        if closable { g.put("Esc closes", row: r0 + h - 2, col: c0 + w - 13, role: .dim) }
    }

    func drawSamples(_ g: inout CellGrid, _ samples: [SampleQuery], selected: Int) {
        let w = min(g.cols - 4, 90), h = min(g.rows - 2, samples.count + 4)
        let r0 = max(0, (g.rows - h) / 2), c0 = max(0, (g.cols - w) / 2)
        g.fill(row: r0, col: c0, height: h, width: w)
        box(&g, row: r0, col: c0, height: h, width: w, title: "sample queries")
        let visible = h - 3
        let first = max(0, min(selected - visible + 1, samples.count - visible))
        for (i, s) in samples.enumerated().dropFirst(first).prefix(visible) {
            let r = r0 + 1 + i - first
            var c = g.put(pad(s.id, 16), row: r, col: c0 + 2, role: .dim)
            c = g.put(s.query, row: r, col: c, role: .text, maxWidth: w - 4 - 16 - 16)
            g.put("  " + s.e2 + " → " + s.e3, row: r, col: max(c, c0 + w - 20), role: .dim, maxWidth: 18)
            if i == selected { g.paint(row: r, col: c0 + 1, width: w - 2, role: .cursor) }
        }
        if samples.isEmpty { g.put("no sample queries", row: r0 + 1, col: c0 + 2, role: .dim) }
        g.put("⏎ analyze  Esc close", row: r0 + h - 2, col: c0 + w - 22, role: .dim)
    }
}
