// View models: the plain data screens are drawn from. The backend fills them; screens never compute.
import Analysis

/// A token position of the two-hop analysis (t1 = last token of e1, t2 = last prompt token):
/// Analysis' own type, so results need no bridging.
public typealias TokenPosition = PatchPosition

extension PatchPosition {
    public var toggled: PatchPosition { self == .t1 ? .t2 : .t1 }
}

/// Which entity a Patchscope generation describes: Analysis' own type.
public typealias EntityKind = DecodedEntity

/// The model line of the header.
public struct ModelSummary: Equatable, Sendable {
    public var name: String
    public var layers: Int
    public var dim: Int
    /// `hopscope info`'s lines about the model, for `:model` (empty when the backend has none).
    public var info: [String]
    public init(name: String, layers: Int, dim: Int, info: [String] = []) {
        self.name = name; self.layers = layers; self.dim = dim; self.info = info
    }
}

/// A greedy generation and whether it names the expected entity.
public struct HopResult: Equatable, Sendable {
    public var generation: String
    public var correct: Bool
    public init(generation: String, correct: Bool) { self.generation = generation; self.correct = correct }
}

/// Rank (1 = top) and probability of a token under the logit lens.
public struct RankProb: Equatable, Sendable {
    public var rank: Int
    public var prob: Double
    public init(rank: Int, prob: Double) { self.rank = rank; self.prob = prob }
}

/// The Patchscope reading of a hidden state: which entity it describes, and the generated text.
public struct PatchscopeReading: Equatable, Sendable {
    public var decoded: EntityKind
    public var text: String
    public init(decoded: EntityKind, text: String) { self.decoded = decoded; self.text = text }
}

/// Attention knockout of t2→e1 in a window around a layer: the answer afterwards and p(e3) change.
public struct KnockoutEffect: Equatable, Sendable {
    public var answer: String
    public var e3Prob: Double
    public var e3ProbBase: Double
    public init(answer: String, e3Prob: Double, e3ProbBase: Double) {
        self.answer = answer; self.e3Prob = e3Prob; self.e3ProbBase = e3ProbBase
    }
    public var delta: Double { e3Prob - e3ProbBase }
}

/// The paper's four stages of a two-hop query, marked ①②③④ on their earliest layer (information
/// propagation, a mean of three layers, on the layer it falls in).
public enum Stage: Int, Sendable, CaseIterable {
    case firstHop = 1, propagated = 2, secondHop = 3, predictionExtracted = 4
    public var label: String {
        switch self { case .firstHop: "hop 1"; case .propagated: "info ▸"; case .secondHop: "hop 2"; case .predictionExtracted: "pred" }
    }
}

/// One row of the layer table. `layer == nil` is the embedding row (never numbered as a block).
public struct LayerRow: Equatable, Sendable {
    public var layer: Int?
    public var lensT1: String
    public var lensT2: String
    public var e2AtT1: RankProb?
    public var e3AtT2: RankProb?
    public var patchscope: PatchscopeReading?
    /// The Patchscope of the hidden state at t2 (nil until computed, or from a backend without it).
    public var patchscopeT2: PatchscopeReading?
    public var knockout: KnockoutEffect?
    public var stages: [Stage]
    public init(layer: Int?, lensT1: String, lensT2: String, e2AtT1: RankProb? = nil, e3AtT2: RankProb? = nil,
                patchscope: PatchscopeReading? = nil, patchscopeT2: PatchscopeReading? = nil, knockout: KnockoutEffect? = nil,
                stages: [Stage] = []) {
        self.layer = layer; self.lensT1 = lensT1; self.lensT2 = lensT2; self.e2AtT1 = e2AtT1; self.e3AtT2 = e3AtT2
        self.patchscope = patchscope; self.patchscopeT2 = patchscopeT2; self.knockout = knockout; self.stages = stages
    }
    public var label: String { layer.map(String.init) ?? "emb" }
}

/// Everything the analysis of one query produced: what the backend returns for `analyze`.
public struct AnalysisViewModel: Equatable, Sendable {
    public var query: String
    public var e1: String, e2: String, e3: String
    public var hop1: HopResult?
    public var hop2: HopResult?
    public var composition: HopResult?
    /// Token pieces of the composition prompt, as the tokenizer printed them (leading spaces kept).
    public var tokens: [String]
    public var t1: Int
    public var t2: Int
    /// Embedding row first (if any), then one row per block 0…L-1.
    public var rows: [LayerRow]
    /// What the ⏎ detail shows beyond the row (nil when the backend does not compute it).
    public var detail: AnalysisDetail?
    /// The detail comes after the analysis (`BackendEvent.detail`): the analysis is on screen first.
    /// nil = false (and so in transcripts written before it existed).
    public var detailPending: Bool?
    /// Where e2 and e3 came from when the user did not type them ("model's answer", "sample"); nil = typed.
    public var e2Note: String?
    public var e3Note: String?
    /// Information propagation's exact layer (a mean of three, possibly fractional); its ② marker sits
    /// on the layer it falls in.
    public var infoPropagation: Double?
    public init(query: String, e1: String, e2: String, e3: String, hop1: HopResult?, hop2: HopResult?,
                composition: HopResult?, tokens: [String], t1: Int, t2: Int, rows: [LayerRow]) {
        self.query = query; self.e1 = e1; self.e2 = e2; self.e3 = e3; self.hop1 = hop1; self.hop2 = hop2
        self.composition = composition; self.tokens = tokens; self.t1 = t1; self.t2 = t2; self.rows = rows
    }
    /// The layer on which `stage` is first reached, if it is.
    public func layer(of stage: Stage) -> Int? { rows.first { $0.stages.contains(stage) }?.layer }
}

/// A token and its probability.
public struct TokenProb: Equatable, Sendable {
    public var piece: String
    public var prob: Double
    public init(piece: String, prob: Double) { self.piece = piece; self.prob = prob }
}

/// The layer detail, indexed like `AnalysisViewModel.rows` (index 0 = embedding, i = block i − 1).
public struct AnalysisDetail: Equatable, Sendable {
    /// Top-20 lens tokens per row, per position.
    public var lens: [[[TokenProb]]] = []
    /// Attention from t2 to each position 0…t2 (mean over heads) per row; empty for the embedding.
    public var attentionT2: [[Double]] = []
    /// The attention output and the MLP output of the block at t2, read through the lens.
    public var attentionOutT2: [[TokenProb]] = []
    public var mlpOutT2: [[TokenProb]] = []
    public init() {}
}

/// The result of one back-patch cell.
public struct BackPatchResult: Equatable, Sendable {
    public var position: TokenPosition
    public var source: Int
    public var target: Int
    public var generation: String
    public var correct: Bool
    /// p(e3's first token) at the last position, unpatched and patched.
    public var probBefore: Double
    public var probAfter: Double
    public var rankAfter: Int
    public init(position: TokenPosition, source: Int, target: Int, generation: String, correct: Bool,
                probBefore: Double, probAfter: Double, rankAfter: Int) {
        self.position = position; self.source = source; self.target = target; self.generation = generation
        self.correct = correct; self.probBefore = probBefore; self.probAfter = probAfter; self.rankAfter = rankAfter
    }
}

/// The back-patch side panel: what is marked, what is running, what came out.
public struct BackPatchPanelModel: Equatable, Sendable {
    public var position: TokenPosition = .t2
    public var source: Int?
    public var target: Int?
    public var running = false
    public var result: BackPatchResult?
    /// The best cells found so far (from single runs and grids), best first.
    public var bestCells: [BackPatchResult] = []
    public var e3: String = ""
    public init(position: TokenPosition = .t2, source: Int? = nil, target: Int? = nil, running: Bool = false,
                result: BackPatchResult? = nil, bestCells: [BackPatchResult] = [], e3: String = "") {
        self.position = position; self.source = source; self.target = target; self.running = running
        self.result = result; self.bestCells = bestCells; self.e3 = e3
    }
    /// Why `b` cannot run now, or nil when it can.
    public var problem: String? {
        guard let s = source, let t = target else { return "mark a source (s) and a target (t) layer first" }
        return s > t ? nil : "the source layer must be later than the target (ℓs > ℓt)"
    }
}

/// How grid cells are judged (the 10-token generation criterion or p(e3's first token)): Analysis' own type.
public typealias GridMetric = BackPatchMetric

extension BackPatchMetric {
    public var toggled: BackPatchMetric { self == .generation ? .firstToken : .generation }
    public var title: String { self == .generation ? "10-token generation" : "p(first answer token)" }
}

/// The ℓs × ℓt back-patch grid: cells below the diagonal (ℓs > ℓt), filled as they arrive.
public struct GridViewModel: Equatable, Sendable {
    public var layers: Int
    public var position: TokenPosition
    public var metric: GridMetric
    /// Results by [source][target]; nil = not computed yet. Only source > target is used.
    public var cells: [[BackPatchResult?]]
    public var done: Int
    public var running: Bool
    public var cancelled: Bool
    /// Seconds until done, when known.
    public var eta: Double?
    public var elapsed: Double
    public var cursorSource: Int
    public var cursorTarget: Int
    public var e3: String
    public var baseProb: Double?

    public init(layers: Int, position: TokenPosition, metric: GridMetric = .generation, e3: String = "") {
        self.layers = layers; self.position = position; self.metric = metric
        cells = Array(repeating: Array(repeating: nil, count: layers), count: layers)
        done = 0; running = false; cancelled = false; eta = nil; elapsed = 0
        cursorSource = max(1, layers * 2 / 3); cursorTarget = max(0, layers / 6); self.e3 = e3
    }

    /// Cells in the lower triangle: L(L-1)/2.
    public var total: Int { layers * (layers - 1) / 2 }
    public var correctCount: Int { cells.joined().compactMap { $0 }.filter(\.correct).count }
    public var fixed: Bool { correctCount > 0 }
    public subscript(source: Int, target: Int) -> BackPatchResult? {
        guard source >= 0, source < layers, target >= 0, target < layers else { return nil }
        return cells[source][target]
    }
    public mutating func record(_ r: BackPatchResult) {
        guard r.source < layers, r.target < layers else { return }
        if cells[r.source][r.target] == nil { done += 1 }
        cells[r.source][r.target] = r
        if baseProb == nil { baseProb = r.probBefore }
    }
    /// Moves the cursor, keeping it inside the triangle ℓs > ℓt.
    public mutating func moveCursor(dSource: Int, dTarget: Int) {
        cursorSource = min(layers - 1, max(1, cursorSource + dSource))
        cursorTarget = min(cursorSource - 1, max(0, cursorTarget + dTarget))
    }
}

/// The entities proposed for a prompt (the query form fills its fields from this), each with a note
/// saying where it came from ("from the prompt", "sample", "model's answer"; empty = as typed).
public struct QueryProposal: Equatable, Sendable {
    public var prompt: String
    public var e1: String, e2: String, e3: String
    public var e2Aliases: [String], e3Aliases: [String]
    public var e1Note: String, e2Note: String, e3Note: String
    public init(prompt: String, e1: String, e2: String, e3: String, e2Aliases: [String] = [], e3Aliases: [String] = [],
                e1Note: String = "", e2Note: String = "", e3Note: String = "") {
        self.prompt = prompt; self.e1 = e1; self.e2 = e2; self.e3 = e3; self.e2Aliases = e2Aliases; self.e3Aliases = e3Aliases
        self.e1Note = e1Note; self.e2Note = e2Note; self.e3Note = e3Note
    }
}

/// A query from the sample-query files, for the `/` browser.
public struct SampleQuery: Equatable, Sendable {
    public var id: String
    public var query: String
    public var e1: String, e2: String, e3: String
    public init(id: String, query: String, e1: String, e2: String, e3: String) {
        self.id = id; self.query = query; self.e1 = e1; self.e2 = e2; self.e3 = e3
    }
}

// The transcript (Transcript.swift) stores results as these values' JSON; synthesis needs the same file.
extension HopResult: Codable {}
extension RankProb: Codable {}
extension PatchscopeReading: Codable {}
extension KnockoutEffect: Codable {}
extension LayerRow: Codable {}
extension TokenProb: Codable {}
extension AnalysisDetail: Codable {}
extension AnalysisViewModel: Codable {}
extension QueryProposal: Codable {}
extension BackPatchResult: Codable {}
