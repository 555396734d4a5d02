import Analysis
import ArgumentParser
import Dispatch
import Foundation
import Model
#if canImport(Glibc)
import Glibc
#endif

extension Sweep.BackPatchSelection: ExpressibleByArgument {}
extension Sweep.StageSelection: ExpressibleByArgument {}

/// `hopscope sweep`: the whole pipeline over a query file, one JSONL row per query.
///
/// ```
/// hopscope sweep sample-queries/showcase.jsonl --out results.jsonl
/// hopscope sweep queries.jsonl --out part-2.jsonl --shard 2/8 --resume     # one of 8 array tasks
/// hopscope report part-*.jsonl                                             # merged summaries
/// ```
struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Evaluate, stage and back-patch every query of a file; one JSONL row per query.",
        discussion: """
            Per query: hop1/hop2/composition/shortcut correctness (as `evaluate`), the stages (as \
            `analyze`), and the back-patching grids at t1 and t2 (whether any ℓs > ℓt cell fixes the \
            answer, and which cells do). A row is appended to --out, flushed and fsync'ed as soon as its \
            query finishes, so a sweep stopped at any moment keeps every finished query; --resume skips the \
            ids already in --out. --shard I/N (0 ≤ I < N) keeps the queries whose position among the \
            file's lines is I mod N: N processes with I = 0…N−1 cover the file exactly once (see \
            scripts/slurm/sweep.sbatch). A progress bar with an ETA is drawn on stderr when it is a terminal.

            Back-patching costs most: by default only the paper's incorrect cases (both hops right, both \
            shortcuts wrong, composition wrong) get grids. --grid-metric first-token is ~10× faster than the \
            paper's 10-token criterion; --no-stages and --backpatch none leave out the other slow parts. \
            Stages run the Patchscopes over the full ℓs × ℓt grid (the paper's; --patchscope-layers diagonal \
            is ~L× faster), greedy unless --patchscope-samples N; each row records the mode in "patchscope".

            Row: {"id", "model", "hop1_correct", "hop2_correct", "composition_correct", \
            "shortcut_entity_correct", "shortcut_relation_correct", "composition_generation", "generations", \
            "stages":{…}|null, "patchscope":{…}, "backpatch":{"t1":{"fixed", "cells_correct":[[ℓs,ℓt]…], "cells", "layers", \
            "metric"}, "t2":{…}}|null[, "error"]}
            """)

    @OptionGroup var modelOption: ModelOption

    @Argument(help: ArgumentHelp("Query file (JSONL, DESIGN §4).", valueName: "FILE.jsonl"))
    var file: String

    @Option(help: ArgumentHelp("Results file (JSONL), appended row by row.", valueName: "RESULTS.jsonl"))
    var out: String

    @Option(help: ArgumentHelp("Run only part I of N (0-based), e.g. 0/4.", valueName: "I/N"))
    var shard: String?

    @Flag(help: "Continue an existing --out: skip the ids already there.")
    var resume = false

    @Flag(help: "Start --out afresh if it already has rows.")
    var overwrite = false

    @Flag(help: "Skip malformed query lines (each reported with its line number) instead of stopping.")
    var skipBad = false

    @Option(help: "Which queries to back-patch: incorrect (the paper's incorrect cases), all, none.")
    var backpatch: Sweep.BackPatchSelection = .incorrect

    @Flag(help: "Same as --backpatch none.")
    var noBackpatch = false

    @Option(help: "Back-patch success: generation (10 tokens contain e3, the paper's) or first-token (e3 top-1, faster).")
    var gridMetric: BackPatchMetric = .generation

    @Flag(help: "Leave out the stages (Patchscope, knockout, lens).")
    var noStages = false

    @Option(help: "Which queries get stages: known (both hops answered correctly, the paper's population) or all.")
    var stagesFor: Sweep.StageSelection = .known

    @Option(help: "Greedy tokens per generation.")
    var maxTokens = 10

    @OptionGroup var patchscope: PatchscopeOptions

    @Option(help: "Stop after this many queries of the shard (after skipping those already done).")
    var limit: Int?

    func validate() throws {
        if resume && overwrite { throw ValidationError("--resume and --overwrite exclude each other") }
        if maxTokens < 1 { throw ValidationError("--max-tokens must be ≥ 1, got \(maxTokens)") }
        if let limit, limit < 0 { throw ValidationError("--limit must be ≥ 0, got \(limit)") }
    }

    func run() throws {
        let shard = try shard.map { s -> SweepShard in
            do { return try SweepShard(parsing: s) } catch { throw CLIError("\(error)") }
        } ?? .whole
        let runner = try QueryRunner(file: file, shard: shard, skipBad: skipBad, out: out, resume: resume,
                                     overwrite: overwrite, limit: limit, command: "sweep")
        let lm = try modelOption.load()
        var options = Sweep.Options()
        options.stages = !noStages
        options.stagesFor = stagesFor
        options.backpatch = noBackpatch ? .none : backpatch
        options.metric = gridMetric
        options.maxTokens = maxTokens
        options.analyzer.patchscopeSettings = try patchscope.settings(defaultLayers: .grid)
        options.analyzer.knockoutKeys = patchscope.knockoutKeys
        options.modelName = URL(fileURLWithPath: modelOption.path).lastPathComponent
        let sweep: Sweep
        do { sweep = try Sweep(model: lm, options: options) } catch { throw CLIError("\(error)") }
        try runner.run { q, progress, cancel in
            let row = try sweep.run(q, progress: progress, cancel: cancel)
            return (try row.jsonLine(), row.error)
        }
    }
}

/// The loop shared by `sweep` and `evaluate`: read and check the query file, pick the shard, skip what
/// is done, run each query, append its row, draw progress, stop cleanly on SIGINT/SIGTERM.
final class QueryRunner {
    let file: String
    let queries: [QueryFile.Entry]
    let output: SweepOutput?
    let command: String
    let todo: [QueryFile.Entry]
    let alreadyDone: Int

    /// Everything that can fail before the model loads fails here: the query file, the output file.
    init(file: String, shard: SweepShard, skipBad: Bool, out: String?, resume: Bool, overwrite: Bool,
         limit: Int?, command: String) throws {
        self.file = file
        self.command = command
        let qf: QueryFile
        do { qf = try QueryFile(path: file) } catch { throw CLIError("\(error)") }
        let (entries, problems) = qf.load()
        if !problems.isEmpty {
            if !skipBad {
                let p = problems[0]
                let more = problems.count > 1 ? " (and \(problems.count - 1) more bad line\(problems.count == 2 ? "" : "s"); `hopscope validate` lists them, --skip-bad skips them)" : " (--skip-bad skips bad lines)"
                throw CLIError("\(file):\(p.line): \(p.message)\(more)")
            }
            for p in problems { log("\(file):\(p.line): \(p.message) — skipped") }
        }
        if entries.isEmpty { throw CLIError(problems.isEmpty ? "\(file): no queries" : "\(file): no valid queries (\(problems.count) bad line\(problems.count == 1 ? "" : "s"))") }
        queries = entries
        if let out {
            if let space = QueryRunner.freeBytes(near: out), space < 64 * 1024 {
                throw CLIError("\(out): no space left on the device (\(space) bytes free)")
            }
            do { output = try SweepOutput(path: out, resume: resume, overwrite: overwrite) } catch { throw CLIError("\(error)") }
            if let o = output, o.repairedBytes > 0 {
                log("\(out): cut off a torn last line (\(o.repairedBytes) bytes) left by an interrupted run; that query is redone")
            }
        } else {
            output = nil
        }
        let mine = entries.filter { shard.contains(ordinal: $0.ordinal) }
        let done = output?.done ?? []
        var todo = mine.filter { !done.contains($0.query.id) }
        alreadyDone = mine.count - todo.count
        if let limit { todo = Array(todo.prefix(limit)) }
        self.todo = todo
        if let o = output, o.resumedRows > 0 {
            let foreign = o.done.subtracting(mine.map(\.query.id)).count
            if foreign > 0 {
                log("\(o.path): \(foreign) row\(foreign == 1 ? "" : "s") for ids not in this shard of \(file) (kept)")
            }
        }
    }

    /// Free bytes on the filesystem that holds `path` (or would).
    static func freeBytes(near path: String) -> UInt64? {
        var dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
        if dir.isEmpty { dir = "." }
        var s = statvfs()
        guard statvfs(dir, &s) == 0 else { return nil }
        return UInt64(s.f_bavail) * UInt64(s.f_frsize)
    }

    /// Runs `work` on each query to do; rows go to the output file, else to stdout.
    func run(_ work: @escaping (TwoHopQuery, ProgressHandler?, CancellationToken) throws -> (line: Data, error: String?)) throws {
        let cancel = CancellationToken()
        let signals = SignalCancel(cancel)
        defer { signals.restore() }
        let bar = ProgressBar(total: todo.count, label: command)
        let start = Date()
        var written = 0, errors = 0
        if todo.isEmpty {
            log("\(command): nothing to do (\(alreadyDone) of this shard's queries already in \(output?.path ?? "the output"))")
            return
        }
        for (i, entry) in todo.enumerated() {
            bar.begin(index: i, id: entry.query.id)
            let result: (line: Data, error: String?)
            do {
                result = try work(entry.query, { f, m in bar.update(fraction: f, message: m) }, cancel)
            } catch let e as AnalysisError where e == .cancelled {
                bar.finish()
                log("\(command): stopped by \(signals.received ?? "a signal") after \(written) new row\(written == 1 ? "" : "s"); rerun with --resume to continue")
                throw ExitCode(130)
            } catch {
                bar.finish()
                throw CLIError("\(file):\(entry.line) (\(entry.query.id)): \(error)")
            }
            if let e = result.error {
                errors += 1
                bar.note("\(entry.query.id): \(e)")
            }
            if let output {
                do { try output.append(result.line, id: entry.query.id) } catch {
                    bar.finish()
                    throw CLIError("\(error)")
                }
            } else {
                FileHandle.standardOutput.write(result.line + Data("\n".utf8))
            }
            written += 1
            bar.end()
            if cancel.isCancelled {
                bar.finish()
                log("\(command): stopped by \(signals.received ?? "a signal") after \(written) new row\(written == 1 ? "" : "s"); rerun with --resume to continue")
                throw ExitCode(130)
            }
        }
        bar.finish()
        let seconds = Date().timeIntervalSince(start)
        var summary = "\(command): \(written) row\(written == 1 ? "" : "s")"
        if let output { summary += " written to \(output.path)" }
        if alreadyDone > 0 { summary += " (\(alreadyDone) already there)" }
        if errors > 0 { summary += ", \(errors) with an error" }
        summary += String(format: " in %@ (%.1f s/query)", ProgressBar.duration(seconds), seconds / Double(max(written, 1)))
        log(summary)
    }
}

/// SIGINT / SIGTERM cancel the running query instead of killing the process mid-way (rows are safe
/// either way; this lets the progress line be cleared and says how to resume). A second signal kills.
final class SignalCancel: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []
    private let lock = NSLock()
    private var name: String?
    var received: String? { lock.lock(); defer { lock.unlock() }; return name }

    init(_ token: CancellationToken) {
        for (sig, label) in [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM")] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [weak self] in
                guard let self else { return }
                self.lock.lock()
                let second = self.name != nil
                self.name = label
                self.lock.unlock()
                if second { signal(sig, SIG_DFL); raise(sig) }
                token.cancel()
            }
            source.resume()
            sources.append(source)
        }
    }

    func restore() {
        for s in sources { s.cancel() }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}

/// A one-line progress bar with an ETA on stderr, drawn only when stderr is a terminal.
final class ProgressBar: @unchecked Sendable {
    let total: Int
    let label: String
    let tty = isatty(2) != 0
    private let lock = NSLock()
    private let start = Date()
    private var index = 0
    private var fraction = 0.0
    private var id = ""
    private var message = ""
    private var lastDraw = Date.distantPast
    private var drawn = false
    private var finished = 0

    init(total: Int, label: String) {
        self.total = total
        self.label = label
    }

    func begin(index: Int, id: String) {
        lock.lock(); self.index = index; self.id = id; fraction = 0; message = ""; lock.unlock()
        draw(force: true)
    }

    func update(fraction: Double, message: String) {
        lock.lock(); self.fraction = min(max(fraction, 0), 1); self.message = message; lock.unlock()
        draw(force: false)
    }

    func end() {
        lock.lock(); finished += 1; fraction = 0; index = finished; lock.unlock()
    }

    /// A message that stays (printed above the bar), e.g. a query that failed.
    func note(_ text: String) {
        lock.lock(); defer { lock.unlock() }
        if tty && drawn { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        FileHandle.standardError.write(Data("\(label): \(text)\n".utf8))
        drawn = false
    }

    func finish() {
        lock.lock(); defer { lock.unlock() }
        if tty && drawn { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        drawn = false
    }

    private func draw(force: Bool) {
        guard tty else { return }
        lock.lock(); defer { lock.unlock() }
        let now = Date()
        if !force && now.timeIntervalSince(lastDraw) < 0.1 { return }
        lastDraw = now
        let elapsed = now.timeIntervalSince(start)
        let progress = Double(index) + fraction
        var eta = "ETA --"
        if progress > 0.02 {
            let remaining = elapsed / progress * (Double(total) - progress)
            eta = "ETA " + Self.duration(remaining)
        }
        let width = 20
        let filled = Int((progress / Double(max(total, 1)) * Double(width)).rounded(.down))
        let bar = String(repeating: "#", count: min(width, filled)) + String(repeating: "-", count: max(0, width - filled))
        var line = "\(label) [\(bar)] \(min(index + 1, total))/\(total) \(String(format: "%3d%%", Int(progress / Double(max(total, 1)) * 100))) \(eta)  \(id)"
        if !message.isEmpty { line += ": \(message)" }
        let columns = Self.terminalColumns()
        if line.count > columns - 1 { line = String(line.prefix(columns - 2)) + "…" }
        FileHandle.standardError.write(Data("\r\u{1B}[K\(line)".utf8))
        drawn = true
    }

    static func terminalColumns() -> Int {
        var ws = winsize()
        if ioctl(2, UInt(TIOCGWINSZ), &ws) == 0 && ws.ws_col > 0 { return Int(ws.ws_col) }
        return 80
    }

    /// "42s", "3m05s", "2h07m".
    static func duration(_ s: Double) -> String {
        guard s.isFinite, s >= 0 else { return "--" }
        let t = Int(s.rounded())
        if t < 60 { return "\(t)s" }
        if t < 3600 { return String(format: "%dm%02ds", t / 60, t % 60) }
        return String(format: "%dh%02dm", t / 3600, t % 3600 / 60)
    }
}
