// The explorer's state and its reaction to keys and backend results: pure, no terminal, no threads.
import Foundation

/// What the Layer view shows: the analysis, the table cursor, the query line and the back-patch panel.
public struct LayerViewModel: Equatable, Sendable {
    public var model: ModelSummary
    /// nil until the first analysis arrives.
    public var analysis: AnalysisViewModel?
    public var analyzing: Bool
    /// The analysed prompt, with the history of prompts typed in the query form.
    public var query: LineEditor
    /// Index into `analysis.rows` (row 0 is the embedding row when present).
    public var selectedRow: Int
    /// First table row shown when the table scrolls.
    public var scrollTop: Int
    public var panel: BackPatchPanelModel
    public init(model: ModelSummary, analysis: AnalysisViewModel? = nil, analyzing: Bool = false, query: LineEditor = LineEditor(),
                selectedRow: Int = 0, scrollTop: Int = 0, panel: BackPatchPanelModel = BackPatchPanelModel()) {
        self.model = model; self.analysis = analysis; self.analyzing = analyzing; self.query = query
        self.selectedRow = selectedRow; self.scrollTop = scrollTop; self.panel = panel
    }
    /// The block number of the selected row (nil on the embedding row).
    public var selectedLayer: Int? {
        guard let a = analysis, selectedRow < a.rows.count else { return nil }
        return a.rows[selectedRow].layer
    }
}

/// Something the app must do outside the pure state: start work, change theme, quit.
public enum Effect: Equatable, Sendable {
    /// Analyze a query; results carry `id`, and any earlier analysis still running should be cancelled.
    case analyze(String, id: Int)
    /// Ask the backend to propose the entities of a one-line query for the form (answer carries `id`).
    case propose(String, id: Int)
    case backPatch(query: String, position: TokenPosition, source: Int, target: Int)
    case startGrid(GridRequest, id: Int)
    case cancelGrid
    case setTheme(String)
    /// Write the grid on screen as SVG to a file.
    case exportGrid(path: String)
    /// Write the layer curves (e2 at t1, e3 at t2, stages) as SVG to a file.
    case exportLayers(path: String)
    /// Start (with an optional file) or stop the JSONL transcript.
    case record(Bool, path: String?)
    /// Load another GGUF model in the background.
    case loadModel(String)
    case marker(String)
    case redraw
    case quit
}

/// A result from the backend, delivered to the input thread.
public enum BackendEvent: Sendable {
    case analysis(AnalysisViewModel, id: Int)
    case analysisPartial(AnalysisViewModel, id: Int)
    case analysisProgress(Double, String, id: Int)
    case analysisFailed(String, id: Int)
    /// The layer detail of analysis `id`, computed after it (`ExplorerBackend.layerDetail`).
    case detail(AnalysisDetail, id: Int)
    case detailFailed(String, id: Int)
    case proposal(QueryProposal, id: Int)
    case proposalFailed(String, id: Int)
    case backPatch(BackPatchResult)
    case backPatchFailed(String)
    case gridCell(BackPatchResult, id: Int)
    case gridFinished(id: Int, cancelled: Bool)
    case gridFailed(String, id: Int)
    /// A `:model` load finished (handled by the app, which swaps the backend and calls `modelLoaded`).
    case modelLoaded(any ExplorerBackend)
    case modelFailed(String)
    /// Something a workshop server said unasked (handled by the app; not part of a transcript's results).
    case live(LiveEvent)
}

/// The whole explorer state. `handle(_:)` and `apply(_:now:)` return effects for the app to run.
public struct ExplorerState: Sendable {
    public enum Screen: Equatable, Sendable { case layers, grid }
    public enum Overlay: Equatable, Sendable { case help, detail, samples(Int), command, queryForm, modelInfo }

    public var layer: LayerViewModel
    public var grid: GridViewModel?
    public var gridID = 0
    public var analysisID = 0
    /// Fraction done and phase of the running analysis.
    public var analysisProgress: (fraction: Double, message: String)?
    public var gridStart: Double = 0
    public var screen: Screen = .layers
    public var overlay: Overlay?
    public var command = LineEditor()
    /// The query form while it is open (`e`, `:query`).
    public var form: QueryForm?
    /// The form whose ⏎ started analysis `formAnalysisID`: reopened with the error if that analysis fails.
    var submittedForm: (form: QueryForm, id: Int)?
    public var samples: [SampleQuery]
    public var status: String = ""
    public var statusIsWarning = false
    public var themeName: String = "dark"
    /// The query of the analysis on screen, to know when back-patch results belong to another query.
    var previousQuery: String?
    /// Table rows visible in the last render (for PgUp/PgDn); set by the renderer's caller.
    public var pageSize = 10
    /// The first grid source row and sample-browser entry on screen in the last frame (see `remember`).
    public var gridScrollTop = 0
    public var sampleScrollTop = 0
    /// What the `/` browser's search line holds; `filteredSamples` is what it lists.
    public var sampleFilter = ""
    /// Samples whose id, prompt or entities contain every word of the filter (ignoring case).
    public var filteredSamples: [SampleQuery] {
        let words = sampleFilter.lowercased().split(separator: " ").map(String.init)
        guard !words.isEmpty else { return samples }
        return samples.filter { q in
            let hay = [q.id, q.query, q.e1, q.e2, q.e3].joined(separator: " ").lowercased()
            return words.allSatisfy { hay.contains($0) }
        }
    }
    /// The token position the ⏎ detail reads the lens at (nil = t2).
    public var detailPosition: Int?
    /// The model file being loaded by `:model`, if any.
    public var loadingModel: String?
    /// On a workshop server: the name this session presents as, and the badge at the right of the
    /// status line ("presenting as NAME · N following", "following NAME · d: your own session").
    public var presentingAs: String?
    public var live: String?
    /// Following a presenter: the screen is theirs, only d (detach) and q work.
    public var following = false

    /// A new model is in: new header, samples and layers; the current query is analysed again.
    public mutating func modelLoaded(_ model: ModelSummary, samples: [SampleQuery]) -> [Effect] {
        loadingModel = nil
        layer.model = model
        layer.analysis = nil
        layer.selectedRow = 0
        layer.panel = BackPatchPanelModel(position: layer.panel.position)
        previousQuery = nil
        grid = nil
        screen = .layers
        if !samples.isEmpty { self.samples = samples }
        var fx = analyzeCurrentQuery()
        fx.removeAll { $0 == .cancelGrid }
        say("loaded \(model.name) · analyzing …")
        return fx
    }

    public init(model: ModelSummary, query: String, samples: [SampleQuery] = []) {
        layer = LayerViewModel(model: model, analyzing: false, query: LineEditor(query, history: [query]))
        self.samples = samples
    }

    /// A warning stays on the status line until the next key, whatever results arrive meanwhile.
    var warningPinned = false

    public mutating func say(_ s: String, warning: Bool = false) {
        if warningPinned && !warning { return }
        status = s; statusIsWarning = warning; warningPinned = warning
    }

    /// Starts the analysis of the query line.
    public mutating func analyzeCurrentQuery() -> [Effect] { analyze(line: layer.query.text) }

    /// Starts the analysis of a one-line query (`QueryRequest`'s form: a prompt, optionally `| e1 | e2 | e3`).
    public mutating func analyze(line: String) -> [Effect] {
        let q = line.trimmingCharacters(in: .whitespaces)
        guard !q.isEmpty else { say("type a query first (e)", warning: true); return [] }
        layer.analyzing = true
        analysisID += 1
        analysisProgress = nil
        say("analyzing “\(q)” …")
        var fx: [Effect] = [.analyze(q, id: analysisID), .marker("analyze: \(q)")]
        if grid?.running == true { fx.append(.cancelGrid) }
        grid = nil
        return fx
    }

    /// Keeps the scroll positions a frame was drawn with, so the next frame scrolls from there and a
    /// click on a visible row never moves the list under the mouse. Called by the app after each draw.
    public mutating func remember(_ layout: ScreenLayout) {
        if let t = layout.layerTable { layer.scrollTop = t.window.top }
        if let g = layout.grid { gridScrollTop = g.window.top }
        if let l = layout.samples { sampleScrollTop = l.window.top }
    }

    // MARK: keys

    public mutating func handle(_ key: Key) -> [Effect] {
        if key == .resize { return [.redraw] }
        if case .mouse = key { return [] }      // raw events are hit-tested by the app into .click / ↑ / ↓
        warningPinned = false
        if case .click(let hit) = key { return handleClick(hit) }
        if key == .ctrl("l") { return [.redraw] }
        if key == .ctrl("c") { return [.quit] }
        if let o = overlay { return handleOverlay(o, key) }
        switch key {
        case .char("q"): return [.quit]
        case .char("?"): overlay = .help; return []
        case .char(":"): overlay = .command; command.setText(""); return []
        case .char("/"): overlay = .samples(0); sampleFilter = ""; sampleScrollTop = 0; return []
        default: break
        }
        return screen == .layers ? handleLayers(key) : handleGrid(key)
    }

    /// A click selects what it hits: a layer row, a grid cell, a sample. A click on what is already
    /// selected acts as ⏎ (the layer detail, the cell in the layer view, analyse the sample), so a
    /// double-click opens. A click anywhere closes the help and the detail overlay.
    private mutating func handleClick(_ hit: Hit) -> [Effect] {
        switch (overlay, hit) {
        case (.help?, _), (.detail?, _), (.modelInfo?, _):
            overlay = nil
        case (.samples(let i)?, .sample(let j)):
            guard j >= 0, j < filteredSamples.count else { return [] }
            if i == j { return handleOverlay(.samples(i), .enter) }
            overlay = .samples(j)
        case (nil, .layerRow(let r)) where screen == .layers:
            guard let a = layer.analysis, r >= 0, r < a.rows.count else { return [] }
            if r == layer.selectedRow { return handleLayers(.enter) }
            layer.selectedRow = r
        case (nil, .gridCell(let s, let t)) where screen == .grid:
            guard let g = grid, s >= 1, s < g.layers, t >= 0, t < s else { return [] }
            if s == g.cursorSource && t == g.cursorTarget { return handleGrid(.enter) }
            grid!.cursorSource = s; grid!.cursorTarget = t
        default: break
        }
        return []
    }

    /// Opens the query form on the current query (its analysed entities filled in).
    public mutating func openQueryForm() {
        let prompt = layer.analysis?.query ?? layer.query.text
        form = QueryForm(prompt: prompt, history: layer.query.history, current: layer.analysis, samples: samples)
        overlay = .queryForm
        say("query form: Tab next field · ⏎ analyse · Esc cancel")
    }

    private mutating func handleForm(_ key: Key) -> [Effect] {
        guard var f = form else { overlay = nil; return [] }
        let action = f.handle(key, samples: samples)
        form = f
        switch action {
        case .none: return []
        case .cancel:
            overlay = nil; form = nil; say("")
            return []
        case .propose(let line, let id):
            return [.propose(line, id: id)]
        case .submit(let line):
            let history = f.commitPrompt()
            layer.query = LineEditor(f.text(.prompt), history: history)
            overlay = nil; form = nil
            let fx = analyze(line: line)
            submittedForm = (f, analysisID)
            return fx
        }
    }

    private mutating func moveSelection(_ d: Int) {
        let n = layer.analysis?.rows.count ?? 0
        guard n > 0 else { return }
        layer.selectedRow = min(n - 1, max(0, layer.selectedRow + d))
    }

    private mutating func handleLayers(_ key: Key) -> [Effect] {
        switch key {
        case .char("j"), .down: moveSelection(1)
        case .char("k"), .up: moveSelection(-1)
        case .pageDown, .ctrl("f"): moveSelection(max(1, pageSize - 1))
        case .pageUp, .ctrl("b"): moveSelection(-max(1, pageSize - 1))
        case .char("g"), .home: moveSelection(-10_000)
        case .char("G"), .end: moveSelection(10_000)
        case .enter: if layer.analysis != nil { overlay = .detail; detailPosition = nil }
        case .char("e"), .char("i"): openQueryForm()
        case .char("s"), .char("t"):
            guard let l = layer.selectedLayer else {
                say(layer.analysis == nil ? "no analysis yet" : "the embedding row is not a block; pick a layer 0…\(layer.model.layers - 1)", warning: true)
                return []
            }
            if key == .char("s") { layer.panel.source = l } else { layer.panel.target = l }
            layer.panel.result = nil
            if let p = layer.panel.problem, layer.panel.source != nil, layer.panel.target != nil { say(p, warning: true) }
            else { say(key == .char("s") ? "source ℓ\(l)" : "target ℓ\(l)") }
        case .char("p"):
            layer.panel.position = layer.panel.position.toggled
            layer.panel.result = nil
            say("back-patch position \(layer.panel.position.rawValue)")
        case .char("b"): return runBackPatch()
        case .char("x"): return openGrid()
        case .escape: say("")
        default: break
        }
        return []
    }

    /// Runs the marked back-patch cell, if the marks make sense.
    public mutating func runBackPatch() -> [Effect] {
        guard let a = layer.analysis else { say("no analysis yet", warning: true); return [] }
        if let p = layer.panel.problem { say(p, warning: true); return [] }
        guard !layer.panel.running else { say("a back-patch is already running"); return [] }
        let (s, t) = (layer.panel.source!, layer.panel.target!)
        layer.panel.running = true
        layer.panel.result = nil
        layer.panel.e3 = a.e3
        say("back-patching \(layer.panel.position.rawValue) ℓ\(s) → ℓ\(t) …")
        return [.backPatch(query: a.query, position: layer.panel.position, source: s, target: t),
                .marker("back-patch \(layer.panel.position.rawValue) \(s)→\(t)")]
    }

    /// Shows the grid view, starting a grid for the panel's position unless one exists.
    public mutating func openGrid() -> [Effect] {
        guard layer.analysis != nil else { say("no analysis yet", warning: true); return [] }
        screen = .grid
        if let g = grid, g.position == layer.panel.position, g.running || g.done == g.total { return [] }
        return startGrid(position: layer.panel.position, metric: grid?.metric ?? .generation)
    }

    private mutating func startGrid(position: TokenPosition, metric: GridMetric) -> [Effect] {
        guard let a = layer.analysis else { return [] }
        var fx: [Effect] = []
        if grid?.running == true { fx.append(.cancelGrid) }
        gridID += 1
        var g = GridViewModel(layers: layer.model.layers, position: position, metric: metric, e3: a.e3)
        g.running = true
        if let old = grid, old.layers == g.layers { g.cursorSource = old.cursorSource; g.cursorTarget = old.cursorTarget }
        grid = g
        gridStart = -1   // set by the app's clock on the first cell
        say("back-patch grid \(position.rawValue): \(g.total) cells · Esc stops")
        fx += [.startGrid(GridRequest(query: a.query, position: position, metric: metric), id: gridID),
               .marker("grid \(position.rawValue)")]
        return fx
    }

    private mutating func handleGrid(_ key: Key) -> [Effect] {
        guard var g = grid else { screen = .layers; return [] }
        defer { if grid != nil { grid!.cursorSource = g.cursorSource; grid!.cursorTarget = g.cursorTarget } }
        switch key {
        case .char("k"), .up: g.moveCursor(dSource: 1, dTarget: 0)
        case .char("j"), .down: g.moveCursor(dSource: -1, dTarget: 0)
        case .char("h"), .left: g.moveCursor(dSource: 0, dTarget: -1)
        case .char("l"), .right: g.moveCursor(dSource: 0, dTarget: 1)
        case .pageUp: g.moveCursor(dSource: 5, dTarget: 0)
        case .pageDown: g.moveCursor(dSource: -5, dTarget: 0)
        case .char("g"), .home: g.moveCursor(dSource: 10_000, dTarget: -10_000)
        case .char("G"), .end: g.moveCursor(dSource: -10_000, dTarget: -10_000)
        case .char("m"):
            grid!.metric = g.metric.toggled
            say("metric: \(grid!.metric.title)")
        case .char("p"):
            layer.panel.position = g.position.toggled
            return startGrid(position: layer.panel.position, metric: g.metric)
        case .char("r"): return startGrid(position: g.position, metric: g.metric)
        case .enter:
            layer.panel.position = g.position
            layer.panel.source = g.cursorSource
            layer.panel.target = g.cursorTarget
            screen = .layers
            if let a = layer.analysis, let row = a.rows.firstIndex(where: { $0.layer == g.cursorSource }) { layer.selectedRow = row }
            if let r = g[g.cursorSource, g.cursorTarget] {
                layer.panel.result = r; layer.panel.e3 = g.e3
                say("cell \(r.source)→\(r.target) from the grid")
                return []
            }
            return runBackPatch()
        case .escape:
            if g.running {
                grid!.running = false; grid!.cancelled = true
                say("grid stopped at \(g.done)/\(g.total) cells")
                return [.cancelGrid, .marker("grid cancelled")]
            }
            screen = .layers
        default: break
        }
        return []
    }

    private mutating func handleOverlay(_ o: Overlay, _ key: Key) -> [Effect] {
        switch o {
        case .modelInfo:
            overlay = nil
            return []
        case .help, .detail:
            if o == .detail, let a = layer.analysis {
                let pos = detailPosition ?? a.t2
                switch key {
                case .left, .char("h"): detailPosition = max(0, pos - 1); return []
                case .right, .char("l"): detailPosition = min(a.tokens.count - 1, pos + 1); return []
                case .down, .char("j"): moveSelection(1); return []
                case .up, .char("k"): moveSelection(-1); return []
                default: break
                }
            }
            if key == .char("q") && o == .help { overlay = nil; return [] }
            if case .char(let c) = key, c == "?" || c == "q" { overlay = nil; return [] }
            if [.escape, .enter, .char(" ")].contains(key) { overlay = nil }
            return []
        case .samples(let i):
            // Typing searches; arrows (or Ctrl-N / Ctrl-P) move; PgUp/PgDn page.
            let list = filteredSamples
            switch key {
            case .escape: overlay = nil
            case .down, .ctrl("n"): overlay = .samples(max(0, min(list.count - 1, i + 1)))
            case .up, .ctrl("p"): overlay = .samples(max(0, i - 1))
            case .pageDown: overlay = .samples(max(0, min(list.count - 1, i + 10)))
            case .pageUp: overlay = .samples(max(0, i - 10))
            case .char(let c):
                sampleFilter.append(c); overlay = .samples(0)
            case .paste(let t): sampleFilter += t.replacingOccurrences(of: "\n", with: " "); overlay = .samples(0)
            case .backspace:
                if sampleFilter.isEmpty { overlay = nil } else { sampleFilter.removeLast(); overlay = .samples(0) }
            case .ctrl("u"): sampleFilter = ""; overlay = .samples(0)
            case .enter:
                overlay = nil
                guard i >= 0, i < list.count else { return [] }
                layer.query.setText(list[i].query)
                _ = layer.query.commit()
                return analyzeCurrentQuery()
            default: break
            }
            return []
        case .queryForm:
            return handleForm(key)
        case .command:
            switch key {
            case .escape: overlay = nil; return []
            case .enter:
                overlay = nil
                return runCommand(command.commit())
            default:
                if key == .backspace && command.text.isEmpty { overlay = nil; return [] }
                command.handle(key)
                return []
            }
        }
    }

    /// Runs a `:` command line.
    public mutating func runCommand(_ line: String) -> [Effect] {
        let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
        guard let cmd = parts.first else { return [] }
        let arg = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
        switch cmd {
        case "q", "quit", "exit": return [.quit]
        case "theme":
            guard !arg.isEmpty else { say("usage: :theme dark|light|high-contrast|monochrome|FILE.toml", warning: true); return [] }
            return [.setTheme(arg)]
        case "query":
            guard !arg.isEmpty else { openQueryForm(); return [] }
            layer.query.setText(arg); _ = layer.query.commit()
            return analyzeCurrentQuery()
        case "grid": return openGrid()
        case "export":
            if screen == .grid {
                guard grid != nil else { say("no grid yet: x computes one", warning: true); return [] }
                return [.exportGrid(path: arg.isEmpty ? "grid.svg" : arg)]
            }
            guard layer.analysis != nil else { say("no analysis yet", warning: true); return [] }
            return [.exportLayers(path: arg.isEmpty ? "layers.svg" : arg)]
        case "model":
            guard !arg.isEmpty else {
                // No path: what `hopscope info` says about the model on screen.
                if layer.model.info.isEmpty { say("\(layer.model.name): \(layer.model.layers) layers, d \(layer.model.dim) · :model PATH.gguf loads another") }
                else { overlay = .modelInfo }
                return []
            }
            guard loadingModel == nil else { say("already loading \(loadingModel!)", warning: true); return [] }
            let path = (arg as NSString).expandingTildeInPath
            guard FileManager.default.fileExists(atPath: path) else { say("no file \(path)", warning: true); return [] }
            say("loading \(path) in the background …")
            return [.loadModel(path)]
        case "record":
            let words = arg.split(separator: " ").map(String.init)
            switch words.first {
            case "on": return [.record(true, path: words.count > 1 ? words[1] : nil)]
            case "off": return [.record(false, path: nil)]
            default: say("usage: :record on [FILE.jsonl] | :record off", warning: true); return []
            }
        case "help": overlay = .help; return []
        case "position":
            guard let p = TokenPosition(rawValue: arg) else { say("usage: :position t1|t2", warning: true); return [] }
            layer.panel.position = p; layer.panel.result = nil; return []
        case "source", "target":
            guard let n = Int(arg), (0..<layer.model.layers).contains(n) else {
                say("usage: :\(cmd) N with 0 ≤ N < \(layer.model.layers)", warning: true); return []
            }
            if cmd == "source" { layer.panel.source = n } else { layer.panel.target = n }
            layer.panel.result = nil; return []
        case "metric":
            guard let m = GridMetric(rawValue: arg) else { say("usage: :metric generation|first-token", warning: true); return [] }
            grid?.metric = m; return []
        case "layer":
            guard let n = Int(arg), let row = layer.analysis?.rows.firstIndex(where: { $0.layer == n }) else {
                say("usage: :layer N", warning: true); return []
            }
            layer.selectedRow = row; return []
        default:
            say("unknown command :\(cmd) (try :theme, :query, :grid, :export, :layer, :source, :target, :position, :metric, :model, :record, :quit)", warning: true)
            return []
        }
    }

    // MARK: backend results

    public mutating func apply(_ event: BackendEvent, now: Double) {
        switch event {
        case .analysisProgress(let f, let m, let id):
            guard id == analysisID else { return }
            analysisProgress = (f, m)
        case .analysisPartial(let a, let id):
            guard id == analysisID else { return }
            if layer.analysis?.query != a.query { layer.panel.result = nil; layer.panel.bestCells = [] }
            layer.analysis = a
            layer.selectedRow = min(layer.selectedRow, max(0, a.rows.count - 1))
        case .analysis(let a, let id):
            guard id == analysisID else { return }
            analysisProgress = nil
            layer.analysis = a
            layer.analyzing = false
            layer.panel.e3 = a.e3
            if previousQuery != a.query { layer.panel.bestCells = []; layer.panel.result = nil }
            previousQuery = a.query
            layer.selectedRow = min(layer.selectedRow, max(0, a.rows.count - 1))
            layer.query.setText(a.query)
            submittedForm = nil
            say("analyzed: e2 “\(a.e2)” ①ℓ\(a.layer(of: .firstHop).map(String.init) ?? "–") · e3 “\(a.e3)” ③ℓ\(a.layer(of: .secondHop).map(String.init) ?? "–")")
        case .detail(let d, let id):
            guard id == analysisID, layer.analysis != nil else { return }
            layer.analysis!.detail = d
            layer.analysis!.detailPending = nil
        case .detailFailed(let m, let id):
            guard id == analysisID, layer.analysis != nil else { return }
            layer.analysis!.detailPending = nil
            say("layer detail failed: \(m)", warning: true)
        case .analysisFailed(let m, let id):
            guard id == analysisID else { return }
            layer.analyzing = false
            analysisProgress = nil
            if let (f, formID) = submittedForm, formID == id, overlay == nil {
                // The form that asked for it comes back, with the reason inside it.
                var f = f
                f.message = m
                form = f
                overlay = .queryForm
                say("analysis failed: see the form", warning: true)
            } else {
                say("analysis failed: \(m)", warning: true)
            }
        case .proposal(let p, let id):
            form?.apply(p, id: id)
        case .proposalFailed(let m, let id):
            form?.proposalFailed(m, id: id)
        case .backPatch(let r):
            layer.panel.running = false
            layer.panel.result = r
            noteBest(r)
            say("back-patch \(r.position.rawValue) ℓ\(r.source)→ℓ\(r.target): \(r.correct ? "correct" : "wrong")")
        case .backPatchFailed(let m):
            layer.panel.running = false
            say("back-patch failed: \(m)", warning: true)
        case .gridCell(let r, let id):
            guard id == gridID, grid != nil else { return }
            if gridStart < 0 { gridStart = now }
            grid!.record(r)
            grid!.elapsed = now - gridStart
            let g = grid!
            grid!.eta = g.done > 0 ? g.elapsed / Double(g.done) * Double(g.total - g.done) : nil
            if r.correct { noteBest(r) }
        case .gridFinished(let id, let cancelled):
            guard id == gridID, grid != nil else { return }
            grid!.running = false
            grid!.cancelled = cancelled || grid!.cancelled
            grid!.eta = nil
            if !grid!.cancelled {
                say("grid \(grid!.position.rawValue) done: \(grid!.correctCount)/\(grid!.total) cells correct · \(grid!.fixed ? "fixed" : "not fixed")")
            }
        case .gridFailed(let m, let id):
            guard id == gridID else { return }
            grid?.running = false
            say("grid failed: \(m)", warning: true)
        case .modelLoaded(let b):
            _ = modelLoaded(b.model, samples: b.sampleQueries())
        case .modelFailed(let m):
            loadingModel = nil
            say(m, warning: true)
        case .live(.notice(let m, let warning)):
            warningPinned = false      // news of the connection replaces an older warning
            say(m, warning: warning)
        case .live(.followers(let n)):
            if let p = presentingAs { live = "presenting as \(p) · \(n) following" }
        case .live(.view), .live(.presenter):
            break   // the app replays a followed presenter's lines
        }
    }

    /// Keeps the four best cells: correct first, then by p(e3) after patching.
    private mutating func noteBest(_ r: BackPatchResult) {
        var b = layer.panel.bestCells.filter { !($0.position == r.position && $0.source == r.source && $0.target == r.target) }
        b.append(r)
        b.sort { ($0.correct ? 1 : 0, $0.probAfter) > ($1.correct ? 1 : 0, $1.probAfter) }
        layer.panel.bestCells = Array(b.prefix(4))
    }
}
