import Analysis
import ArgumentParser
import Foundation
import Model

/// `hopscope analyze`: every per-layer method on one two-hop query.
///
/// ```
/// $ hopscope analyze --e1 Toyota --e2 Japan --e3 yen --e3-alias JPY --json \
///       --query "The currency of the country of origin of Toyota is" > toyota.json
/// $ hopscope analyze --query "The capital of the country of origin of Skoda is"   # entities proposed
/// ```
public struct AnalyzeCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Show, layer by layer, when a model resolves the bridge entity and the answer of a two-hop query.",
        discussion: """
            Runs the logit lens at t1 (the last token of e1) and t2 (the last prompt token), projects the \
            attention and MLP outputs at t2, decodes the hidden states at t1 and at t2 of every layer with \
            Patchscopes (ℓt = ℓs by default; --patchscope-layers grid for every ℓs × ℓt, as the paper), and \
            knocks out the attention from t2 to t1 in a window around every layer. Prints a table and the \
            paper's four stages, or with --json one object: {"ids", "t1", "t2", "answer", "layers":[…], "stages":{…}, \
            "patchscope":{…}, "entities":{…}}. Progress goes to stderr.

            Entities not given are proposed, as the explorer's query form does: a sample query with the same \
            prompt brings all of its fields; otherwise e1 is what follows the last "of" before the final "is", \
            and e2 and e3 are the model's own answers to the hop prompts "The R1 of E1 is" and "The R2 of E2 is" \
            (which needs a prompt of the form "The R2 of the R1 of E1 is"). Proposals are printed on stderr \
            and marked in the JSON ("entities": {"e2": …, "e2_source": "model_answer", …}).

            Examples:
              hopscope analyze --e1 Toyota --e2 Japan --e3 yen --e3-alias JPY \\
                  --query "The currency of the country of origin of Toyota is"
              hopscope analyze --query "The capital of the country of origin of Skoda is"
            """)

    @OptionGroup var modelOption: ModelOption

    @Option(help: "The composition prompt, e.g. \"The currency of the country of origin of Toyota is\".")
    var query: String

    @Option(help: "The entity in the query (its last token is t1); proposed from the prompt when omitted.")
    var e1: String?

    @Option(help: "The bridge entity the first hop resolves to; the model's answer to the first hop when omitted.")
    var e2: String?

    @Option(help: "The answer; the model's answer to the second hop when omitted.")
    var e3: String?

    @Option(name: .customLong("e2-alias"), help: "Another name of e2 (repeatable).")
    var e2Aliases: [String] = []

    @Option(name: .customLong("e3-alias"), help: "Another name of e3 (repeatable; one-character aliases are ignored).")
    var e3Aliases: [String] = []

    @Option(help: "Tokens listed per lens cell.")
    var top: Int = 5

    @Option(name: .customLong("window"), help: "Knockout half-window k: blocks layers [ℓ−k, ℓ+k].")
    var halfWindow: Int = 3

    @OptionGroup var patchscope: PatchscopeOptions

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    public init() {}

    public func run() throws {
        guard top > 0 else { throw CLIError("--top must be positive, got \(top)") }
        guard halfWindow >= 0 else { throw CLIError("--window must be ≥ 0, got \(halfWindow)") }
        let lm = try modelOption.load()
        var options = Analyzer.Options()
        options.topK = top
        options.knockoutHalfWindow = halfWindow
        options.patchscopeSettings = try patchscope.settings(defaultLayers: .diagonal)
        options.knockoutKeys = patchscope.knockoutKeys
        let samples = SampleQueryFiles.folder().map { SampleQueryFiles.load(folder: $0).queries } ?? []
        let request = QueryRequest(prompt: query, e1: e1, e2: e2, e3: e3, e2Aliases: e2Aliases, e3Aliases: e3Aliases)
        let progress = StderrProgress()
        let result: AnalysisSession.Result
        do {
            let session = try AnalysisSession(model: lm, samples: samples, options: options)
            // Proposals first (they may take a generation or two), said before the long part.
            let resolved = try session.resolve(request.line)
            let q = resolved.query
            for (name, value, source) in [("e1", q.e1, resolved.e1Source), ("e2", q.e2, resolved.e2Source), ("e3", q.e3, resolved.e3Source)]
            where source != .typed {
                log("proposed \(name) “\(value)” (\(source == .modelAnswer ? "the model's answer" : source == .sample ? "from the sample query" : "from the prompt"))")
            }
            for n in resolved.notes { log("  \(n)") }
            result = try session.analyze(resolved: resolved, detail: false, progress: { f, m in progress.report(f, m) })
        } catch { progress.finish(); throw CLIError("\(error)") }
        progress.finish()
        let analysis = result.analysis, resolved = result.resolved
        if json {
            try printJSON(AnalyzeOutput(analysis: analysis, resolved: resolved))
        } else {
            print(AnalyzeCommand.table(analysis), terminator: "")
        }
    }

    /// The human-readable report: one row per layer, then the stages.
    static func table(_ a: QueryAnalysis) -> String {
        func show(_ s: String, _ width: Int) -> String {
            let flat = s.replacingOccurrences(of: "\n", with: "⏎")
            let cut = flat.count > width - 1 ? String(flat.prefix(width - 2)) + "…" : flat
            return cut.padding(toLength: width, withPad: " ", startingAt: 0)
        }
        func pct(_ p: Float) -> String { String(format: "%.1e", Double(p)) }
        var out = "query   \(a.query.query)\n"
        out += "tokens  " + a.pieces.enumerated().map { "\($0.offset):\($0.element.debugDescription)" }.joined(separator: " ") + "\n"
        out += "t1 = \(a.t1) \(a.pieces[a.t1].debugDescription)   t2 = \(a.t2) \(a.pieces[a.t2].debugDescription)\n"
        out += "answer  \(a.answer.generation.debugDescription)  \(a.answer.correct ? "correct" : "wrong")   "
        out += "e3 \(a.answer.e3Piece.debugDescription) p=\(pct(a.answer.e3Prob)) rank \(a.answer.e3Rank)\n\n"
        out += "patchscopes \(a.patchscope)   knockout t2 → \(a.knockoutKeys == .t1 ? "t1" : "every e1 token"), window ±\(a.knockoutHalfWindow)\n"
        out += "prediction \(a.predictionPiece.debugDescription)\n\n"
        out += "layer  lens@t1       e2 rank  lens@t2       e3 rank  attn e2  mlp pred  patchscope@t1                   patchscope@t2                   knockout\n"
        for l in a.layers {
            out += show(String(l.layer), 7)
            out += show(l.lensT1.first?.piece.debugDescription ?? "", 14)
            out += show(String(l.e2RankT1), 9)
            out += show(l.lensT2.first?.piece.debugDescription ?? "", 14)
            out += show(String(l.e3RankT2), 9)
            out += show(l.attnE2RankT2.map(String.init) ?? "-", 9)
            out += show(String(l.mlpPredictionRankT2), 10)
            for p in [l.patchscopeT1, l.patchscopeT2] {
                let any = p.map { $0.decodedAny.filter { $0 != .other }.map(\.rawValue).joined(separator: ",") } ?? ""
                let ps = p.map { "\(any.isEmpty ? "other" : any) \($0.generation.debugDescription)" } ?? "-"
                out += show(ps, 32)
            }
            out += l.knockout.map { "\($0.changed == true ? "changed" : "same   ") e3 p=\(pct($0.answerProb))" } ?? "-"
            out += "\n"
        }
        func stage(_ v: Int?) -> String { v.map(String.init) ?? "never" }
        let s = a.stages, p = s.infoPropagationParts
        out += "\nstages  ① first hop resolved (e2 decoded from t1):        \(stage(s.firstHop))\n"
        out += "        ② information propagation (mean of the three): \(s.infoPropagation.map { SweepReport.layer($0) } ?? "never")"
        out += "   (knockout t2→t1 matters \(stage(p.knockout)), attention ranks e2 first \(stage(p.attention)), e2 decoded from t2 \(stage(p.patchscope)))\n"
        out += "        ③ second hop resolved (e3 decoded from t2):       \(stage(s.secondHop))\n"
        out += "        ④ prediction extracted (MLP ranks \(a.predictionPiece.debugDescription) first): \(stage(s.predictionExtracted))\n"
        return out
    }
}

/// Progress on stderr: one updating line on a terminal, a line per tenth otherwise.
final class StderrProgress: @unchecked Sendable {
    private let lock = NSLock()
    private let tty = isatty(2) != 0
    private var lastBucket = -1
    private var dirty = false

    func report(_ fraction: Double, _ message: String) {
        lock.lock(); defer { lock.unlock() }
        let pct = Int((fraction * 100).rounded())
        if tty {
            FileHandle.standardError.write(Data("\r\u{1B}[K[\(String(format: "%3d", pct))%] \(message)".utf8))
            dirty = true
        } else if pct / 10 != lastBucket {
            lastBucket = pct / 10
            FileHandle.standardError.write(Data("[\(pct)%] \(message)\n".utf8))
        }
    }

    func finish() {
        lock.lock(); defer { lock.unlock() }
        if tty && dirty { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        dirty = false
    }
}
