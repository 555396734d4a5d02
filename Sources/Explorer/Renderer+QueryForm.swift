// The query form overlay: one line per field, proposals marked, a message wrapped inside the box.
import Foundation

extension Renderer {
    /// Draws the form centred over the view; returns where the terminal cursor goes (the focused field).
    func drawQueryForm(_ g: inout CellGrid, _ f: QueryForm) -> (row: Int, col: Int)? {
        let w = min(g.cols - 2, 100)
        let inner = w - 4
        let message = f.message.map { wrap($0, width: inner) } ?? []
        let h = QueryForm.Field.allCases.count + 4 + message.count + (f.pendingProposal != nil ? 1 : 0)
        let r0 = max(0, (g.rows - h) / 2), c0 = max(0, (g.cols - w) / 2)
        g.fill(row: r0, col: c0, height: h, width: w)
        box(&g, row: r0, col: c0, height: h, width: w, title: "query")
        let labelW = 9, noteW = 18
        var cursor: (row: Int, col: Int)?
        var r = r0 + 1
        for field in QueryForm.Field.allCases {
            let focused = field == f.focus
            g.put(field.label, row: r, col: c0 + 2, role: focused ? .key : .dim)
            let note = f.note(field)
            // The prompt gets the whole width; entity fields leave room for their note.
            let fieldW = field == .prompt ? inner - labelW : inner - labelW - noteW - 1
            let vp = f[field].viewport(width: fieldW)
            let role: Role = field == .e2 || field == .e2Aliases ? .bridge : field == .e3 || field == .e3Aliases ? .answer : .text
            g.put(vp.text, row: r, col: c0 + 2 + labelW, role: focused ? .selection : (note != nil ? .dim : role), maxWidth: fieldW)
            if let note, field != .prompt {
                g.put(note, row: r, col: c0 + 2 + labelW + fieldW + 1, role: .dim, maxWidth: noteW)
            } else if field == .e2Aliases || field == .e3Aliases, f[field].text.isEmpty, !focused {
                g.put("names separated by ;", row: r, col: c0 + 2 + labelW, role: .dim, maxWidth: fieldW)
            }
            if focused { cursor = (r, c0 + 2 + labelW + vp.cursorColumn) }
            r += 1
        }
        if f.pendingProposal != nil {
            g.put("asking the model for e2 and e3 …", row: r, col: c0 + 2, role: .dim, maxWidth: inner)
            r += 1
        }
        r += 1
        for line in message {
            g.put(line, row: r, col: c0 + 2, role: .warning, maxWidth: inner)
            r += 1
        }
        // While the prompt is the one the form opened with, say that typing replaces it.
        let help = f.note(.prompt) != nil ? "typing replaces the prompt · ← → edit it · Tab next · ⏎ analyse · Esc"
            : "Tab next · Shift-Tab back · ⏎ analyse · Esc cancel · ↑↓ history"
        g.put(help, row: r0 + h - 2, col: c0 + 2, role: .dim, maxWidth: inner)
        return cursor
    }
}
