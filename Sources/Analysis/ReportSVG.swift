import Foundation

/// `SweepReport` as standalone SVG figures (`hopscope report --svg DIR`):
/// - `backpatch-t1.svg`, `backpatch-t2.svg` — success rate per (ℓs, ℓt) over the incorrect cases,
///   a lower-triangle heat map (rows: source layer, last on top; columns: target layer);
/// - `stages.svg` — for each stage, the fraction of queries that have reached it by layer ℓ
///   (cumulative), correct cases solid, incorrect cases dashed;
/// - `stages-boxplot.svg` — the paper's stage box plot (`plot_stage_boxplots`): per stage, a box
///   (q1–q3, median line, whiskers at 1.5 IQR, outliers as dots) for the correct and incorrect cases.
extension SweepReport {
    /// File name → SVG text.
    public func svgFigures() -> [String: String] {
        var out: [String: String] = [:]
        for p in PatchPosition.allCases {
            if let s = backpatch[p.rawValue], s.tried > 0, layers > 1 {
                out["backpatch-\(p.rawValue).svg"] = heatmapSVG(s, position: p)
            }
        }
        if layers > 0 && (stages["correct"]?["first_hop"]?.queries ?? 0) + (stages["incorrect"]?["first_hop"]?.queries ?? 0) > 0 {
            out["stages.svg"] = stagesSVG()
            out["stages-boxplot.svg"] = boxPlotSVG()
        }
        return out
    }

    /// A colour from white (0) through yellow and orange to dark red (1).
    static func heat(_ r: Double) -> String {
        let stops: [(Double, (Double, Double, Double))] = [
            (0, (255, 255, 255)), (0.25, (254, 224, 139)), (0.5, (253, 141, 60)), (0.75, (215, 48, 31)), (1, (127, 0, 0)),
        ]
        let x = min(1, max(0, r))
        var i = 0
        while i < stops.count - 2 && x > stops[i + 1].0 { i += 1 }
        let (a, ca) = stops[i], (b, cb) = stops[i + 1]
        let f = (x - a) / (b - a)
        func mix(_ u: Double, _ v: Double) -> Int { Int((u + (v - u) * f).rounded()) }
        return String(format: "#%02x%02x%02x", mix(ca.0, cb.0), mix(ca.1, cb.1), mix(ca.2, cb.2))
    }

    func heatmapSVG(_ s: PositionSummary, position: PatchPosition, cell: Int = 16) -> String {
        let L = layers, left = 48, top = 56
        let gridW = (L - 1) * cell
        let w = left + gridW + 110, h = top + (L - 1) * cell + 56
        let title = "Back-patching at \(position.rawValue): success rate per (ℓs, ℓt)"
        // Colours run from 0 to the best cell's rate, so a sparse grid stays visible; the bar says where.
        var topRate = 0.0
        for src in 1..<max(L, 1) { for t in 0..<src { topRate = max(topRate, s.rate(source: src, target: t) ?? 0) } }
        if topRate == 0 { topRate = 1 }
        var out = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(w)" height="\(h)" font-family="sans-serif" font-size="11">
        <title>\(xml(title))</title>
        <rect width="100%" height="100%" fill="#ffffff"/>
        <text x="\(left)" y="18" font-size="14">\(xml(title))</text>
        <text x="\(left)" y="36">\(s.fixed) of \(s.tried) incorrect cases fixed (\(String(format: "%.1f%%", (s.fraction ?? 0) * 100)))\(s.metric.map { " · metric: \($0)" } ?? "")\(models.isEmpty ? "" : " · \(xml(models.joined(separator: ", ")))")</text>

        """
        for src in stride(from: L - 1, through: 1, by: -1) {
            let y = top + (L - 1 - src) * cell
            if src % 5 == 0 || (src == L - 1 && src % 5 > 2) || src == 1 {
                out += "<text x=\"\(left - 6)\" y=\"\(y + cell - 4)\" text-anchor=\"end\">\(src)</text>\n"
            }
            for t in 0..<src {
                let r = s.rate(source: src, target: t) ?? 0
                let x = left + t * cell
                out += "<rect x=\"\(x)\" y=\"\(y)\" width=\"\(cell - 1)\" height=\"\(cell - 1)\" fill=\"\(Self.heat(r / topRate))\" stroke=\"#dddddd\" stroke-width=\"0.5\">"
                out += "<title>ℓs=\(src) → ℓt=\(t): \(s.successes[src][t])/\(s.tried) (\(String(format: "%.0f%%", r * 100)))</title></rect>\n"
            }
        }
        let axisY = top + (L - 1) * cell + 14
        for t in 0..<(L - 1) where t % 5 == 0 || (t == L - 2 && t % 5 > 2) {
            out += "<text x=\"\(left + t * cell + cell / 2)\" y=\"\(axisY)\" text-anchor=\"middle\">\(t)</text>\n"
        }
        out += "<text x=\"\(left + gridW / 2)\" y=\"\(axisY + 18)\" text-anchor=\"middle\">target layer ℓt (overwritten)</text>\n"
        out += "<text transform=\"translate(14,\(top + (L - 1) * cell / 2)) rotate(-90)\" text-anchor=\"middle\">source layer ℓs</text>\n"
        // Colour bar.
        let barX = left + gridW + 30, barH = min(200, (L - 1) * cell)
        for i in 0..<20 {
            let r = 1 - Double(i) / 19
            out += "<rect x=\"\(barX)\" y=\"\(top + i * barH / 20)\" width=\"14\" height=\"\(barH / 20 + 1)\" fill=\"\(Self.heat(r))\"/>\n"
        }
        out += "<text x=\"\(barX + 20)\" y=\"\(top + 8)\">\(String(format: "%.0f%%", topRate * 100))</text>\n"
        out += "<text x=\"\(barX + 20)\" y=\"\(top + barH)\">0%</text>\n"
        out += "</svg>\n"
        return out
    }

    func stagesSVG() -> String {
        let L = layers, left = 56, top = 48, plotW = max(300, L * 16), plotH = 220
        let w = left + plotW + 230, h = top + plotH + 60
        func x(_ l: Double) -> Double { Double(left) + l / Double(max(L - 1, 1)) * Double(plotW) }
        func y(_ f: Double) -> Double { Double(top + plotH) - f * Double(plotH) }
        var out = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(w)" height="\(h)" font-family="sans-serif" font-size="11">
        <title>Stages by layer</title>
        <rect width="100%" height="100%" fill="#ffffff"/>
        <text x="\(left)" y="18" font-size="14">Stages by layer: fraction of queries that reached each stage by layer ℓ</text>
        <rect x="\(left)" y="\(top)" width="\(plotW)" height="\(plotH)" fill="none" stroke="#888888"/>

        """
        for f in stride(from: 0.0, through: 1.0, by: 0.25) {
            out += String(format: "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eeeeee\"/>\n", left, left + plotW, y(f), y(f))
            out += String(format: "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%d%%</text>\n", left - 6, y(f) + 4, Int(f * 100))
        }
        for l in 0..<L where l % 5 == 0 || l == L - 1 {
            out += String(format: "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d</text>\n", x(Double(l)), top + plotH + 14, l)
        }
        out += "<text x=\"\(left + plotW / 2)\" y=\"\(top + plotH + 32)\" text-anchor=\"middle\">layer ℓ</text>\n"
        let colours = ["first_hop": "#1f77b4", "info_propagation": "#2ca02c", "second_hop": "#d62728",
                       "prediction_extracted": "#9467bd"]
        var legendY = top + 8
        for name in Self.stageLabels.map(\.name) {
            for (group, dash) in [("correct", ""), ("incorrect", " stroke-dasharray=\"6,4\"")] {
                guard let d = stages[group]?[name], d.queries > 0 else { continue }
                var cumulative = 0
                var points: [String] = []
                for l in 0..<L {
                    cumulative += l < d.counts.count ? d.counts[l] : 0
                    points.append(String(format: "%.1f,%.1f", x(Double(l)), y(Double(cumulative) / Double(d.queries))))
                }
                out += "<polyline fill=\"none\" stroke=\"\(colours[name]!)\" stroke-width=\"2\"\(dash) points=\"\(points.joined(separator: " "))\">"
                out += "<title>\(name) · \(group) (n=\(d.queries), never \(d.never))</title></polyline>\n"
                let lx = left + plotW + 16
                out += "<line x1=\"\(lx)\" x2=\"\(lx + 28)\" y1=\"\(legendY - 4)\" y2=\"\(legendY - 4)\" stroke=\"\(colours[name]!)\" stroke-width=\"2\"\(dash)/>\n"
                out += "<text x=\"\(lx + 34)\" y=\"\(legendY)\">\(name.replacingOccurrences(of: "_", with: " ")) · \(group) (n=\(d.queries))</text>\n"
                legendY += 18
            }
        }
        out += "</svg>\n"
        return out
    }

    /// The paper's stage box plot: x = the four stages, y = layer; blue hatched-style boxes for the
    /// correct cases, orange for the incorrect ones.
    func boxPlotSVG() -> String {
        let L = max(layers, 1), left = 56, top = 64, plotH = 260, slot = 150
        let plotW = slot * Self.stageLabels.count
        let w = left + plotW + 40, h = top + plotH + 70
        func y(_ v: Double) -> Double { Double(top + plotH) - v / Double(max(L - 1, 1)) * Double(plotH) }
        var out = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(w)" height="\(h)" font-family="sans-serif" font-size="11">
        <title>Stages of two-hop reasoning</title>
        <rect width="100%" height="100%" fill="#ffffff"/>
        <text x="\(left)" y="18" font-size="14">Layer of each stage (box q1–q3, line median, whiskers 1.5 IQR)</text>
        <text x="\(left)" y="36">\(xml(patchscopeModes.isEmpty ? "" : "Patchscopes: " + patchscopeModes.joined(separator: "; ")))\(models.isEmpty ? "" : " · " + xml(models.joined(separator: ", ")))</text>
        <rect x="\(left)" y="\(top)" width="\(plotW)" height="\(plotH)" fill="none" stroke="#888888"/>

        """
        for l in stride(from: 0, to: L, by: 5) {
            out += String(format: "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eeeeee\"/>\n", left, left + plotW, y(Double(l)), y(Double(l)))
            out += String(format: "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%d</text>\n", left - 6, y(Double(l)) + 4, l)
        }
        out += "<text transform=\"translate(16,\(top + plotH / 2)) rotate(-90)\" text-anchor=\"middle\">layer</text>\n"
        let groups = [("correct", "#1f77b4", -1), ("incorrect", "#ff7f0e", 1)]
        for (i, (name, label)) in Self.stageLabels.enumerated() {
            let cx = left + slot * i + slot / 2
            out += "<text x=\"\(cx)\" y=\"\(top + plotH + 18)\" text-anchor=\"middle\">\(label)</text>\n"
            for (g, colour, side) in groups {
                guard let d = stages[g]?[name], let q = d.quartiles, let wh = d.whiskers, let m = d.median else { continue }
                let x0 = cx + side * 8 + (side < 0 ? -48 : 0), bw = 48, mid = Double(x0) + Double(bw) / 2
                func f(_ v: Double) -> String { String(format: "%.1f", v) }
                out += "<line x1=\"\(f(mid))\" x2=\"\(f(mid))\" y1=\"\(f(y(wh[0])))\" y2=\"\(f(y(wh[1])))\" stroke=\"\(colour)\"/>\n"
                for v in wh {
                    out += "<line x1=\"\(f(mid - 10))\" x2=\"\(f(mid + 10))\" y1=\"\(f(y(v)))\" y2=\"\(f(y(v)))\" stroke=\"\(colour)\"/>\n"
                }
                out += "<rect x=\"\(x0)\" y=\"\(f(y(q[1])))\" width=\"\(bw)\" height=\"\(f(max(1, y(q[0]) - y(q[1]))))\" fill=\"\(colour)\" fill-opacity=\"0.25\" stroke=\"\(colour)\" stroke-width=\"1.5\">"
                out += "<title>\(label) · \(g): median \(Self.layer(m)), q1 \(Self.layer(q[0])), q3 \(Self.layer(q[1])), n=\(d.queries - d.never) of \(d.queries)</title></rect>\n"
                out += "<line x1=\"\(x0)\" x2=\"\(x0 + bw)\" y1=\"\(f(y(m)))\" y2=\"\(f(y(m)))\" stroke=\"\(colour)\" stroke-width=\"2\"/>\n"
                for o in d.outliers ?? [] {
                    out += "<circle cx=\"\(f(mid))\" cy=\"\(f(y(o)))\" r=\"2.5\" fill=\"none\" stroke=\"\(colour)\"/>\n"
                }
            }
        }
        for (k, (g, colour, _)) in groups.enumerated() {
            let lx = left + 10 + k * 140
            out += "<rect x=\"\(lx)\" y=\"\(top + plotH + 34)\" width=\"14\" height=\"10\" fill=\"\(colour)\" fill-opacity=\"0.25\" stroke=\"\(colour)\"/>\n"
            out += "<text x=\"\(lx + 20)\" y=\"\(top + plotH + 43)\">\(g == "correct" ? "Correct" : "Incorrect") two-hop answer</text>\n"
        }
        out += "</svg>\n"
        return out
    }
}

private func xml(_ s: String) -> String {
    s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
}
