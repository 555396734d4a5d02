// Overlays drawn over either view: help, layer detail, sample queries.
import Foundation

extension Renderer {
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
        ("e", "query form (⏎ runs)"),
        ("/", "sample queries"),
        ("", "Grid view"),
        ("h j k l", "move the cell cursor"),
        ("⏎", "show cell in layers"),
        ("m", "metric: gen / 1st token"),
        ("p  r", "other position / rerun"),
        ("Esc", "stop grid, then back"),
        ("", "Mouse"),
        ("click", "select; again: as ⏎"),
        ("wheel", "as ↑ / ↓"),
        ("", "Everywhere"),
        ("?", "this help"),
        ("Ctrl-L", "redraw"),
        ("q", "quit"),
        ("", "Commands ( : )"),
        (":theme", "NAME or FILE.toml"),
        (":query", "[TEXT]: form / analyze"),
        (":layer", "N: go to layer N"),
        (":source", "N   :target N"),
        (":position", "t1 | t2"),
        (":metric", "generation|first-token"),
        (":export", "FILE.svg: grid / layers"),
        (":model", "[F.gguf]: info / load"),
        (":record", "on | off: transcript"),
        (":grid :quit", "grid view / quit"),
    ]

    func drawHelp(_ g: inout CellGrid, screen: ExplorerState.Screen) {
        let lines = Renderer.helpLines
        // One column when it fits, else two side by side, split at a section title (80×24 shows every key).
        let capacity = max(1, g.rows - 5)      // rows inside the box, less its closing line
        let twoColumns = lines.count > capacity
        var split = lines.count
        if twoColumns {
            let titles = lines.indices.filter { lines[$0].0.isEmpty && $0 > 0 }
            split = titles.filter { $0 <= capacity && lines.count - $0 <= capacity }
                .min { abs(2 * $0 - lines.count) < abs(2 * $1 - lines.count) } ?? (lines.count + 1) / 2
        }
        let columns = twoColumns ? [Array(lines[..<split]), Array(lines[split...])] : [lines]
        let perColumn = columns.map(\.count).max() ?? 0
        let colW = 38
        let w = min(g.cols - 2, twoColumns ? 2 * colW + 2 : colW + 6), h = min(g.rows - 2, perColumn + 4)
        let r0 = max(0, (g.rows - h) / 2), c0 = max(0, (g.cols - w) / 2)
        // The rows behind the box are cleared whole: no text of the view shows beside it.
        g.fill(row: r0, col: 0, height: h, width: g.cols)
        box(&g, row: r0, col: c0, height: h, width: w, title: "keys")
        for (ci, column) in columns.enumerated() {
            for (i, (k, d)) in column.enumerated() {
                let r = r0 + 1 + i
                let x = c0 + 2 + ci * colW
                guard r < r0 + h - 2 else { continue }
                if k.isEmpty { g.put(d, row: r, col: x, role: .header) }
                else {
                    g.put(k, row: r, col: x + 1, role: .key, maxWidth: 12)
                    g.put(d, row: r, col: x + 13, role: .text, maxWidth: colW - 15)
                }
            }
        }
        g.put("Esc / ? closes", row: r0 + h - 2, col: c0 + w - 17, role: .dim)
    }

    /// `:model`: `hopscope info`'s lines about the model, long lines wrapped, in a box (any key closes).
    func drawModelInfo(_ g: inout CellGrid, _ m: ModelSummary) {
        let w = min(g.cols - 2, 120), inner = w - 4
        var lines: [String] = []
        for l in m.info {
            // "label       text": continuation lines indented under the text.
            let label = String(l.prefix(12)), rest = String(l.dropFirst(12))
            let parts = wrap(rest, width: inner - 12)
            for (i, p) in parts.enumerated() { lines.append((i == 0 ? label : String(repeating: " ", count: 12)) + p) }
        }
        let h = min(g.rows - 2, lines.count + 4)
        let r0 = max(0, (g.rows - h) / 2), c0 = max(0, (g.cols - w) / 2)
        g.fill(row: r0, col: 0, height: h, width: g.cols)
        box(&g, row: r0, col: c0, height: h, width: w, title: "model · \(m.name)")
        for (i, l) in lines.prefix(h - 4).enumerated() { g.put(l, row: r0 + 1 + i, col: c0 + 2, role: .text, maxWidth: inner) }
        if lines.count > h - 4 { g.put("… \(lines.count - (h - 4)) more lines: hopscope info", row: r0 + h - 3, col: c0 + 2, role: .dim, maxWidth: inner) }
        g.put("any key closes", row: r0 + h - 2, col: c0 + w - 17, role: .dim)
    }

    func drawDetail(_ g: inout CellGrid, _ s: ExplorerState) {
        if let a = s.layer.analysis, let d = a.detail, s.layer.selectedRow < d.lens.count {
            drawLensDetail(&g, s, a, d); return
        }
        let w = min(g.cols - 4, 76), h = min(g.rows - 2, 14)
        let r0 = max(0, (g.rows - h) / 2), c0 = max(0, (g.cols - w) / 2)
        drawRowDetail(&g, s, row: r0, col: c0, height: h, width: w, closable: true)
        // The lens at every position comes after the analysis: the row's own record shows meanwhile.
        if s.layer.analysis?.detailPending == true {
            g.put("lens at every position: computing …", row: r0 + h - 2, col: c0 + 2, role: .dim, maxWidth: w - 20)
        }
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
        if let ps = row.patchscopeT2 {
            kv("patchscope @t2", "decodes \(ps.decoded.rawValue)", ps.decoded == .e2 ? .bridge : ps.decoded == .e3 ? .answer : .text)
            for chunk in wrap("\"\(ps.text)\"", width: w - 22).prefix(2) { kv("", chunk) }
        }
        if let k = row.knockout {
            kv("knockout t2↛t1", "answer \"\(k.answer)\"  p(e3) \(String(format: "%.3f", k.e3ProbBase)) → \(String(format: "%.3f", k.e3Prob))")
        }
        if !row.stages.isEmpty { kv("stages", row.stages.map { glyphs.stages[$0.rawValue - 1] + " " + $0.label }.joined(separator: ", "), .stage) }
        if closable { g.put("Esc closes", row: r0 + h - 2, col: c0 + w - 13, role: .dim) }
    }

    /// The ⏎ detail on a real model: top-20 lens tokens at any position (←/→), t2's attention over the
    /// prompt at this layer, and the attention / MLP outputs at t2 read through the lens.
    func drawLensDetail(_ g: inout CellGrid, _ s: ExplorerState, _ a: AnalysisViewModel, _ d: AnalysisDetail) {
        let idx = s.layer.selectedRow
        let row = a.rows[idx]
        let pos = min(s.detailPosition ?? a.t2, a.tokens.count - 1)
        let w = min(g.cols - 2, 110), h = min(g.rows - 1, 26)
        let r0 = max(0, (g.rows - h) / 2), c0 = max(0, (g.cols - w) / 2)
        g.fill(row: r0, col: c0, height: h, width: w)
        let tag = pos == a.t1 ? " (t1)" : pos == a.t2 ? " (t2)" : ""
        box(&g, row: r0, col: c0, height: h, width: w, title: (row.layer.map { "layer \($0)" } ?? "embedding")
            + " · lens at \(pos) \"\(piece(a.tokens[pos]))\"\(tag)")
        let inner = h - 3
        // Column 1: top-20 lens tokens at `pos`.
        let colW = max(20, (w - 4) / 3)
        var x = c0 + 2
        g.put("lens top-20  ←/→ position", row: r0 + 1, col: x, role: .header, maxWidth: colW - 1)
        let tops = pos < d.lens[idx].count ? d.lens[idx][pos] : []
        for (i, t) in tops.prefix(min(20, inner)).enumerated() {
            let r = r0 + 2 + i
            var c = g.put(pad(String(i + 1), 3, right: true) + " ", row: r, col: x, role: .dim)
            c = g.put(truncate(piece(t.piece), to: colW - 11), row: r, col: c, role: role(for: t.piece, a))
            g.put(prob(t.prob), row: r, col: x + colW - 6, role: .dim)
        }
        // Column 2: attention from t2 to every position at this layer.
        x += colW
        g.put("attention t2 → token", row: r0 + 1, col: x, role: .header, maxWidth: colW - 1)
        let att = idx < d.attentionT2.count ? d.attentionT2[idx] : []
        if att.isEmpty { g.put("(no attention at the embedding)", row: r0 + 2, col: x, role: .dim, maxWidth: colW - 1) }
        let first = max(0, att.count - inner)
        let peak = max(att.max() ?? 1, 1e-9)   // bars relative to the most attended token
        for (i, p) in att.enumerated().dropFirst(first) {
            let r = r0 + 2 + i - first
            let roleTok: Role = i == a.t1 ? .bridge : i == a.t2 ? .answer : .text
            g.put(truncate(piece(i < a.tokens.count ? a.tokens[i] : "?"), to: colW - 14), row: r, col: x, role: roleTok)
            g.put(glyphs.progressBar(p / peak, width: 5), row: r, col: x + colW - 13, role: roleTok)
            g.put(prob(p), row: r, col: x + colW - 6, role: .dim)
        }
        // Column 3: sublayer outputs at t2.
        x += colW
        var r = r0 + 1
        for (title, list) in [("attention out @t2", idx < d.attentionOutT2.count ? d.attentionOutT2[idx] : []),
                              ("MLP out @t2", idx < d.mlpOutT2.count ? d.mlpOutT2[idx] : [])] where r < r0 + h - 2 {
            g.put(title, row: r, col: x, role: .header, maxWidth: w - (x - c0) - 2); r += 1
            if list.isEmpty { g.put("–", row: r, col: x, role: .dim); r += 1 }
            for t in list where r < r0 + h - 2 {
                g.put(truncate(piece(t.piece), to: max(4, w - (x - c0) - 10)), row: r, col: x, role: role(for: t.piece, a))
                g.put(prob(t.prob), row: r, col: min(c0 + w - 7, x + colW - 6), role: .dim)
                r += 1
            }
            r += 1
        }
        g.put("j/k layer · ←/→ position · Esc closes", row: r0 + h - 2, col: c0 + 2, role: .dim, maxWidth: w - 4)
    }

    /// The sample browser; returns where its entries are, for clicks.
    @discardableResult
    func drawSamples(_ g: inout CellGrid, _ samples: [SampleQuery], selected: Int, scrollTop: Int = 0, filter: String = "", of all: Int? = nil) -> ListLayout {
        let w = min(g.cols - 4, 100), h = min(g.rows - 2, max(samples.count, 3) + 5)
        let r0 = max(0, (g.rows - h) / 2), c0 = max(0, (g.cols - w) / 2)
        g.fill(row: r0, col: c0, height: h, width: w)
        box(&g, row: r0, col: c0, height: h, width: w, title: "sample queries · \(samples.count)" + (all.map { $0 != samples.count ? " of \($0)" : "" } ?? ""))
        var c = g.put("search ", row: r0 + 1, col: c0 + 2, role: .dim)
        c = g.put(filter, row: r0 + 1, col: c, role: .selection, maxWidth: w - 12)
        if filter.isEmpty { g.put("type words of the prompt, id or entities", row: r0 + 1, col: c, role: .dim, maxWidth: w - 12) }
        let list = ListLayout(firstRow: r0 + 2, columns: c0 + 1..<c0 + w - 1,
                              window: ScrollWindow(count: samples.count, visible: h - 4, scrollTop: scrollTop, selected: selected))
        let idW = w >= 96 ? min(28, w / 4) : 0     // narrow screens show prompts, not ids
        for i in list.window.shown {
            let s = samples[i], r = list.screenRow(of: i)
            var c = idW > 0 ? g.put(truncate(s.id, to: idW - 1), row: r, col: c0 + 2, role: .dim) : c0 + 2
            c = max(c, c0 + 2 + idW)
            c = g.put(s.query, row: r, col: c, role: .text, maxWidth: w - 4 - idW - 22)
            g.put("  " + s.e2 + " → " + s.e3, row: r, col: max(c, c0 + w - 24), role: .dim, maxWidth: 22)
            if i == selected { g.paint(row: r, col: c0 + 1, width: w - 2, role: .cursor) }
        }
        if samples.isEmpty { g.put(all == 0 ? "no sample queries found" : "no query matches", row: r0 + 2, col: c0 + 2, role: .dim) }
        g.put("↑/↓ move  ⏎ analyze  Esc close", row: r0 + h - 2, col: c0 + w - 33, role: .dim)
        return list
    }
}
