// `hopscope bench --ui`: how long a keystroke takes to reach the terminal, and how many bytes it writes.
import Foundation

/// Times the explorer's keystroke path headless: `ExplorerState.handle` → `Renderer.render` → the curses
/// diff written by `Terminal.draw`, whose output goes to a file instead of a tty, so the bytes each
/// frame writes are counted exactly. The data are the demo backend's (a computed analysis and a full
/// back-patch grid, shaped like SmolLM2's 30 layers); no model runs while keys are timed.
///
/// ```
/// let report = try UIBenchmark.run(sizes: [(80, 24), (250, 80)], rounds: 30)
/// report.holds     // every key's p99 within 16 ms
/// ```
public enum UIBenchmark {
    /// The redraw budget a keystroke must meet (one 60 Hz frame).
    public static let budgetMs = 16.0

    /// One scripted key: its label, and the key to send given the frame on screen (clicks are hit-tested from it).
    struct Step {
        var name: String
        var key: (ScreenLayout, ExplorerState) -> Key
        init(_ name: String, _ key: Key) { self.name = name; self.key = { _, _ in key } }
        init(_ name: String, _ key: @escaping (ScreenLayout, ExplorerState) -> Key) { self.name = name; self.key = key }
    }

    /// Per key and screen size: latency percentiles in milliseconds and bytes written.
    public struct KeyResult: Encodable, Sendable {
        public var size: String
        public var key: String
        public var samples: Int
        public var median_ms: Double
        public var p99_ms: Double
        public var max_ms: Double
        public var median_bytes: Int
        public var max_bytes: Int
    }

    public struct Report: Encodable, Sendable {
        public var budget_ms: Double
        public var rounds: Int
        public var color_mode: String
        /// Bytes of a full repaint of the layer view (Ctrl-L) per size: what a non-diffing redraw would write.
        public var full_repaint_bytes: [String: Int]
        public var keys: [KeyResult]
        /// Every key's p99 is within the budget.
        public var holds: Bool
    }

    /// The script, run `rounds` times per size after one warm-up round: layer moves, paging, the
    /// detail overlay, clicks, help, the sample browser, the grid view and its cursor.
    static let script: [Step] = {
        var s: [Step] = []
        for _ in 0..<5 { s.append(Step("j", .char("j"))) }
        for _ in 0..<3 { s.append(Step("k", .char("k"))) }
        s += [Step("PgDn", .pageDown), Step("PgUp", .pageUp), Step("G", .char("G")), Step("g", .char("g")),
              Step("Enter (detail)", .enter), Step("j (in detail)", .char("j")), Step("Esc", .escape),
              Step("click layer row", { layout, _ in clickLayerRow(layout, offset: 2) }),
              Step("click selected row (detail)", { layout, _ in clickLayerRow(layout, offset: 0) }),
              Step("Esc", .escape),
              Step("?", .char("?")), Step("Esc", .escape),
              Step("/", .char("/")), Step("↓ (samples)", .down), Step("Esc", .escape),
              Step("x (grid view)", .char("x"))]
        for k in ["k", "h", "l", "j"] { s.append(Step("\(k) (grid)", .char(Character(k)))) }
        s += [Step("PgUp (grid)", .pageUp), Step("PgDn (grid)", .pageDown),
              Step("click grid cell", { layout, state in clickGridCell(layout, state) }),
              Step("Enter (cell → layers)", .enter),
              Step("x (grid view)", .char("x")), Step("Esc (grid → layers)", .escape),
              Step("Ctrl-L (full repaint)", .ctrl("l"))]
        return s
    }()

    /// A press on the layer row `offset` rows below the selection (clamped to the rows shown).
    static func clickLayerRow(_ layout: ScreenLayout, offset: Int) -> Key {
        guard let t = layout.layerTable else { return .click(.nothing) }
        return layout.key(for: MouseEvent(.press, row: t.firstRow + min(t.window.shown.count - 1, offset), col: t.columns.lowerBound + 3))
    }

    /// A press on the cell right of (or left of, at the diagonal) the grid cursor, on the cursor's row.
    static func clickGridCell(_ layout: ScreenLayout, _ state: ExplorerState) -> Key {
        guard let g = layout.grid, let gm = state.grid, let i = g.sources.firstIndex(of: gm.cursorSource) else { return .click(.nothing) }
        let t = gm.cursorTarget + 1 < gm.cursorSource ? gm.cursorTarget + 1 : max(0, gm.cursorTarget - 1)
        return layout.key(for: MouseEvent(.press, row: g.screenRow(ofSourceIndex: i), col: g.column(ofTarget: t) + g.cellWidth / 2))
    }

    /// The demo state the script starts from: the analysis applied and a full t2 grid computed.
    static func startState() throws -> ExplorerState {
        let backend = DemoBackend(cellDelay: 0, patchDelay: 0, analyzeDelay: 0)
        let samples = backend.sampleQueries()
        var state = ExplorerState(model: backend.model, query: samples[0].query, samples: samples)
        _ = state.analyzeCurrentQuery()
        state.apply(.analysis(try backend.analyze(query: samples[0].query), id: state.analysisID), now: 0)
        guard case .startGrid(let req, let id)? = state.openGrid().first(where: { if case .startGrid = $0 { true } else { false } })
        else { throw DemoError("the demo grid did not start") }
        let cells = CellCollector()
        try backend.grid(req, cancellation: Cancellation()) { cells.append($0) }
        for c in cells.items { state.apply(.gridCell(c, id: id), now: 0) }
        state.apply(.gridFinished(id: id, cancelled: false), now: 0)
        state.screen = .layers
        return state
    }

    /// Runs the script at each size (columns × rows) and summarises it.
    public static func run(sizes: [(cols: Int, rows: Int)], rounds: Int) throws -> Report {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("hopscope-ui-bench-\(getpid()).out").path
        let fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw DemoError("cannot create \(path)") }
        unlink(path)
        defer { close(fd) }
        func written() -> Int { var st = stat(); fstat(fd, &st); return Int(st.st_size) }

        let first = sizes.first ?? (80, 24)
        let terminal = try Terminal(headlessOutput: fd, rows: first.rows, cols: first.cols)
        defer { terminal.stop() }
        terminal.apply(ThemeLoader.load("dark").0)
        let renderer = Renderer(glyphs: terminal.glyphs)
        var results: [KeyResult] = []
        var fullRepaint: [String: Int] = [:]
        for (cols, rows) in sizes {
            let size = "\(cols)×\(rows)"
            terminal.resize(rows: rows, cols: cols)
            var state = try startState()
            state.pageSize = max(1, rows - 12)
            var frame = renderer.render(state, rows: rows, cols: cols)
            terminal.draw(frame)
            state.remember(frame.layout)
            var times: [String: [Double]] = [:], bytes: [String: [Int]] = [:], order: [String] = []
            for round in 0...rounds {
                for step in script {
                    let before = written()
                    let start = DispatchTime.now().uptimeNanoseconds
                    // The app's path for one key: resolve it on the frame on screen, handle, render, draw the diff.
                    let fx = state.handle(step.key(frame.layout, state))
                    if fx.contains(.redraw) { terminal.invalidate() }
                    frame = renderer.render(state, rows: rows, cols: cols)
                    terminal.draw(frame)
                    state.remember(frame.layout)
                    let ms = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
                    guard round > 0 else { continue }      // round 0 warms up
                    if times[step.name] == nil { order.append(step.name) }
                    times[step.name, default: []].append(ms)
                    bytes[step.name, default: []].append(written() - before)
                    if fx.contains(.redraw) { fullRepaint[size] = written() - before }
                }
            }
            for name in order {
                let t = times[name]!.sorted(), b = bytes[name]!.sorted()
                results.append(KeyResult(size: size, key: name, samples: t.count, median_ms: percentile(t, 0.5),
                                         p99_ms: percentile(t, 0.99), max_ms: t.last!, median_bytes: b[b.count / 2], max_bytes: b.last!))
            }
        }
        return Report(budget_ms: budgetMs, rounds: rounds, color_mode: "\(terminal.colorMode)", full_repaint_bytes: fullRepaint,
                      keys: results, holds: results.allSatisfy { $0.p99_ms <= budgetMs })
    }

    /// The nearest-rank percentile of sorted values.
    static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        sorted[min(sorted.count - 1, max(0, Int((p * Double(sorted.count)).rounded(.up)) - 1))]
    }
}

/// Collects grid cells from the backend's callback.
private final class CellCollector: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var items: [BackPatchResult] = []
    func append(_ c: BackPatchResult) { lock.lock(); items.append(c); lock.unlock() }
}
