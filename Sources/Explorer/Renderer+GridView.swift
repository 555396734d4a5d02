// The Grid view: the ℓs × ℓt back-patch heat map, its progress and the cursor cell.
import Foundation

extension Renderer {
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

        // Geometry (label column, cell width, scrolled source rows): the same layout hit-tests clicks.
        let L = gm.layers
        let lay = GridLayout(layers: L, cursorSource: gm.cursorSource, scrollTop: state.gridScrollTop, rows: H, cols: W)
        let left = lay.left, cw = lay.cellWidth
        // Axis.
        g.put(" target ℓ \(gl.arrow)", row: 2, col: 0, role: .dim)
        let step = cw >= 3 ? 5 : cw == 2 ? 5 : 10
        for t in stride(from: 0, to: L, by: step) { g.put(String(t), row: 2, col: lay.column(ofTarget: t), role: .dim) }
        g.put(" source ℓ ↓", row: 3, col: 0, role: .dim)
        g.put(gl.topLeft + String(repeating: gl.horizontal, count: min(W - left - 1, L * cw)), row: 3, col: left - 1, role: .border)
        for i in lay.window.shown {
            let s = lay.sources[i], r = lay.screenRow(ofSourceIndex: i)
            g.put(pad(String(s), 8, right: true), row: r, col: 0, role: s == gm.cursorSource ? .key : .dim)
            g.put(gl.vertical, row: r, col: left - 1, role: .border)
            for t in 0..<s {
                let x = lay.column(ofTarget: t)
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
        if lay.window.hiddenAbove > 0 { g.put("▲", row: lay.firstRow, col: 2, role: .dim) }
        if lay.window.hiddenBelow > 0 { g.put("▼", row: lay.lastRow, col: 2, role: .dim) }
        // Legend at the right when there is room.
        let lx = left + L * cw + 3
        if lx + 24 < W {
            var r = lay.firstRow
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
            c = g.put("\"\(truncate(cell.generation.replacingOccurrences(of: "\n", with: "⏎"), to: max(10, W - c - 40)))\" ", row: dr, col: c, role: .text)
            c = g.put(cell.correct ? gl.check : gl.cross, row: dr, col: c, role: cell.correct ? .correct : .wrong)
            g.put("   p(e3 1st token) \(prob(cell.probAfter)) (base \(prob(cell.probBefore))) rank \(cell.rankAfter)", row: dr, col: c, role: .dim)
        } else { g.put(gm.running ? "not computed yet" : "not computed (r reruns)", row: dr, col: c, role: .dim) }
        statusLine(&g, row: H - 2, state)
        hints(&g, row: H - 1, [("h/j/k/l", "move"), ("⏎", "show in layer view"), ("Esc", gm.running ? "stop" : "back"),
                              ("m", "metric"), ("p", "t1/t2"), ("r", "rerun"), ("?", "help"), ("q", "quit")])
        return Frame(grid: g, layout: ScreenLayout(grid: lay))
    }
}
