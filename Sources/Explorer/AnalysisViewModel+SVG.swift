// `:export layers.svg` from the layer view: the rank curves of e2 at t1 and e3 at t2, with the stages.
import Foundation

extension AnalysisViewModel {
    /// An SVG line chart: x = layer, y = lens rank on a log scale (1 at the top), e2@t1 in orange and
    /// e3@t2 in blue, Patchscope decoding e2 as dots on the e2 curve, stages as labelled vertical lines.
    public func svg(title: String, width: Int = 720, height: Int = 360) -> String {
        let layersRows = rows.filter { $0.layer != nil }
        let L = max(1, layersRows.count)
        let left = 60.0, right = 20.0, top = 50.0, bottom = 50.0
        let pw = Double(width) - left - right, ph = Double(height) - top - bottom
        let maxRank = Double(max(10, layersRows.flatMap { [$0.e2AtT1?.rank ?? 1, $0.e3AtT2?.rank ?? 1] }.max() ?? 10))
        func x(_ l: Int) -> Double { left + pw * Double(l) / Double(max(1, L - 1)) }
        func y(_ rank: Int) -> Double { top + ph * log10(Double(max(1, rank))) / log10(maxRank) }
        func fmt(_ v: Double) -> String { String(format: "%.1f", v) }
        var out = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" font-family="monospace" font-size="10">
        <title>\(xml(title))</title>
        <rect width="100%" height="100%" fill="#ffffff"/>
        <text x="\(fmt(left))" y="16" font-size="12">\(xml(title))</text>
        <text x="\(fmt(left))" y="32">lens rank of e2 “\(xml(e2))” at t1 (orange) and e3 “\(xml(e3))” at t2 (blue); ● Patchscope decodes e2</text>

        """
        // Rank grid lines at powers of ten.
        var r = 1
        while Double(r) <= maxRank {
            out += "<line x1=\"\(fmt(left))\" x2=\"\(fmt(left + pw))\" y1=\"\(fmt(y(r)))\" y2=\"\(fmt(y(r)))\" stroke=\"#dddddd\"/>"
            out += "<text x=\"\(fmt(left - 4))\" y=\"\(fmt(y(r) + 3))\" text-anchor=\"end\">\(r)</text>\n"
            r *= 10
        }
        for l in stride(from: 0, to: L, by: 5) {
            out += "<text x=\"\(fmt(x(l)))\" y=\"\(fmt(top + ph + 14))\" text-anchor=\"middle\">\(l)</text>\n"
        }
        out += "<text x=\"\(fmt(left + pw / 2))\" y=\"\(fmt(top + ph + 30))\" text-anchor=\"middle\">layer ℓ (output of block ℓ)</text>\n"
        for (stage, row) in layersRows.flatMap({ row in row.stages.map { ($0, row) } }) {
            let sx = x(row.layer!)
            out += "<line x1=\"\(fmt(sx))\" x2=\"\(fmt(sx))\" y1=\"\(fmt(top))\" y2=\"\(fmt(top + ph))\" stroke=\"#888888\" stroke-dasharray=\"3,3\"/>"
            out += "<text x=\"\(fmt(sx + 3))\" y=\"\(fmt(top + 10 + Double(stage.rawValue - 1) * 12))\">\(stage.rawValue) \(xml(stage.label))</text>\n"
        }
        func curve(_ pick: (LayerRow) -> RankProb?, _ colour: String) -> String {
            let pts = layersRows.compactMap { row in pick(row).map { "\(fmt(x(row.layer!))),\(fmt(y($0.rank)))" } }
            return pts.isEmpty ? "" : "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\" points=\"\(pts.joined(separator: " "))\"/>\n"
        }
        out += curve(\.e2AtT1, "#e07b00")
        out += curve(\.e3AtT2, "#1f5fbf")
        for row in layersRows where row.patchscope?.decoded == .e2 {
            if let e = row.e2AtT1 { out += "<circle cx=\"\(fmt(x(row.layer!)))\" cy=\"\(fmt(y(e.rank)))\" r=\"4\" fill=\"#e07b00\"/>\n" }
        }
        out += "</svg>\n"
        return out
    }
}

private func xml(_ s: String) -> String {
    s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
}
