// `hopscope bench --ui`: the explorer's keystroke latency and bytes per redraw, as a table or JSON.
import Explorer
import Foundation

extension BenchCommand {
    /// Runs `UIBenchmark` at 80×24 and 250×80 and prints one line per key: median / p99 / max latency
    /// from the key to the frame written, and the bytes the curses diff wrote.
    ///
    /// ```
    /// $ hopscope bench --ui
    /// size     key                           n   median     p99     max   bytes (max)
    /// 80×24    j                           150  0.41 ms  0.80 ms  1.2 ms     61 (75)
    /// ```
    func runUI() throws {
        setlocale(LC_ALL, "")      // as the explorer does: UTF-8 drawing when the locale says so
        let report = try UIBenchmark.run(sizes: [(80, 24), (250, 80)], rounds: uiRounds)
        if json { try printJSON(report); return }
        print("keystroke → frame written (state.handle + render + curses diff to a file), \(report.rounds) rounds after a warm-up, colour \(report.color_mode)")
        print("size     key                            n   median      p99      max   bytes median (max)")
        func col(_ s: String, _ w: Int) -> String { s.padding(toLength: w, withPad: " ", startingAt: 0) }
        for k in report.keys {
            print(col(k.size, 9) + col(k.key, 29) + String(format: "%4d %6.2f ms %6.2f ms %6.2f ms   %6d (%d)",
                                                             k.samples, k.median_ms, k.p99_ms, k.max_ms, k.median_bytes, k.max_bytes))
        }
        for (size, b) in report.full_repaint_bytes.sorted(by: { $0.key < $1.key }) { print("full repaint \(size): \(b) bytes") }
        let worst = report.keys.max { $0.p99_ms < $1.p99_ms }
        print("16 ms budget: \(report.holds ? "holds" : "MISSED")"
              + String(format: " (worst p99 %.2f ms", worst?.p99_ms ?? 0) + ", \(worst?.key ?? "") at \(worst?.size ?? "")"
              + String(format: "; worst single key %.2f ms)", report.keys.map(\.max_ms).max() ?? 0))
    }
}
