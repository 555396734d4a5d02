import Foundation

/// `SweepReport` as terminal text: tables, heatmaps of back-patching success per (ℓs, ℓt), and
/// per-layer histograms of the stages. Plain text (no colour), so it reads the same in a pipe or a
/// log; `unicode: false` draws with ASCII only.
extension SweepReport {
    public struct TextOptions: Sendable {
        public var unicode = true
        /// Source files, for the header.
        public var files: [String] = []
        public init(unicode: Bool = true, files: [String] = []) {
            self.unicode = unicode
            self.files = files
        }
    }

    /// Human names of the stages.
    public static let stageTitles: [String: String] = [
        "first_hop": "1st hop resolved: e2 decoded from t1",
        "info_propagation": "info propagation: mean of the three",
        "info_propagation_knockout": "  knockout t2 → t1 matters",
        "info_propagation_attention": "  attention at t2 ranks e2 first",
        "info_propagation_patchscope": "  e2 decoded from t2",
        "second_hop": "2nd hop resolved: e3 decoded from t2",
        "prediction_extracted": "prediction extracted: MLP at t2",
    ]

    /// Short names of the four stages (the paper's box-plot labels).
    public static let stageLabels: [(name: String, label: String)] = [
        ("first_hop", "1st hop resolved"), ("info_propagation", "info propagation"),
        ("second_hop", "2nd hop resolved"), ("prediction_extracted", "prediction extracted"),
    ]

    public func text(_ options: TextOptions = .init()) -> String {
        var out = ""
        let files = options.files.count
        out += "hopscope report: \(rows) quer\(rows == 1 ? "y" : "ies")"
        if files > 0 { out += " from \(files) file\(files == 1 ? "" : "s")" }
        if !models.isEmpty { out += ", model \(models.joined(separator: " + "))" }
        out += "\n"
        if models.count > 1 { out += "warning: the rows come from \(models.count) different models\n" }
        if !duplicateIDs.isEmpty {
            out += "note: \(duplicateIDs.count) id\(duplicateIDs.count == 1 ? "" : "s") in more than one row (merged)\n"
        }
        if !conflictingIDs.isEmpty {
            out += "warning: \(conflictingIDs.count) id\(conflictingIDs.count == 1 ? "" : "s") with differing rows (first kept): "
            out += conflictingIDs.prefix(5).joined(separator: ", ") + (conflictingIDs.count > 5 ? ", …" : "") + "\n"
        }
        if errors > 0 { out += "warning: \(errors) row\(errors == 1 ? "" : "s") with an error (counted as far as they got)\n" }
        if patchscopeModes.count == 1 { out += "Patchscopes: \(patchscopeModes[0])\n" }
        if patchscopeModes.count > 1 {
            out += "warning: the rows' stages come from \(patchscopeModes.count) Patchscope modes (not comparable): "
            out += patchscopeModes.joined(separator: "; ") + "\n"
        }
        if legacyStageRows > 0 {
            out += "warning: \(legacyStageRows) row\(legacyStageRows == 1 ? "" : "s") with stages from an older hopscope (other definitions) — left out of the stages; re-run the sweep\n"
        }
        out += "\n"

        // Evaluation and filtering.
        func pct(_ n: Int, _ of: Int) -> String { of == 0 ? "" : String(format: "%5.1f%%", 100 * Double(n) / Double(of)) }
        func row(_ label: String, _ n: Int, _ of: Int? = nil, _ extra: String = "") -> String {
            label.padding(toLength: 44, withPad: " ", startingAt: 0) + String(format: "%6d", n)
                + (of.map { "  " + pct(n, $0) } ?? "") + extra + "\n"
        }
        out += "Queries (composition and hops: 10 greedy tokens contain the answer)\n"
        out += row("  evaluated", evaluated)
        out += row("  hop1 correct (r1 of e1 → e2)", hop1Correct, evaluated)
        out += row("  hop2 correct (r2 of e2 → e3)", hop2Correct, evaluated)
        out += row("  composition correct, before filtering", compositionCorrectAll, evaluated)
        out += row("  both hops known", hopsKnown, evaluated)
        out += row("    left out: a shortcut gives e3", shortcutFiltered, hopsKnown,
                   "   (r2 of e1: \(shortcutEntityCorrect), r2 of the r1: \(shortcutRelationCorrect))")
        out += row("    kept", kept, hopsKnown)
        out += row("      composition correct", compositionCorrect, kept)
        out += row("      composition incorrect", compositionIncorrect, kept)
        out += "\n"

        // Back-patching.
        let metric = Set(backpatch.values.compactMap(\.metric)).sorted().joined(separator: ",")
        out += "Back-patching the incorrect cases" + (metric.isEmpty ? "" : " (metric: \(metric))") + "\n"
        out += "  position   tried   fixed   fraction\n"
        for p in PatchPosition.allCases {
            guard let s = backpatch[p.rawValue] else { continue }
            out += "  " + p.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)
            out += String(format: "%6d  %6d   ", s.tried, s.fixed) + (s.fraction.map { String(format: "%6.1f%%", $0 * 100) } ?? "     -") + "\n"
        }
        out += "  either   " + String(format: "%6d  %6d   ", withBothGrids, fixedEither)
            + (withBothGrids > 0 ? String(format: "%6.1f%%", 100 * Double(fixedEither) / Double(withBothGrids)) : "     -") + "\n"
        out += "\n"
        for p in PatchPosition.allCases {
            guard let s = backpatch[p.rawValue], s.tried > 0, layers > 1 else { continue }
            out += heatmap(s, position: p, unicode: options.unicode)
            out += "\n"
        }

        // Stages.
        out += stageTable()
        if layers > 0 {
            out += "\n" + stageBoxPlot(unicode: options.unicode)
            out += "\n" + stageHistograms(unicode: options.unicode)
        }
        return options.unicode ? out : Self.ascii(out)
    }

    /// The text with its few non-ASCII symbols spelled in ASCII.
    static func ascii(_ s: String) -> String {
        var out = s
        for (a, b) in [("ℓ", "l"), ("→", "->"), ("≤", "<="), ("–", "-"), ("…", "..."), ("·", "."), ("×", "x"), ("─", "-"), ("┤", "|"), ("├", "|"), ("│", "|"), ("◆", "*")] {
            out = out.replacingOccurrences(of: a, with: b)
        }
        return out
    }

    /// Median [quartiles] and "never" per stage and group.
    func stageTable() -> String {
        let groups = [("correct", compositionCorrect), ("incorrect", compositionIncorrect), ("all", rows)]
        var out = "Stages: layer of each stage, median [q1–q3] (never)"
        out += "\n" + "".padding(toLength: 44, withPad: " ", startingAt: 0)
        for (g, _) in groups {
            let n = stages[g]?["first_hop"]?.queries ?? 0
            out += "\(g) (n=\(n))".padding(toLength: 22, withPad: " ", startingAt: 0)
        }
        out += "\n"
        for name in Self.stageNames {
            out += "  " + (Self.stageTitles[name] ?? name).padding(toLength: 42, withPad: " ", startingAt: 0)
            for (g, _) in groups {
                guard let d = stages[g]?[name], d.queries > 0 else { out += "-".padding(toLength: 22, withPad: " ", startingAt: 0); continue }
                var cell = d.median.map { Self.layer($0) } ?? "never"
                if let q = d.quartiles { cell += " [\(Self.layer(q[0]))–\(Self.layer(q[1]))]" }
                if d.never > 0 { cell += " (\(d.never))" }
                out += cell.padding(toLength: 22, withPad: " ", startingAt: 0)
            }
            out += "\n"
        }
        return out
    }

    /// A layer for display: whole numbers bare, a fractional one (a mean) with one decimal.
    public static func layer(_ v: Double) -> String { v == v.rounded() ? String(Int(v)) : String(format: "%.1f", v) }

    /// One line per stage: how many queries reach it at each layer, as a bar per layer.
    func stageHistograms(unicode: Bool) -> String {
        let bars: [Character] = unicode ? [" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"] : [" ", ".", ":", "-", "=", "+", "*", "#", "@"]
        var out = "Stage layers (queries per layer, bar height relative to the row's largest count)\n"
        var axis = ""
        for l in 0..<layers {
            if l % 10 == 0 { axis += String(l / 10 % 10) } else if l % 5 == 0 { axis += unicode ? "·" : "." } else { axis += " " }
        }
        for (g, label) in [("correct", "correct cases"), ("incorrect", "incorrect cases")] {
            guard let group = stages[g], (group["first_hop"]?.queries ?? 0) > 0 else { continue }
            out += "  \(label)\n"
            out += "    " + "".padding(toLength: 21, withPad: " ", startingAt: 0) + "|" + String(axis) + "|  layer ×10\n"
            for name in Self.stageLabels.map(\.name) {
                guard let d = group[name] else { continue }
                let top = d.counts.max() ?? 0
                let line = (0..<layers).map { l -> Character in
                    let c = l < d.counts.count ? d.counts[l] : 0
                    if c == 0 || top == 0 { return bars[0] }
                    return bars[max(1, Int((Double(c) / Double(top) * 8).rounded()))]
                }
                let short = Self.stageLabels.first { $0.name == name }?.label ?? name
                out += "    " + short.padding(toLength: 21, withPad: " ", startingAt: 0) + "|" + String(line) + "|  never \(d.never)/\(d.queries)\n"
            }
        }
        return out
    }

    /// The paper's stage box plot as text: per stage, one line per group (correct, incorrect cases) on a
    /// layer axis — whiskers `├──┤`, box `[…]` from q1 to q3, `|` the median, `◆` the mean (seaborn
    /// draws no mean; it is there because the paper's tables report it).
    func stageBoxPlot(unicode: Bool, width: Int = 60) -> String {
        let L = max(layers, 1)
        func col(_ v: Double) -> Int { min(width - 1, max(0, Int((v / Double(max(L - 1, 1)) * Double(width - 1)).rounded()))) }
        var out = "Stage box plot (as the paper's plot_stage_boxplots; layers 0–\(L - 1): box q1–q3, | median, ◆ mean, ├ ┤ whiskers at 1.5 IQR, ∘ outliers)\n"
        var axis = Array(repeating: Character(" "), count: width)
        for l in stride(from: 0, to: L, by: 5) {
            for (i, ch) in String(l).enumerated() where col(Double(l)) + i < width { axis[col(Double(l)) + i] = ch }
        }
        let pad = 34
        out += "".padding(toLength: pad, withPad: " ", startingAt: 0) + String(axis) + "\n"
        for (name, label) in Self.stageLabels {
            for (g, gl) in [("correct", "correct"), ("incorrect", "incorrect")] {
                guard let d = stages[g]?[name], d.queries > 0 else { continue }
                var line = Array(repeating: Character(" "), count: width)
                if let q = d.quartiles, let w = d.whiskers, let m = d.median {
                    for c in col(w[0])...col(w[1]) { line[c] = "─" }
                    line[col(w[0])] = "├"; line[col(w[1])] = "┤"
                    for c in col(q[0])...col(q[1]) { line[c] = "█" }
                    line[col(q[0])] = "["; line[col(q[1])] = "]"
                    line[col(m)] = "|"
                    for o in d.outliers ?? [] { line[col(o)] = "∘" }
                    if let mean = d.mean { line[col(mean)] = "◆" }
                }
                let head = (gl == "correct" ? label : "").padding(toLength: 22, withPad: " ", startingAt: 0)
                    + gl.padding(toLength: 10, withPad: " ", startingAt: 0) + "  "
                let tail = "  n=\(d.queries - d.never)/\(d.queries)" + (d.median.map { " median " + Self.layer($0) } ?? " never")
                out += head + String(line) + tail + "\n"
            }
        }
        return unicode ? out : out.replacingOccurrences(of: "█", with: "=").replacingOccurrences(of: "∘", with: "o")
    }

    /// Success rate per (ℓs, ℓt) as a shaded lower triangle: rows ℓs (top = last layer), columns ℓt.
    func heatmap(_ s: PositionSummary, position: PatchPosition, unicode: Bool) -> String {
        let shades: [String] = unicode ? ["  ", "░░", "▒▒", "▓▓", "██"] : ["  ", "..", "::", "##", "@@"]
        let zero = unicode ? "· " : ". "
        var best = (rate: 0.0, s: 0, t: 0)
        for src in 1..<max(layers, 1) {
            for t in 0..<src { if let r = s.rate(source: src, target: t), r > best.rate { best = (r, src, t) } }
        }
        // Shades are quarters of the best cell's rate, so a sparse grid stays visible.
        let top = best.rate > 0 ? best.rate : 1
        var out = "Back-patching at \(position.rawValue): success rate per cell over \(s.tried) incorrect case\(s.tried == 1 ? "" : "s")"
        out += " (rows: source ℓs, columns: target ℓt)\n"
        for src in stride(from: layers - 1, through: 1, by: -1) {
            out += String(format: "  %3d ", src)
            for t in 0..<src {
                let r = s.rate(source: src, target: t) ?? 0
                if r == 0 { out += zero; continue }
                out += shades[min(4, max(1, Int((r / top * 4 - 1e-9).rounded(.up))))]
            }
            out += "\n"
        }
        out += "      "
        for t in 0..<(layers - 1) { out += t % 5 == 0 ? String(t).padding(toLength: 2, withPad: " ", startingAt: 0) : "  " }
        out += "\n"
        func pct(_ f: Double) -> String { String(format: "%.0f%%", top * f * 100) }
        out += "      \(zero)0  \(shades[1]) ≤\(pct(0.25))  \(shades[2]) ≤\(pct(0.5))  \(shades[3]) ≤\(pct(0.75))  \(shades[4]) ≤\(pct(1))"
        if best.rate > 0 { out += String(format: "   best: ℓs=%d → ℓt=%d, %.0f%%", best.s, best.t, best.rate * 100) }
        out += "\n"
        return out
    }
}
