// What the explorer asks of an analysis engine, and a synthetic engine for driving the UI without a model.
import Analysis
import Foundation

/// A flag a long computation polls to stop early (thread-safe): Analysis' own token, passed through.
public typealias Cancellation = CancellationToken

/// A back-patch grid request.
public struct GridRequest: Equatable, Sendable {
    public var query: String
    public var position: TokenPosition
    public var metric: GridMetric
    public init(query: String, position: TokenPosition, metric: GridMetric) {
        self.query = query; self.position = position; self.metric = metric
    }
}

/// The analysis engine behind the explorer.
///
/// A model-backed implementation maps the Analysis module's values onto the view models:
/// `Analyzer.run(_:progress:cancel:partial:)` → `analyze(query:cancellation:progress:partial:)`
/// (its `QueryAnalysis.layers[ℓ]` → `LayerRow`: `lensT1/lensT2.first` → lens pieces, `e2RankT1/e2ProbT1`
/// and `e3RankT2/e3ProbT2` → `RankProb`, `patchscopeT1` → `PatchscopeReading`, `knockout` → `KnockoutEffect`;
/// the embedding lens → the `layer == nil` row; `stages` → `LayerRow.stages`), `BackPatcher.cell` →
/// `backPatch` (`BackPatchCell` → `BackPatchResult`, with the patcher's base answer probability as
/// `probBefore`), and `BackPatcher.grid` (its per-batch
/// callback passing on each cell; throwing `CancelledError` on cancel is fine) → `grid`.
///
/// Every method may take seconds; the explorer calls them off the input thread, one at a time
/// per kind, and never from two threads on the same method at once. Implementations return plain
/// values (the view models in ViewModels.swift) and throw errors whose description is one line
/// fit for the status bar.
public protocol ExplorerBackend: Sendable {
    /// The model line of the header.
    var model: ModelSummary { get }
    /// Queries offered by the `/` browser.
    func sampleQueries() -> [SampleQuery]
    /// Problems found while starting (e.g. skipped sample-query lines), for the status line and transcript.
    var warnings: [String] { get }
    /// Logit lens, Patchscope, knockout and stages for a two-hop query.
    func analyze(query: String) throws -> AnalysisViewModel
    /// The same, reporting as it goes: `progress` (fraction 0…1, what runs now) and `partial` analyses
    /// with the rows known so far (lens first, Patchscope and knockout later). Returns early by throwing
    /// when `cancellation` is set. The default forwards to `analyze(query:)`.
    func analyze(query: String, cancellation: Cancellation, progress: @escaping @Sendable (Double, String) -> Void,
                 partial: @escaping @Sendable (AnalysisViewModel) -> Void) throws -> AnalysisViewModel
    /// The ⏎ detail of the query `analyze` returned last, when that analysis left it out
    /// (`AnalysisViewModel.detailPending`): the explorer asks right after the analysis is on screen.
    /// The default (a backend whose analyses carry their detail, or none) returns nil.
    func layerDetail(query: String, cancellation: Cancellation) throws -> AnalysisDetail?
    /// The entities proposed for a one-line query (`QueryRequest`'s form), for the query form: a sample's
    /// fields, e1 from the prompt, e2 and e3 as the model's answers to the hop prompts. Throws a one-line
    /// reason (shown inside the form) when they cannot be proposed. The default proposes from the
    /// samples and the prompt's wording only.
    func propose(_ line: String) throws -> QueryProposal
    /// One back-patch cell: h(source, position) written into block `target`'s output.
    func backPatch(query: String, position: TokenPosition, source: Int, target: Int) throws -> BackPatchResult
    /// The whole ℓs > ℓt grid; `progress` is called once per finished cell, from any thread.
    /// Returns early when `cancellation` is set (returning or throwing: either counts as stopped).
    func grid(_ request: GridRequest, cancellation: Cancellation, progress: @Sendable (BackPatchResult) -> Void) throws
}

extension ExplorerBackend {
    public var warnings: [String] { [] }
    public func layerDetail(query: String, cancellation: Cancellation) throws -> AnalysisDetail? { nil }

    public func propose(_ line: String) throws -> QueryProposal {
        let r: QueryRequest
        do { r = try QueryRequest(line: line) } catch { throw DemoError("\(error)") }
        if let s = sampleQueries().first(where: { $0.query == r.prompt }) {
            return QueryProposal(prompt: s.query, e1: s.e1, e2: s.e2, e3: s.e3, e1Note: "sample", e2Note: "sample", e3Note: "sample")
        }
        guard let e1 = r.e1 ?? QueryWording.e1(in: r.prompt) else { throw DemoError(QueryWording.noE1Message) }
        return QueryProposal(prompt: r.prompt, e1: e1, e2: r.e2 ?? "", e3: r.e3 ?? "", e1Note: r.e1 == nil ? "from the prompt" : "")
    }

    public func analyze(query: String, cancellation: Cancellation, progress: @escaping @Sendable (Double, String) -> Void,
                        partial: @escaping @Sendable (AnalysisViewModel) -> Void) throws -> AnalysisViewModel {
        try analyze(query: query)
    }
}

/// Synthetic, deterministic data shaped like SmolLM2-135M on the Toyota currency query:
/// 30 layers, the bridge "Japan" resolved at t1 around layer 9, the answer "yen" briefly top-1 at t2
/// around layer 22 and lost by the last layer. Grid cells take `cellDelay` seconds each so progress is visible.
public struct DemoBackend: ExplorerBackend {
    public let model = ModelSummary(name: "SmolLM2-135M-Instruct Q4_1 (demo data)", layers: 30, dim: 576)
    public var cellDelay: Double
    public var patchDelay: Double
    /// Seconds for each of the staged analysis phases (lens, Patchscope, knockout); 0 = instant.
    public var analyzeDelay: Double

    public init(cellDelay: Double = 0.008, patchDelay: Double = 0.4, analyzeDelay: Double = 0.15) {
        self.cellDelay = cellDelay; self.patchDelay = patchDelay; self.analyzeDelay = analyzeDelay
    }

    /// Fills in like a real analysis: lens rows first, then Patchscope, then knockout and stages.
    public func analyze(query: String, cancellation: Cancellation, progress: @escaping @Sendable (Double, String) -> Void,
                        partial: @escaping @Sendable (AnalysisViewModel) -> Void) throws -> AnalysisViewModel {
        let full = try analyze(query: query)
        guard analyzeDelay > 0 else { return full }
        var a = full
        a.rows = full.rows.map { r in var r = r; r.patchscope = nil; r.knockout = nil; r.stages = []; return r }
        progress(0.02, "logit lens"); Thread.sleep(forTimeInterval: analyzeDelay)
        if cancellation.isCancelled { throw DemoError("cancelled") }
        partial(a)
        progress(0.1, "Patchscope at t1"); Thread.sleep(forTimeInterval: analyzeDelay)
        if cancellation.isCancelled { throw DemoError("cancelled") }
        for i in a.rows.indices { a.rows[i].patchscope = full.rows[i].patchscope }
        partial(a)
        progress(0.55, "attention knockout"); Thread.sleep(forTimeInterval: analyzeDelay)
        if cancellation.isCancelled { throw DemoError("cancelled") }
        progress(1, "done")
        return full
    }

    static let toyota = SampleQuery(id: "toyota-currency", query: "The currency of the country of origin of Toyota is",
                                    e1: "Toyota", e2: "Japan", e3: "yen")

    public func sampleQueries() -> [SampleQuery] {
        [DemoBackend.toyota,
         SampleQuery(id: "toyota-capital", query: "The capital of the country of origin of Toyota is", e1: "Toyota", e2: "Japan", e3: "Tokyo"),
         SampleQuery(id: "imagine-spouse", query: "The spouse of the performer of Imagine is", e1: "Imagine", e2: "John Lennon", e3: "Yoko Ono"),
         SampleQuery(id: "eiffel-currency", query: "The currency of the country of the Eiffel Tower is", e1: "the Eiffel Tower", e2: "France", e3: "euro"),
         SampleQuery(id: "sushi-capital", query: "The capital of the country of origin of sushi is", e1: "sushi", e2: "Japan", e3: "Tokyo")]
    }

    /// Splits a query into plausible sub-word pieces (leading spaces kept), like a BPE tokenizer would.
    static func pieces(_ q: String) -> [String] {
        var out: [String] = []
        for (i, w) in q.split(separator: " ").enumerated() {
            let word = (i == 0 ? "" : " ") + w
            if w.count >= 6 && w.first!.isUppercase {
                let cut = word.index(word.startIndex, offsetBy: (i == 0 ? 3 : 4))
                out.append(String(word[..<cut])); out.append(String(word[cut...]))
            } else { out.append(word) }
        }
        return out
    }

    public func analyze(query: String) throws -> AnalysisViewModel {
        let r: QueryRequest
        do { r = try QueryRequest(line: query) } catch { throw DemoError("\(error)") }
        let text = r.prompt
        var sample = sampleQueries().first { $0.query == text }
            ?? SampleQuery(id: "free", query: text, e1: QueryWording.e1(in: text) ?? String(text.split(separator: " ").dropLast().last ?? "x"),
                           e2: "Japan", e3: "yen")
        if let e1 = r.e1 { sample.e1 = e1 }
        if let e2 = r.e2 { sample.e2 = e2 }
        if let e3 = r.e3 { sample.e3 = e3 }
        let toks = DemoBackend.pieces(text)
        let t2 = toks.count - 1
        // t1: the last piece of e1 inside the prompt.
        let e1Last = sample.e1.split(separator: " ").last.map(String.init) ?? sample.e1
        var t1 = max(0, t2 - 1)
        var acc = ""
        for (i, p) in toks.enumerated() {
            acc += p
            if acc.hasSuffix(e1Last) { t1 = i }
        }
        let L = model.layers
        var rows: [LayerRow] = [LayerRow(layer: nil, lensT1: toks[t1], lensT2: toks[t2])]
        for l in 0..<L {
            // e2 at t1: far until ~8, top around 10–18, fading after.
            let e2rank = l < 6 ? 9000 / (l + 1) : l < 9 ? [120, 24, 6][l - 6] : l <= 18 ? (l == 9 ? 2 : 1) : 2 + (l - 18) * 3
            let e2p = 1.0 / (1.0 + Double(e2rank - 1) * 0.9) * (e2rank == 1 ? 0.55 : 0.35)
            // e3 at t2: slowly rising to top-1 at 22–23, then overtaken by " the".
            let e3rank = l < 12 ? 12000 / (l + 1) : l < 22 ? max(2, 300 >> (l - 12)) : l <= 23 ? 1 : 2 + (l - 23) * 2
            let e3p = e3rank == 1 ? 0.28 : min(0.2, 0.5 / Double(e3rank))
            let lensT1 = l < 7 ? ["ota", "ota", "ota", " Corporation", " Motor", " Motors", " cars"][l]
                : l <= 18 ? (l < 16 ? sample.e2 : " Japanese") : " the"
            let lensT2 = l < 10 ? [" is", " is", " the", " the", " a", " the", " also", " the", " a", " the"][l]
                : l < 20 ? (l < 15 ? " the" : " " + sample.e2) : (l >= 22 && l <= 23) ? " " + sample.e3 : " the"
            let decoded: EntityKind = l < 5 ? .e1 : l < 8 ? .other : l <= 20 ? .e2 : .other
            let psText = decoded == .e1 ? "\(sample.e1): \(sample.e1) is a Japanese car maker"
                : decoded == .e2 ? "\(sample.e2): \(sample.e2) is a country in East Asia" : "x: x is a letter of the alphabet"
            let base = 0.04
            let ko = KnockoutEffect(answer: l >= 12 && l <= 20 ? " the" : " " + sample.e3,
                                    e3Prob: l >= 12 && l <= 20 ? base * 0.3 : base * 0.95, e3ProbBase: base)
            var stages: [Stage] = []
            if l == 9 { stages.append(.firstHop) }
            if l == 14 { stages.append(.propagated) }
            if l == 22 { stages.append(.secondHop) }
            rows.append(LayerRow(layer: l, lensT1: lensT1, lensT2: lensT2,
                                 e2AtT1: RankProb(rank: e2rank, prob: e2p), e3AtT2: RankProb(rank: e3rank, prob: e3p),
                                 patchscope: PatchscopeReading(decoded: decoded, text: psText), knockout: ko, stages: stages))
        }
        return AnalysisViewModel(query: text, e1: sample.e1, e2: sample.e2, e3: sample.e3,
                             hop1: HopResult(generation: " \(sample.e2). The country", correct: true),
                             hop2: HopResult(generation: " the \(sample.e3). The", correct: true),
                             // SmolLM2-135M gets "the capital of the country of origin of Toyota" right, the currency wrong.
                             composition: sample.e3 == "Tokyo" ? HopResult(generation: " Tokyo. The capital of Japan", correct: true)
                                                               : HopResult(generation: " the Toyota Corporation", correct: false),
                             tokens: toks, t1: t1, t2: t2, rows: rows)
    }

    /// Whether patching h(source) into `target` fixes the query, and p(e3) afterwards; deterministic.
    func cell(_ position: TokenPosition, _ s: Int, _ t: Int, e3: String) -> BackPatchResult {
        let ok: Bool
        let strength: Double
        switch position {
        case .t2:
            ok = (17...26).contains(s) && (2...13).contains(t) && (s + 2 * t) % 7 != 0
            strength = max(0, 1 - abs(Double(s - 21)) / 6) * max(0, 1 - abs(Double(t - 7)) / 8)
        case .t1:
            ok = (9...16).contains(s) && (0...5).contains(t) && (s * t) % 4 != 1
            strength = max(0, 1 - abs(Double(s - 12)) / 5) * max(0, 1 - abs(Double(t - 2)) / 5)
        }
        let pAfter = 0.04 + (ok ? 0.35 : 0.06) * strength
        let gen = ok ? " Japanese \(e3). The currency of Japan is" : " the Toyota Corporation. The Toyota"
        return BackPatchResult(position: position, source: s, target: t, generation: gen, correct: ok,
                               probBefore: 0.04, probAfter: pAfter, rankAfter: ok ? 1 + (s + t) % 3 : 4 + (s * 7 + t) % 40)
    }

    public func backPatch(query: String, position: TokenPosition, source: Int, target: Int) throws -> BackPatchResult {
        guard source > target else { throw DemoError("source layer \(source) must be later than target \(target)") }
        guard source < model.layers, target >= 0 else { throw DemoError("layers are 0…\(model.layers - 1)") }
        Thread.sleep(forTimeInterval: patchDelay)
        return cell(position, source, target, e3: "yen")
    }

    public func grid(_ request: GridRequest, cancellation: Cancellation, progress: @Sendable (BackPatchResult) -> Void) throws {
        // Sources from the last layer down, like a sweep that finds late-to-early fixes first.
        for s in stride(from: model.layers - 1, through: 1, by: -1) {
            for t in 0..<s {
                if cancellation.isCancelled { return }
                if cellDelay > 0 { Thread.sleep(forTimeInterval: cellDelay) }
                progress(cell(request.position, s, t, e3: "yen"))
            }
        }
    }
}

/// A one-line error from the demo backend.
public struct DemoError: Error, CustomStringConvertible {
    public var description: String
    public init(_ d: String) { description = d }
}
