// `:export grid.svg`: the back-patch grid as a standalone SVG heat map.
import Foundation

extension GridViewModel {
    /// An SVG of the grid as the screen shows it: rows are source layers (last on top), columns target
    /// layers; generation metric = green (correct) / red (wrong), first-token metric = p(e3) as opacity.
    public func svg(title: String, cell: Int = 14) -> String {
        let L = layers, left = 40, top = 40
        let w = left + L * cell + 20, h = top + L * cell + 40
        var out = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(w)" height="\(h)" font-family="monospace" font-size="10">
        <title>\(escapeXML(title))</title>
        <rect width="100%" height="100%" fill="#ffffff"/>
        <text x="\(left)" y="16" font-size="12">\(escapeXML(title))</text>
        <text x="\(left)" y="30">back-patch \(position.rawValue) · \(metric.title) · \(correctCount)/\(total) correct · \(fixed ? "fixed" : "not fixed")</text>

        """
        for s in stride(from: L - 1, through: 1, by: -1) {
            let y = top + (L - 1 - s) * cell
            if s % 5 == 0 || s == L - 1 { out += "<text x=\"\(left - 4)\" y=\"\(y + cell - 3)\" text-anchor=\"end\">\(s)</text>\n" }
            for t in 0..<s {
                let x = left + t * cell
                let fill: String
                if let c = cells[s][t] {
                    switch metric {
                    case .generation: fill = c.correct ? "fill=\"#2e9e44\"" : "fill=\"#e8b4b4\""
                    case .firstToken: fill = "fill=\"#1f5fbf\" fill-opacity=\"\(String(format: "%.3f", min(1, max(0.05, c.probAfter / 0.4))))\""
                    }
                } else { fill = "fill=\"#eeeeee\"" }
                out += "<rect x=\"\(x)\" y=\"\(y)\" width=\"\(cell - 1)\" height=\"\(cell - 1)\" \(fill)><title>\(s)→\(t)</title></rect>\n"
            }
        }
        for t in stride(from: 0, to: L, by: 5) {
            out += "<text x=\"\(left + t * cell)\" y=\"\(top + L * cell + 12)\">\(t)</text>\n"
        }
        out += "<text x=\"\(left)\" y=\"\(top + L * cell + 28)\">rows: source ℓs · columns: target ℓt</text>\n</svg>\n"
        return out
    }
}

private func escapeXML(_ s: String) -> String {
    s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
}
