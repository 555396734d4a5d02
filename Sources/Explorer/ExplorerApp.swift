// The explorer's main loop: keys on the main thread, analysis on background queues, results through a queue.
import Foundation

/// A thread-safe FIFO of backend results, drained by the input loop.
public final class EventQueue: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [BackendEvent] = []
    public init() {}
    public func post(_ e: BackendEvent) { lock.lock(); items.append(e); lock.unlock() }
    public func drain() -> [BackendEvent] { lock.lock(); defer { items = []; lock.unlock() }; return items }
}

/// Runs the explorer on a terminal against a backend.
///
/// ```
/// let app = ExplorerApp(backend: DemoBackend(), options: .init(query: "The capital of …"))
/// try app.run()
/// ```
public final class ExplorerApp {
    public struct Options: Sendable {
        public var query: String?
        public var theme: String
        public var recordPath: String?
        public var transcriptPath: String?
        /// Plays a recorded transcript instead of computing: its keys and results arrive at their recorded
        /// times divided by `replaySpeed`; the backend is never asked for work.
        public var replay: Transcript?
        public var replaySpeed: Double = 1
        /// Loads another model for `:model PATH` (nil: the command is not available).
        public var loadBackend: (@Sendable (String) throws -> any ExplorerBackend)?
        /// Report clicks and the wheel (see `MouseSetting`).
        public var mouse = true
        /// A shared account's session (a workshop over SSH): no command reads or writes a file
        /// (exports, transcripts, theme files); built-in themes still switch.
        public var restricted = false
        /// On a workshop server (`RemoteBackend`): publish this session's view under this name.
        public var present: String?
        /// On a workshop server: show the named presenter's view live, read-only (`d` detaches).
        public var follow: String?
        /// Append, per handled batch of keys, the milliseconds from reading the key to the frame
        /// written (JSON lines `{"t","key","ms"}`; `HOPSCOPE_UI_LOG`).
        public var uiLogPath: String? = ProcessInfo.processInfo.environment["HOPSCOPE_UI_LOG"]
        public init(query: String? = nil, theme: String = "dark", recordPath: String? = nil, transcriptPath: String? = nil) {
            self.query = query; self.theme = theme; self.recordPath = recordPath; self.transcriptPath = transcriptPath
        }
    }

    public private(set) var backend: any ExplorerBackend
    public let options: Options
    private let events = EventQueue()
    private let workQueue = DispatchQueue(label: "hopscope.explorer.work")
    private let gridQueue = DispatchQueue(label: "hopscope.explorer.grid")
    private let detailQueue = DispatchQueue(label: "hopscope.explorer.detail")
    /// The form's proposals (short generations) run beside a long analysis, never behind it.
    private let proposeQueue = DispatchQueue(label: "hopscope.explorer.propose")
    private var gridCancellation: Cancellation?
    private var analysisCancellation: Cancellation?
    private let clockStart = Date()

    public init(backend: any ExplorerBackend, options: Options = Options()) {
        self.backend = backend; self.options = options
    }

    private var now: Double { Date().timeIntervalSince(clockStart) }

    /// Runs until the user quits. The terminal is restored however this returns or throws.
    public func run() throws {
        var recorder: CastRecorder?
        var transcript: TranscriptWriter?
        var ws = winsize()
        let haveSize = ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &ws) == 0
        if let path = options.recordPath {
            recorder = try CastRecorder(path: path, cols: haveSize ? Int(ws.ws_col) : 80, rows: haveSize ? Int(ws.ws_row) : 24)
        }
        if let path = options.transcriptPath { transcript = try TranscriptWriter(path: path) }
        defer { recorder?.close(); transcript?.close() }

        let terminal = try Terminal(recorder: recorder, mouse: options.mouse)
        defer { terminal.stop(); gridCancellation?.cancel(); analysisCancellation?.cancel() }
        let renderer = Renderer(glyphs: terminal.glyphs)

        let samples = backend.sampleQueries()
        let query = options.replay?.session.query ?? options.query ?? samples.first?.query ?? ""
        var state = ExplorerState(model: backend.model, query: query, samples: samples)
        let (theme, warning) = ThemeLoader.load(options.theme)
        terminal.apply(theme)
        state.themeName = theme.name + (terminal.colorMode == .mono ? " (mono)" : "")
        var pending = state.analyzeCurrentQuery()
        if let warning { state.say(warning, warning: true) }

        // A workshop session may present its view, or follow a presenter's.
        let remote = backend as? RemoteBackend
        let events = self.events
        remote?.setLiveSink { events.post(.live($0)) }
        var following: String?
        var followPage: Int?
        if let name = options.present {
            guard let remote else { throw DemoError("--present needs a server (--connect)") }
            try remote.present(name)
            state.presentingAs = name
            state.live = "presenting as \(name) · 0 following"
        }
        if let name = options.follow {
            guard let remote else { throw DemoError("--follow needs a server (--connect)") }
            following = name
            state.following = true
            state.live = "following \(name) · d: your own session"
            state.say("following \(name) · d: your own session · q quits")
            pending = []
            try remote.follow(name)
        }
        let uiLog = options.uiLogPath.flatMap { FileHandle(forWritingAtPath: $0) ?? (FileManager.default.createFile(atPath: $0, contents: nil) ? FileHandle(forWritingAtPath: $0) : nil) }
        uiLog?.seekToEndOfFile()
        var keyRead: (at: Date, key: String)?
        /// A line of the session: into the transcript, and to the followers when presenting.
        func emit(_ l: TranscriptLine) {
            transcript?.write(l)
            if state.presentingAs != nil { remote?.publish(l) }
        }
        /// A follower's state from the start of the presenter's stream (its own theme and badge kept).
        func restartFollowing(query: String) {
            let keep = (state.themeName, state.live)
            state = ExplorerState(model: backend.model, query: query, samples: samples)
            (state.themeName, state.live, state.following) = (keep.0, keep.1, true)
        }
        /// A followed presenter's line, applied as a replay applies it (no work is started here).
        func applyFollowed(_ line: TranscriptLine) {
            switch line.type {
            case "session":
                restartFollowing(query: line.query ?? "")
                _ = state.analyzeCurrentQuery()
            case "key":
                if let p = line.page { followPage = p; state.pageSize = p }
                if let k = line.paste.map(Key.paste) ?? line.key.flatMap(Key.init(transcriptName:)) { _ = state.handle(k) }
            case "result":
                if let e = line.result?.event { state.apply(e, now: now) }
            default: break
            }
        }

        if following == nil {
            emit(.session(backend.model, query: query))
            for w in backend.warnings { emit(.warning(w)) }
        }
        if let w = backend.warnings.first {
            state.say(w + (backend.warnings.count > 1 ? " (and \(backend.warnings.count - 1) more)" : ""), warning: true)
        }

        // Replay: the recorded keys and results, in order, with the time each is due.
        let script: [(due: Double, line: TranscriptLine)] = (options.replay?.lines ?? [])
            .filter { $0.type == "key" || $0.type == "result" }
            .map { ($0.t / max(0.01, options.replaySpeed), $0) }
        var scriptPos = 0
        var replayEnded = false
        if options.replay != nil { state.say("replaying \(script.count) recorded events · q quits", warning: false) }

        var quit = false
        var dirty = true
        // Where things were on the last frame drawn: what the user saw when clicking.
        var layout = ScreenLayout()
        while !quit {
            for fx in pending {
                if let l = TranscriptLine.request(fx) { emit(l) }
                if options.restricted, Self.touchesFiles(fx) {
                    state.say("files are not available in a workshop session over SSH", warning: true)
                    continue
                }
                switch fx {
                case .quit: quit = true
                case .record(let on, let path):
                    if on {
                        if transcript != nil { state.say("already recording a transcript") } else {
                            let p = path ?? "hopscope-\(Int(Date().timeIntervalSince1970)).jsonl"
                            do {
                                transcript = try TranscriptWriter(path: p)
                                transcript?.write(.session(backend.model, query: state.layer.query.text))
                                state.say("recording the transcript to \(p)")
                            } catch { state.say("\(error)", warning: true) }
                        }
                    } else if let t = transcript {
                        t.end(); t.close(); transcript = nil
                        state.say("transcript stopped")
                    } else { state.say("no transcript is being recorded") }
                case .loadModel(let path):
                    guard let load = options.loadBackend, options.replay == nil else {
                        state.say("this session cannot load models", warning: true); break
                    }
                    state.loadingModel = path
                    let events = self.events
                    workQueue.async {
                        do { events.post(.modelLoaded(try load(path))) }
                        catch { events.post(.modelFailed("cannot load \(path): \(error)")) }
                    }
                case .exportLayers(let path):
                    if let a = state.layer.analysis {
                        do {
                            try a.svg(title: "\(backend.model.name): \(a.query)").write(toFile: path, atomically: true, encoding: .utf8)
                            state.say("wrote \(path)")
                        } catch { state.say("cannot write \(path): \(error.localizedDescription)", warning: true) }
                    }
                case .redraw: terminal.invalidate()
                case .marker(let m): recorder?.marker(m)
                case .setTheme(let name):
                    let (t, w) = ThemeLoader.load(name)
                    if let w { state.say(w, warning: true) } else {
                        terminal.apply(t)
                        state.themeName = t.name + (terminal.colorMode == .mono ? " (mono)" : "")
                        state.say("theme \(t.name)")
                    }
                case .exportGrid(let path):
                    if let g = state.grid, let a = state.layer.analysis {
                        do {
                            try g.svg(title: "\(backend.model.name): \(a.query)").write(toFile: path, atomically: true, encoding: .utf8)
                            state.say("wrote \(path)")
                        } catch { state.say("cannot write \(path): \(error.localizedDescription)", warning: true) }
                    }
                default: if options.replay == nil && following == nil { start(fx) }
                }
            }
            pending = []
            if quit { break }
            // Replayed keys and results that are due.
            while scriptPos < script.count, script[scriptPos].due <= now {
                let line = script[scriptPos].line
                scriptPos += 1
                if let e = line.result?.event { events.post(e) }
                else if let k = line.paste.map(Key.paste) ?? line.key.flatMap(Key.init(transcriptName:)) {
                    // The recorded quit is not replayed: the last screen stays up until the viewer quits.
                    var fx = state.handle(k)
                    fx.removeAll { $0 == .quit }
                    pending += fx
                    dirty = true
                }
                if scriptPos == script.count { replayEnded = true }
            }
            if !pending.isEmpty { continue }
            for e in events.drain() {
                if case .live(let le) = e {
                    switch le {
                    case .view(let line) where following != nil: applyFollowed(line)
                    case .presenter(let s) where following != nil:
                        let name = following!
                        if s == "reset" {
                            restartFollowing(query: "")
                        } else if s == "gone" {
                            state.say("\(name) has stopped presenting · d: your own session · q quits", warning: true)
                        } else if s == "live" { state.say("\(name) is presenting again") }
                    default: state.apply(e, now: now)
                    }
                    dirty = true
                    continue
                }
                emit(.result(e))
                if case .modelLoaded(let b) = e {
                    backend = b
                    gridCancellation?.cancel(); analysisCancellation?.cancel()
                    pending += state.modelLoaded(b.model, samples: b.sampleQueries())
                    for w in b.warnings { emit(.warning(w)) }
                } else {
                    state.apply(e, now: now)
                }
                dirty = true
            }
            // Said after the last results are applied, so that they do not overwrite it.
            if replayEnded && pending.isEmpty { state.say("replay finished · q quits"); replayEnded = false; dirty = true }
            if dirty {
                let (rows, cols) = terminal.size
                state.pageSize = following != nil ? (followPage ?? max(1, rows - 12)) : max(1, rows - 12)
                let frame = renderer.render(state, rows: rows, cols: cols)
                terminal.draw(frame)
                if let k = keyRead, let uiLog {
                    let ms = Date().timeIntervalSince(k.at) * 1000
                    let name = String(data: (try? JSONEncoder().encode(k.key)) ?? Data(), encoding: .utf8) ?? "\"\""
                    uiLog.write(Data(String(format: "{\"t\":%.3f,\"key\":%@,\"ms\":%.2f}\n", Date().timeIntervalSince1970, name, ms).utf8))
                }
                keyRead = nil
                layout = frame.layout
                state.remember(layout)
                dirty = false
            }
            // Short timeout while work is running so results show promptly; long when idle.
            let busy = state.layer.analyzing || state.layer.panel.running || state.grid?.running == true
                || state.form?.pendingProposal != nil
                || scriptPos < script.count || state.loadingModel != nil
            // Keys that are already waiting (typing, a fast paste) are all handled before the next draw.
            var key = terminal.readKey(timeoutMs: busy ? 40 : 250)
            var handled = 0
            while var k = key {
                if keyRead == nil { keyRead = (Date(), k.transcriptName) }
                // A click is hit-tested against the frame on screen and recorded as what it hit.
                if case .mouse(let m) = k { k = layout.key(for: m) }
                if let name = following {
                    // Following: the presenter's screen, read-only; d detaches into one's own session.
                    switch k {
                    case .char("q"), .ctrl("c"): pending.append(.quit)
                    case .char("d"):
                        remote?.unfollow()
                        following = nil
                        state.following = false
                        state.live = nil
                        state.say("your own session now: the same screen, your own requests")
                    case .resize, .ctrl("l"): pending.append(.redraw)
                    default: state.say("following \(name) · only d (your own session) and q (quit) work here")
                    }
                    dirty = true
                    if pending.contains(.quit) { break }
                    key = terminal.readKey(timeoutMs: 0)
                    continue
                }
                var line = TranscriptLine.key(k)
                line.page = state.pageSize
                emit(line)
                pending += state.handle(k)
                dirty = true
                handled += 1
                if pending.contains(.quit) || handled >= 512 { break }
                key = terminal.readKey(timeoutMs: 0)
            }
        }
        transcript?.end()
    }

    /// Whether an effect reads or writes a file of the user's choosing (refused when `restricted`).
    static func touchesFiles(_ fx: Effect) -> Bool {
        switch fx {
        case .exportGrid, .exportLayers, .record, .loadModel: return true
        case .setTheme(let name): return name.contains("/") || name.hasSuffix(".toml")
        default: return false
        }
    }

    /// Starts backend work for an effect; its results arrive through `events`.
    private func start(_ fx: Effect) {
        let backend = self.backend, events = self.events, detailQueue = self.detailQueue
        switch fx {
        case .analyze(let q, let id):
            analysisCancellation?.cancel()
            let c = Cancellation()
            analysisCancellation = c
            workQueue.async {
                do {
                    let a = try backend.analyze(query: q, cancellation: c,
                                                progress: { events.post(.analysisProgress($0, $1, id: id)) },
                                                partial: { events.post(.analysisPartial($0, id: id)) })
                    events.post(.analysis(a, id: id))
                    guard a.detailPending == true else { return }
                    // The layer detail after the analysis is on screen, on its own queue: a back-patch
                    // cell asked for meanwhile does not wait for it. The next analysis cancels it.
                    detailQueue.async {
                        guard !c.isCancelled else { return }
                        do { if let d = try backend.layerDetail(query: q, cancellation: c) { events.post(.detail(d, id: id)) } }
                        catch { if !c.isCancelled { events.post(.detailFailed("\(error)", id: id)) } }
                    }
                } catch { if !c.isCancelled { events.post(.analysisFailed("\(error)", id: id)) } }
            }
        case .propose(let line, let id):
            proposeQueue.async {
                do { events.post(.proposal(try backend.propose(line), id: id)) }
                catch { events.post(.proposalFailed("\(error)", id: id)) }
            }
        case .backPatch(let q, let p, let s, let t):
            workQueue.async {
                do { events.post(.backPatch(try backend.backPatch(query: q, position: p, source: s, target: t))) }
                catch { events.post(.backPatchFailed("\(error)")) }
            }
        case .startGrid(let req, let id):
            gridCancellation?.cancel()
            let c = Cancellation()
            gridCancellation = c
            gridQueue.async {
                do {
                    try backend.grid(req, cancellation: c) { events.post(.gridCell($0, id: id)) }
                    events.post(.gridFinished(id: id, cancelled: c.isCancelled))
                } catch {
                    // A backend may stop a cancelled grid by throwing; that is a stop, not a failure.
                    events.post(c.isCancelled ? .gridFinished(id: id, cancelled: true) : .gridFailed("\(error)", id: id))
                }
            }
        case .cancelGrid:
            gridCancellation?.cancel()
        default: break
        }
    }
}
