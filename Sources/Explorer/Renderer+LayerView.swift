// The Layer view: header, query, entities, tokens with t1/t2, the layer table and the back-patch panel.
import Foundation

extension Renderer {
    /// A table column: header, width, priority (lower = kept first when narrow) and a cell drawer.
    struct Column {
        var title: String
        var width: Int
        var priority: Int
        var draw: (inout CellGrid, Int, Int, LayerRow) -> Void
    }

    /// `analyzing`: cells not computed yet are pending (…), not absent (·).
    func columns(_ a: AnalysisViewModel, panel: BackPatchPanelModel, innerWidth: Int, analyzing: Bool = false) -> [Column] {
        let gl = glyphs
        func missing(_ g: inout CellGrid, _ r: Int, _ c: Int, _ row: LayerRow) {
            if analyzing && row.layer != nil { g.put(gl.ellipsis, row: r, col: c, role: .warning) }
            else { g.put(gl.pending, row: r, col: c, role: .dim) }
        }
        func rankCell(_ rp: RankProb?, _ role: Role) -> (inout CellGrid, Int, Int, LayerRow) -> Void {
            return { g, r, c, _ in
                guard let rp else { g.put(gl.pending, row: r, col: c, role: .dim); return }
                g.put(gl.rankBar(rp.rank), row: r, col: c, role: role)
                g.put(pad(String(rp.rank), 6, right: true), row: r, col: c + 1, role: rp.rank == 1 ? role : .text)
                g.put(" " + self.prob(rp.prob), row: r, col: c + 7, role: .dim)
            }
        }
        /// A Patchscope cell: the entity it decoded, in that entity's colour.
        func decoded(_ ps: PatchscopeReading?, _ g: inout CellGrid, _ r: Int, _ c: Int, _ row: LayerRow) {
            guard let ps else { missing(&g, r, c, row); return }
            switch ps.decoded {
            case .e2: g.put(truncate(a.e2, to: 9) + " = e2", row: r, col: c, role: .bridge, maxWidth: 15)
            case .e3: g.put(truncate(a.e3, to: 9) + " = e3", row: r, col: c, role: .answer, maxWidth: 15)
            case .e1: g.put(truncate(a.e1, to: 9) + " = e1", row: r, col: c, role: .text, maxWidth: 15)
            case .other: g.put("other", row: r, col: c, role: .dim)
            }
        }
        var cols: [Column] = []
        cols.append(Column(title: "lens@t1", width: 12, priority: 2) { g, r, c, row in
            g.put(truncate(piece(row.lensT1), to: 12), row: r, col: c, role: self.role(for: row.lensT1, a)) })
        cols.append(Column(title: "e2@t1", width: 12, priority: 1) { g, r, c, row in rankCell(row.e2AtT1, .bridge)(&g, r, c, row) })
        cols.append(Column(title: "patchscope@t1", width: 15, priority: 1) { g, r, c, row in decoded(row.patchscope, &g, r, c, row) })
        cols.append(Column(title: "lens@t2", width: 12, priority: 2) { g, r, c, row in
            g.put(truncate(piece(row.lensT2), to: 12), row: r, col: c, role: self.role(for: row.lensT2, a)) })
        cols.append(Column(title: "e3@t2", width: 12, priority: 1) { g, r, c, row in rankCell(row.e3AtT2, .answer)(&g, r, c, row) })
        cols.append(Column(title: "patchscope@t2", width: 15, priority: 2) { g, r, c, row in decoded(row.patchscopeT2, &g, r, c, row) })
        cols.append(Column(title: "knockout t2↛t1", width: 18, priority: 3) { g, r, c, row in
            guard let k = row.knockout else { missing(&g, r, c, row); return }
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
        g.put(vp.text, row: 1, col: 8, role: .text)
        if vm.analyzing {
            var note = "  analyzing…"
            if let p = state.analysisProgress { note += " \(Int((p.fraction * 100).rounded()))% \(p.message)" }
            let col = min(W - displayWidth(note) - 1, 8 + displayWidth(vp.text))
            g.put(note, row: 1, col: max(8, col), role: .warning, maxWidth: W - max(8, col))
        }

        guard let a = vm.analysis else {
            g.put(vm.analyzing ? " waiting for the analysis …" : " no analysis yet: press e to type a query, / for samples", row: 3, col: 0, role: .dim)
            statusLine(&g, row: H - 2, state)
            hints(&g, row: H - 1, [("e", "query"), ("/", "samples"), (":", "command"), ("?", "help"), ("q", "quit")])
            return Frame(grid: g, cursor: cursor)
        }
        // Entities: with the generations when they fit, marks only when narrow; the "model's answer"
        // notes shrink to "(model)", then go, before the two-hop verdict would be cut.
        for (compact, notes) in [(false, " (model's answer)"), (true, " (model)"), (true, "")] {
            var e = CellGrid(rows: 1, cols: 400)
            var c = e.put(" e1 ", row: 0, col: 0, role: .dim)
            c = e.put(a.e1, row: 0, col: c)
            c = e.put("   e2 ", row: 0, col: c, role: .dim)
            c = e.put(a.e2, row: 0, col: c, role: .bridge)
            // Only the model's own answers are marked (a sample's entities are the query's).
            if a.e2Note == "model's answer" { c = e.put(notes, row: 0, col: c, role: .dim) }
            if let h = a.hop1 { c = hopNote(&e, row: 0, col: c, "hop1", h, quote: !compact) }
            c = e.put("   e3 ", row: 0, col: c, role: .dim)
            c = e.put(a.e3, row: 0, col: c, role: .answer)
            if a.e3Note == "model's answer" { c = e.put(notes, row: 0, col: c, role: .dim) }
            if let h = a.hop2 { c = hopNote(&e, row: 0, col: c, "hop2", h, quote: false) }
            let roomForVerdict = W - c >= 22
            if let h = a.composition {
                c = compact ? hopNote(&e, row: 0, col: c, "two-hop", h, quoteWidth: max(6, W - c - 16))
                            : hopNote(&e, row: 0, col: c, "two-hop", h)
            }
            if c <= W || (compact && (roomForVerdict || notes.isEmpty)) {
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
        let cols = columns(a, panel: vm.panel, innerWidth: tableW - 2, analyzing: vm.analyzing)
        // Column header.
        let hr = tableTop + 1
        g.put(pad("ℓ", 4, right: true), row: hr, col: 1, role: .header)
        var x = 8
        var xs: [Int] = []
        for col in cols { xs.append(x); g.put(col.title, row: hr, col: x, role: .header, maxWidth: col.width); x += col.width + 1 }
        // Rows, scrolled as little as possible from the last frame's scroll so the selection is visible.
        let table = ListLayout(firstRow: hr + 1, columns: 1..<tableW - 1,
                               window: ScrollWindow(count: a.rows.count, visible: tableH - 3, scrollTop: vm.scrollTop, selected: vm.selectedRow))
        for idx in table.window.shown {
            let row = a.rows[idx], r = table.screenRow(of: idx)
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
        if table.window.hiddenAbove > 0 { g.put("▲ \(table.window.hiddenAbove) more", row: tableTop, col: tableW - 14, role: .dim) }
        if table.window.hiddenBelow > 0 { g.put("▼ \(table.window.hiddenBelow) more", row: tableTop + tableH - 1, col: tableW - 14, role: .dim) }

        if sidePanel { drawPanel(&g, row: tableTop, col: tableW, height: fullH, width: panelW, vm.panel, a) }
        else { drawPanelLine(&g, row: H - 3, vm.panel) }
        statusLine(&g, row: H - 2, state)
        hints(&g, row: H - 1, [("j/k", "layer"), ("⏎", "detail"), ("s/t", W >= 110 ? "mark source/target" : "mark"),
                              ("b", "back-patch"), ("x", "grid"), ("p", "t1/t2"), ("e", "query"), ("/", "samples"),
                              (":", "command"), ("?", "help"), ("q", "quit")])
        return Frame(grid: g, cursor: cursor, layout: ScreenLayout(layerTable: table))
    }

    func hopNote(_ g: inout CellGrid, row: Int, col: Int, _ label: String, _ h: HopResult, quote: Bool = true, quoteWidth: Int = 28) -> Int {
        var c = g.put("  (\(label)", row: row, col: col, role: .dim)
        if quote { c = g.put(" \"\(truncate(h.generation.replacingOccurrences(of: "\n", with: "⏎"), to: quoteWidth))\"", row: row, col: c, role: .text) }
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
            for chunk in wrap("\"\(res.generation.replacingOccurrences(of: "\n", with: "⏎"))\"", width: iw).prefix(3) { put(chunk, .text) }
            put("\(res.correct ? glyphs.check + " correct" : glyphs.cross + " wrong")   p(e3) \(prob(res.probBefore))\(glyphs.arrow)\(prob(res.probAfter))",
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
                var l = a.layer(of: s).map { "ℓ\($0)" } ?? "not reached"
                if s == .propagated, let m = a.infoPropagation, m != m.rounded() { l = "ℓ" + String(format: "%.1f", m) }
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
}
