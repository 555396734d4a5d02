import Analysis
import Foundation

/// The workshop protocol's version, exchanged in the `hello` handshake (docs/protocol.md).
public enum WireProtocol {
    public static let version = 1
    /// The longest line a server reads; a longer one is answered with `line_too_long` and skipped.
    public static let maxLineBytes = 1 << 20
}

/// What a client asks: one JSON object per line, `{"id": N, "op": "…", …fields}` (docs/protocol.md).
///
/// `WireRequest.parse` checks a line completely before anything runs: valid JSON, an object, an
/// integer `id`, a known `op`, only the fields that op takes, each of the right type; anything else
/// is a `WireError` naming the problem.
public struct WireRequest: Sendable, Equatable {
    public enum Op: String, Sendable, CaseIterable {
        case hello, models, samples, resolve, analyze, cell, grid, cancel, present, publish, follow, unfollow, ping, bye
    }

    public var id: Int
    public var op: Op
    /// hello: the protocol version the client speaks.
    public var version: Int?
    /// hello: the session's name; present / follow: the presenter's name.
    public var name: String?
    /// analyze, resolve, samples, cell, grid: the server's model (by name; default: the first).
    public var model: String?
    /// resolve, analyze, cell, grid: the one-line query (`PROMPT | e1 | e2 | e3`).
    public var query: String?
    /// analyze: also compute the layer detail (top-20 lens per position, t2's attention).
    public var detail: Bool?
    public var position: PatchPosition?
    public var source: Int?
    public var target: Int?
    public var metric: BackPatchMetric?
    /// cancel: the id of the request to stop.
    public var request: Int?
    /// present: start a fresh view history (true) or continue the one kept for this name.
    public var reset: Bool?
    /// publish: one line of the presenter's view stream (a transcript line), passed on as it is.
    public var line: JSONValue?

    public init(id: Int, op: Op) { self.id = id; self.op = op }

    /// The fields each op takes (besides `id` and `op`) and which of them it needs.
    static let fields: [Op: (allowed: Set<String>, required: Set<String>)] = [
        .hello: (["protocol", "name"], ["protocol"]),
        .models: ([], []), .ping: ([], []), .bye: ([], []), .unfollow: ([], []),
        .samples: (["model"], []),
        .resolve: (["model", "query"], ["query"]),
        .analyze: (["model", "query", "detail"], ["query"]),
        .cell: (["model", "query", "position", "source", "target", "metric"], ["query", "source", "target"]),
        .grid: (["model", "query", "position", "metric"], ["query"]),
        .cancel: (["request"], ["request"]),
        .present: (["name", "reset"], []),
        .publish: (["line"], ["line"]),
        .follow: (["name"], ["name"]),
    ]

    /// Parses one protocol line; throws a `WireError` (with the request's id when it could be read).
    public static func parse(_ data: Data) throws(WireError) -> WireRequest {
        let value: JSONValue
        do { value = try WireCoding.decoder().decode(JSONValue.self, from: data) } catch {
            throw WireError(.badJSON, "the line is not valid JSON")
        }
        guard case .object(let o) = value else { throw WireError(.badRequest, "a request is a JSON object, got \(value.typeName)") }
        var id: Int?
        if let v = o["id"] {
            guard let i = integer(v) else { throw WireError(.badRequest, "\"id\" must be an integer, got \(v.typeName)") }
            id = i
        }
        guard let id else { throw WireError(.badRequest, "the request has no \"id\"") }
        func fail(_ code: WireError.Code, _ m: String) -> WireError { WireError(code, m, id: id) }
        guard let opValue = o["op"] else { throw fail(.badRequest, "the request has no \"op\"") }
        guard case .string(let opName) = opValue else { throw fail(.badRequest, "\"op\" must be a string, got \(opValue.typeName)") }
        guard let op = Op(rawValue: opName) else {
            throw fail(.unknownOp, "unknown op \"\(opName.prefix(40))\" (ops: \(Op.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        let spec = fields[op]!
        for k in o.keys.sorted() where k != "id" && k != "op" && !spec.allowed.contains(k) {
            throw fail(.badRequest, "\(op.rawValue) takes no field \"\(k.prefix(40))\"")
        }
        for k in spec.required.sorted() where o[k] == nil || o[k] == .null {
            throw fail(.badRequest, "\(op.rawValue) needs \"\(k)\"")
        }
        var r = WireRequest(id: id, op: op)
        func int(_ k: String) throws(WireError) -> Int? {
            guard let v = o[k], v != .null else { return nil }
            guard let i = integer(v) else { throw fail(.badRequest, "\"\(k)\" must be an integer, got \(v.typeName)") }
            return i
        }
        func string(_ k: String) throws(WireError) -> String? {
            guard let v = o[k], v != .null else { return nil }
            guard case .string(let s) = v else { throw fail(.badRequest, "\"\(k)\" must be a string, got \(v.typeName)") }
            return s
        }
        func bool(_ k: String) throws(WireError) -> Bool? {
            guard let v = o[k], v != .null else { return nil }
            guard case .bool(let b) = v else { throw fail(.badRequest, "\"\(k)\" must be true or false, got \(v.typeName)") }
            return b
        }
        func oneOf<E: RawRepresentable & CaseIterable>(_ k: String, _: E.Type) throws(WireError) -> E? where E.RawValue == String {
            guard let s = try string(k) else { return nil }
            guard let e = E(rawValue: s) else {
                throw fail(.badRequest, "\"\(k)\" must be one of \(E.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))")
            }
            return e
        }
        r.version = try int("protocol")
        r.name = try string("name")
        r.model = try string("model")
        r.query = try string("query")
        r.detail = try bool("detail")
        r.position = try oneOf("position", PatchPosition.self)
        r.source = try int("source")
        r.target = try int("target")
        r.metric = try oneOf("metric", BackPatchMetric.self)
        r.request = try int("request")
        r.reset = try bool("reset")
        r.line = o["line"]
        if let n = r.name, n.isEmpty || n.count > 64 || n.contains(where: { $0.isNewline || $0.asciiValue.map { $0 < 0x20 } == true }) {
            throw fail(.badRequest, "\"name\" must be 1–64 printable characters")
        }
        if let q = r.query, q.utf8.count > 4096 { throw fail(.badRequest, "\"query\" is longer than 4096 bytes") }
        if op == .publish, case .object = r.line {} else if op == .publish {
            throw fail(.badRequest, "\"line\" must be an object (a transcript line)")
        }
        return r
    }

    /// An integral JSON number that fits an Int.
    static func integer(_ v: JSONValue) -> Int? {
        guard case .number(let d) = v, d.rounded() == d, abs(d) < 9.007e15 else { return nil }
        return Int(d)
    }

    /// The request as a protocol line (for clients).
    public func data() throws -> Data {
        var o: [String: JSONValue] = ["id": .number(Double(id)), "op": .string(op.rawValue)]
        if let v = version { o["protocol"] = .number(Double(v)) }
        if let v = name { o["name"] = .string(v) }
        if let v = model { o["model"] = .string(v) }
        if let v = query { o["query"] = .string(v) }
        if let v = detail { o["detail"] = .bool(v) }
        if let v = position { o["position"] = .string(v.rawValue) }
        if let v = source { o["source"] = .number(Double(v)) }
        if let v = target { o["target"] = .number(Double(v)) }
        if let v = metric { o["metric"] = .string(v.rawValue) }
        if let v = request { o["request"] = .number(Double(v)) }
        if let v = reset { o["reset"] = .bool(v) }
        if let v = line { o["line"] = v }
        return try WireCoding.line(JSONValue.object(o))
    }
}
