// `hopscope bench --analysis`: the explorer's analysis path timed as a user meets it.
import Analysis
import Foundation
import Model

extension BenchCommand {
    /// What `--analysis` measures, medians of `--repeats` runs after a warm-up.
    struct AnalysisOutput: Encodable {
        var model: String
        var query: String
        /// One-time weight repack before the runs (the explorer starts it when the model opens).
        var prepare_s: Double
        /// From the call to the first partial analysis (the lens rows on screen).
        var lens_s: Double
        /// The whole analysis as the explorer runs it, up to "analyzed": lens, projections, Patchscopes,
        /// knockout, hops.
        var analysis_s: Double
        /// The ⏎ layer detail the explorer computes after "analyzed" (lens at every position, attention).
        var detail_s: Double
        /// Medians of the analysis' own parts ("lens", "patchscope", "knockout", "hops", "total", …).
        var parts_s: [String: Double]
        /// One back-patch cell (t2, ℓs = 2L/3 → ℓt = L/6, 10-token generation), its patcher already made.
        var cell_s: Double
        var repeats: Int
        var peak_rss_mb: Double
    }

    /// Times `AnalysisSession.analyze` and `cell` on the Toyota currency query (entities given: no proposals).
    func runAnalysis() throws {
        let m = try model.load()
        let prepareStart = Date()
        m.prepareWeights()
        let prepareS = Date().timeIntervalSince(prepareStart)
        let session = try AnalysisSession(model: m)
        let line = "The currency of the country of origin of Toyota is | Toyota | Japan | Japanese yen; yen"
        var lens: [Double] = [], total: [Double] = [], detail: [Double] = [], parts: [String: [Double]] = [:]
        for i in 0...repeats {
            let start = Date()
            let first = FirstTime()
            // As the explorer does: the analysis, then (once "analyzed" is on screen) the layer detail.
            let r = try session.analyze(line, detail: false, partial: { _, _ in first.mark(Date().timeIntervalSince(start)) })
            let t = Date().timeIntervalSince(start)
            let detailStart = Date()
            _ = try session.layerDetail(ids: r.analysis.ids, t2: r.analysis.t2)
            let d = Date().timeIntervalSince(detailStart)
            guard i > 0 else { continue }       // the warm-up
            lens.append(first.value ?? t); total.append(t); detail.append(d)
            for (k, v) in r.timings { parts[k, default: []].append(v) }
        }
        let L = m.config.layers
        _ = try session.patcher(line, for: .cell)
        let cellS = try median(repeats) { _ = try session.cell(line, position: .t2, source: 2 * L / 3, target: L / 6) }
        let out = AnalysisOutput(model: m.name, query: line, prepare_s: prepareS, lens_s: median(of: lens), analysis_s: median(of: total),
                                 detail_s: median(of: detail),
                                 parts_s: parts.mapValues { median(of: $0) }, cell_s: cellS, repeats: repeats, peak_rss_mb: peakRSSMegabytes())
        if json { try printJSON(out); return }
        print("model \(m.name)\nquery \(line)\n\(repeats) runs after a warm-up; medians")
        print(String(format: "one-time weight repack %.2f s\nlens rows (first partial) %.2f s\nfull analysis (\"analyzed\") %.2f s\n" +
                     "layer detail, after it %.2f s\none back-patch cell %.2f s",
                     prepareS, out.lens_s, out.analysis_s, out.detail_s, out.cell_s))
        for (k, v) in out.parts_s.sorted(by: { $0.key < $1.key }) { print(String(format: "  %-12@ %.2f s", k, v)) }
        print(String(format: "peak RSS %.0f MB", out.peak_rss_mb))
    }
}

/// The first time a callback fired (partials may arrive on another thread).
private final class FirstTime: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var value: Double?
    func mark(_ t: Double) { lock.lock(); if value == nil { value = t }; lock.unlock() }
}
