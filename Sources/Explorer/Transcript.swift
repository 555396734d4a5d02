// The JSONL session transcript: every key and every computed result, one JSON object per line.
//
// Schema version 1 (`"v": 1` on every line; `t` = seconds since the session started):
//
//   {"v":1,"t":0,"type":"session","model":"SmolLM2-135M-Instruct Q4_1","layers":30,"dim":576,"query":"…","program":"hopscope"}
//   {"v":1,"t":0.4,"type":"warning","message":"sample-queries/x.jsonl:3: skipped a malformed query (missing \"e3\")"}
//   {"v":1,"t":3.1,"type":"key","key":"j"}                  keys: a character, or <enter> <esc> <tab> <backtab>
//                                                            <bs> <del> <up> <down> <left> <right> <home> <end>
//                                                            <pgup> <pgdn> <resize> <C-x> <F5>; {"paste":"…"} for a paste;
//                                                            a mouse click as what it hit: <click layer-row 12>
//                                                            <click cell 20 5> <click sample 3> <click>
//   {"v":1,"t":3.1,"type":"request","request":{"kind":"analyze","query":"…","id":2}}       work the app started
//       (kinds: analyze {query = the one-line query, `PROMPT | e1 | e2 | e3`}, propose {query,id} (the query
//        form's proposals), backpatch {query,position,source,target}, grid {query,position,metric,id}, cancel-grid,
//        load-model {query = the path})
//   {"v":1,"t":9.8,"type":"result","result":{"kind":"analysis","id":2,"analysis":{…}}}      what came back
//       (kinds: analysis, partial, progress {fraction,message}, analysis-failed {message},
//        proposal {id,proposal: {prompt,e1,e2,e3,e2Aliases,e3Aliases,e1Note,e2Note,e3Note}}, proposal-failed {id,message}, backpatch {cell},
//        backpatch-failed {message}, cell {id,cell}, grid-finished {id,cancelled}, grid-failed {id,message},
//        model-loaded {message = model name}, model-failed {message})
//   {"v":1,"t":60,"type":"end"}                              written on a clean exit only
//
// `analysis` objects are the explorer's view model: query, e1, e2, e3, hop1/hop2/composition
// ({generation, correct} or absent), tokens, t1, t2, and rows (embedding first, `layer` null) with
// lensT1, lensT2, e2AtT1/e3AtT2 ({rank, prob}), patchscope ({decoded, text}), knockout
// ({answer, e3Prob, e3ProbBase}), stages ([1,2,3]). `cell` objects: position, source, target,
// generation, correct, probBefore, probAfter, rankAfter. Each line is written with one write(2) and
// no buffering, so a session killed with SIGKILL keeps every line up to its last event.
import Foundation

extension Stage: Codable {}

/// One line of a transcript.
public struct TranscriptLine: Codable, Sendable {
    public static let version = 1
    public var v = TranscriptLine.version
    public var t: Double
    public var type: String
    // session
    public var model: String?
    public var layers: Int?
    public var dim: Int?
    public var query: String?
    public var program: String?
    // warning
    public var message: String?
    // key
    public var key: String?
    public var paste: String?
    // request / result
    public var request: TranscriptRequest?
    public var result: TranscriptResult?

    /// key lines a presenter publishes: its table's page size (PgUp/PgDn move by it), so that a
    /// follower's cursor moves as the presenter's does whatever its own terminal's size.
    public var page: Int?

    public init(t: Double, type: String) { self.t = t; self.type = type }

    public static func session(_ model: ModelSummary, query: String) -> TranscriptLine {
        var l = TranscriptLine(t: 0, type: "session")
        l.model = model.name; l.layers = model.layers; l.dim = model.dim; l.query = query; l.program = "hopscope"
        return l
    }
    public static func warning(_ m: String) -> TranscriptLine { var l = TranscriptLine(t: 0, type: "warning"); l.message = m; return l }
    public static func key(_ k: Key) -> TranscriptLine {
        var l = TranscriptLine(t: 0, type: "key")
        if case .paste(let s) = k { l.paste = s } else { l.key = k.transcriptName }
        return l
    }
    /// The line of an effect that reaches the backend; nil for effects that stay inside the app.
    public static func request(_ fx: Effect) -> TranscriptLine? {
        guard let r = TranscriptRequest(fx) else { return nil }
        var l = TranscriptLine(t: 0, type: "request"); l.request = r; return l
    }
    public static func result(_ e: BackendEvent) -> TranscriptLine { var l = TranscriptLine(t: 0, type: "result"); l.result = TranscriptResult(e); return l }
}

/// Work the app started (an `Effect` that reaches the backend).
public struct TranscriptRequest: Codable, Sendable, Equatable {
    public var kind: String
    public var query: String?
    public var id: Int?
    public var position: TokenPosition?
    public var source: Int?
    public var target: Int?
    public var metric: GridMetric?

    /// The request of an effect, or nil for effects that stay inside the app (theme, redraw, …).
    public init?(_ fx: Effect) {
        switch fx {
        case .analyze(let q, let id): kind = "analyze"; query = q; self.id = id
        case .propose(let q, let id): kind = "propose"; query = q; self.id = id
        case .backPatch(let q, let p, let s, let t): kind = "backpatch"; query = q; position = p; source = s; target = t
        case .startGrid(let r, let id): kind = "grid"; query = r.query; position = r.position; metric = r.metric; self.id = id
        case .cancelGrid: kind = "cancel-grid"
        case .loadModel(let path): kind = "load-model"; query = path
        default: return nil
        }
    }
}

/// A backend result (`BackendEvent`) as JSON.
public struct TranscriptResult: Codable, Sendable {
    public var kind: String
    public var id: Int?
    public var analysis: AnalysisViewModel?
    public var fraction: Double?
    public var message: String?
    public var cell: BackPatchResult?
    public var cancelled: Bool?
    public var proposal: QueryProposal?
    public var detail: AnalysisDetail?

    init(kind: String) { self.kind = kind }

    public init(_ e: BackendEvent) {
        switch e {
        case .analysis(let a, let id): kind = "analysis"; analysis = a; self.id = id
        case .analysisPartial(let a, let id): kind = "partial"; analysis = a; self.id = id
        case .analysisProgress(let f, let m, let id): kind = "progress"; fraction = f; message = m; self.id = id
        case .analysisFailed(let m, let id): kind = "analysis-failed"; message = m; self.id = id
        case .detail(let d, let id): kind = "detail"; detail = d; self.id = id
        case .detailFailed(let m, let id): kind = "detail-failed"; message = m; self.id = id
        case .proposal(let p, let id): kind = "proposal"; proposal = p; self.id = id
        case .proposalFailed(let m, let id): kind = "proposal-failed"; message = m; self.id = id
        case .backPatch(let r): kind = "backpatch"; cell = r
        case .backPatchFailed(let m): kind = "backpatch-failed"; message = m
        case .gridCell(let r, let id): kind = "cell"; cell = r; self.id = id
        case .gridFinished(let id, let c): kind = "grid-finished"; self.id = id; cancelled = c
        case .gridFailed(let m, let id): kind = "grid-failed"; message = m; self.id = id
        case .modelLoaded(let b): kind = "model-loaded"; message = b.model.name
        case .modelFailed(let m): kind = "model-failed"; message = m
        case .live: kind = "live"
        }
    }

    /// The event again, for replay; nil for a line this version cannot read.
    public var event: BackendEvent? {
        let id = self.id ?? 0
        switch kind {
        case "analysis": return analysis.map { .analysis($0, id: id) }
        case "partial": return analysis.map { .analysisPartial($0, id: id) }
        case "progress": return .analysisProgress(fraction ?? 0, message ?? "", id: id)
        case "analysis-failed": return .analysisFailed(message ?? "", id: id)
        case "detail": return detail.map { .detail($0, id: id) }
        case "detail-failed": return .detailFailed(message ?? "", id: id)
        case "proposal": return proposal.map { .proposal($0, id: id) }
        case "proposal-failed": return .proposalFailed(message ?? "", id: id)
        case "backpatch": return cell.map { .backPatch($0) }
        case "backpatch-failed": return .backPatchFailed(message ?? "")
        case "cell": return cell.map { .gridCell($0, id: id) }
        case "grid-finished": return .gridFinished(id: id, cancelled: cancelled ?? false)
        case "grid-failed": return .gridFailed(message ?? "", id: id)
        case "model-failed": return .modelFailed(message ?? "")
        default: return nil
        }
    }
}

extension Key {
    /// The transcript spelling of a key (see the schema above); pastes are stored separately.
    public var transcriptName: String {
        switch self {
        case .char(let c): return String(c)
        case .ctrl(let c): return "<C-\(c)>"
        case .enter: return "<enter>"
        case .escape: return "<esc>"
        case .tab: return "<tab>"
        case .backTab: return "<backtab>"
        case .backspace: return "<bs>"
        case .delete: return "<del>"
        case .up: return "<up>"
        case .down: return "<down>"
        case .left: return "<left>"
        case .right: return "<right>"
        case .home: return "<home>"
        case .end: return "<end>"
        case .pageUp: return "<pgup>"
        case .pageDown: return "<pgdn>"
        case .resize: return "<resize>"
        case .paste: return "<paste>"
        case .function(let n): return "<F\(n)>"
        case .mouse(let m): return "<mouse \(m.row) \(m.col)>"
        case .click(.layerRow(let i)): return "<click layer-row \(i)>"
        case .click(.gridCell(let s, let t)): return "<click cell \(s) \(t)>"
        case .click(.sample(let i)): return "<click sample \(i)>"
        case .click(.nothing): return "<click>"
        }
    }

    /// The key a transcript name stands for.
    public init?(transcriptName s: String) {
        let named: [String: Key] = ["<enter>": .enter, "<esc>": .escape, "<tab>": .tab, "<backtab>": .backTab, "<bs>": .backspace,
                                    "<del>": .delete, "<up>": .up, "<down>": .down, "<left>": .left, "<right>": .right,
                                    "<home>": .home, "<end>": .end, "<pgup>": .pageUp, "<pgdn>": .pageDown, "<resize>": .resize]
        if let k = named[s] { self = k; return }
        if s.count == 1 { self = .char(s.first!); return }
        if s.hasPrefix("<C-"), s.hasSuffix(">"), s.count == 5 { self = .ctrl(s.dropFirst(3).first!); return }
        if s.hasPrefix("<F"), s.hasSuffix(">"), let n = Int(s.dropFirst(2).dropLast()) { self = .function(n); return }
        if s.hasPrefix("<click"), s.hasSuffix(">") {
            let w = s.dropFirst().dropLast().split(separator: " ").map(String.init)
            let n = w.dropFirst(2).compactMap { Int($0) }
            switch (w.count > 1 ? w[1] : "", n.count) {
            case ("", 0): self = .click(.nothing)
            case ("layer-row", 1): self = .click(.layerRow(n[0]))
            case ("cell", 2): self = .click(.gridCell(source: n[0], target: n[1]))
            case ("sample", 1): self = .click(.sample(n[0]))
            default: return nil
            }
            return
        }
        return nil
    }
}

/// Writes a transcript: one JSON object per line, each written whole with one unbuffered write.
public final class TranscriptWriter: @unchecked Sendable {
    private let lock = NSLock()
    private let fd: Int32
    private let start = Date()
    private let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return e
    }()

    public init(path: String) throws {
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw DemoError("cannot create the transcript \(path): \(String(cString: strerror(errno)))") }
    }

    private var now: Double { (Date().timeIntervalSince(start) * 1000).rounded() / 1000 }

    /// Writes one line (its `t` is set here).
    public func write(_ line: TranscriptLine) {
        lock.lock(); defer { lock.unlock() }
        var line = line
        line.t = now
        guard var data = try? encoder.encode(line) else { return }
        data.append(0x0A)
        data.withUnsafeBytes { buf in
            var off = 0
            while off < buf.count {
                let n = Foundation.write(fd, buf.baseAddress! + off, buf.count - off)
                if n <= 0 { if errno == EINTR { continue }; return }
                off += n
            }
        }
    }

    public func session(_ model: ModelSummary, query: String) { write(.session(model, query: query)) }
    public func warning(_ m: String) { write(.warning(m)) }
    public func key(_ k: Key) { write(.key(k)) }
    public func request(_ fx: Effect) { if let l = TranscriptLine.request(fx) { write(l) } }
    public func result(_ e: BackendEvent) { write(.result(e)) }
    public func end() { write(TranscriptLine(t: 0, type: "end")) }
    public func close() { lock.lock(); Foundation.close(fd); lock.unlock() }
}

/// A transcript read back, for `hopscope replay`.
public struct Transcript: Sendable {
    public var lines: [TranscriptLine]
    /// Reads a transcript; a line that is not valid JSON (e.g. cut by a crash) stops the reading there.
    public init(path: String) throws {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw DemoError("cannot read the transcript \(path)") }
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        var out: [TranscriptLine] = []
        for (i, line) in text.split(separator: "\n").enumerated() {
            do {
                let l = try d.decode(TranscriptLine.self, from: Data(line.utf8))
                guard l.v == TranscriptLine.version else {
                    throw DemoError("\(path):\(i + 1): transcript version \(l.v), this hopscope reads version \(TranscriptLine.version)")
                }
                out.append(l)
            } catch let e as DemoError { throw e } catch { break }
        }
        guard let first = out.first, first.type == "session" else { throw DemoError("\(path): not a hopscope transcript (no session line)") }
        lines = out
    }
    public var session: TranscriptLine { lines[0] }
}
