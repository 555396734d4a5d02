import Foundation

/// A `sample-queries/*.jsonl` file: one `TwoHopQuery` per line (DESIGN §4), read with line numbers.
///
/// Two levels of strictness:
/// - `load` (what `evaluate` and `sweep` run on) decodes each line as a `TwoHopQuery` — prompts a
///   line leaves out are built from the templates — and requires a non-empty, unique `id` and `e1`
///   inside `query`. A line that fails is a `Problem` naming its line; callers stop on the first one
///   or, with `--skip-bad`, skip it.
/// - `validate` (the `validate` command) checks the full schema: exactly the 14 fields with the right
///   types, non-empty labels, unique ids, e1 in the query, and every prompt equal to its template,
///   "The {r} of {x} is", where x is how the prompt names the entity: its label, or the label with
///   an article ("the United States"), the same way in every prompt that names it.
///
/// Blank lines are ignored (and still counted, so line numbers are the editor's).
///
/// ```swift
/// let file = try QueryFile(path: "sample-queries/showcase.jsonl")
/// let problems = file.validate()          // [] for a good file
/// let (queries, bad) = file.load()        // queries with their line numbers
/// ```
public struct QueryFile: Sendable {
    /// One problem with one line.
    public struct Problem: Sendable, Equatable, Codable, CustomStringConvertible {
        /// 1-based line number in the file.
        public var line: Int
        /// The line's id, when it has one.
        public var id: String?
        public var message: String

        public init(line: Int, id: String? = nil, message: String) {
            self.line = line
            self.id = id
            self.message = message
        }

        /// "line 12: duplicate id 'x' (first on line 3)".
        public var description: String { "line \(line): \(message)" }
    }

    /// A query of the file and where it is.
    public struct Entry: Sendable, Equatable {
        /// 1-based line number.
        public var line: Int
        /// 0-based ordinal among the file's non-blank lines (what `--shard` partitions).
        public var ordinal: Int
        public var query: TwoHopQuery
    }

    /// Where the text came from (for messages).
    public let path: String
    /// Non-blank lines: (1-based line number, text).
    public let lines: [(number: Int, text: String)]

    /// Reads a file; throws a one-line message naming it when it cannot be read or is not UTF-8.
    public init(path: String) throws(AnalysisError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDir) {
                throw .badQuery("\(path): \(isDir.boolValue ? "is a directory" : "cannot be read")")
            }
            throw .badQuery("\(path): no such file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            // Find the first line that is not UTF-8, to name it.
            var line = 1, start = 0
            let bytes = [UInt8](data)
            for (i, b) in bytes.enumerated() where b == 0x0A {
                if String(bytes: bytes[start..<i], encoding: .utf8) == nil { break }
                line += 1; start = i + 1
            }
            throw .badQuery("\(path):\(line): not valid UTF-8")
        }
        self.init(path: path, text: text)
    }

    /// A file given as text (tests).
    public init(path: String, text: String) {
        self.path = path
        var lines: [(Int, String)] = []
        var number = 0
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            var s = Substring(raw)
            if s.hasSuffix("\r") { s = s.dropLast() }
            if s.allSatisfy({ $0.isWhitespace }) { continue }
            lines.append((number, String(s)))
        }
        self.lines = lines
    }

    // MARK: Loading (evaluate, sweep)

    /// Every line decoded as a query, with the lines that could not be.
    public func load() -> (queries: [Entry], problems: [Problem]) {
        var entries: [Entry] = []
        var problems: [Problem] = []
        var seen: [String: Int] = [:]
        for (ordinal, (number, text)) in lines.enumerated() {
            let object: [String: Any]
            switch Self.parseObject(text) {
            case .failure(let message): problems.append(Problem(line: number, message: message.description)); continue
            case .success(let o): object = o
            }
            let id = object["id"] as? String
            let q: TwoHopQuery
            do { q = try JSONDecoder().decode(TwoHopQuery.self, from: Data(text.utf8)) } catch {
                problems.append(Problem(line: number, id: id, message: Self.describe(error)))
                continue
            }
            if q.id.trimmingCharacters(in: .whitespaces).isEmpty {
                problems.append(Problem(line: number, message: "missing or empty 'id'")); continue
            }
            if let first = seen[q.id] {
                problems.append(Problem(line: number, id: q.id, message: "duplicate id '\(q.id)' (first on line \(first))")); continue
            }
            for (key, value) in [("e1", q.e1), ("e2", q.e2), ("e3", q.e3), ("query", q.query)]
            where value.trimmingCharacters(in: .whitespaces).isEmpty {
                problems.append(Problem(line: number, id: q.id, message: "'\(key)' is empty"))
            }
            if problems.last?.line == number { continue }
            if !q.query.contains(q.e1) {
                problems.append(Problem(line: number, id: q.id, message: "e1 '\(q.e1)' does not occur in query '\(q.query)'"))
                continue
            }
            seen[q.id] = number
            entries.append(Entry(line: number, ordinal: ordinal, query: q))
        }
        return (entries, problems)
    }

    // MARK: Validation (validate)

    /// The schema's fields, in the order the files write them.
    public static let fields = ["id", "e1", "r1", "e2", "r2", "e3", "e1_aliases", "e2_aliases", "e3_aliases",
                                "query", "hop1", "hop2", "shortcut_entity", "shortcut_relation"]
    static let stringFields = ["id", "e1", "r1", "e2", "r2", "e3", "query", "hop1", "hop2", "shortcut_entity", "shortcut_relation"]
    static let aliasFields = ["e1_aliases", "e2_aliases", "e3_aliases"]

    /// Every problem of every line, in line order (a line may have several).
    public func validate() -> [Problem] {
        var problems: [Problem] = []
        var seen: [String: Int] = [:]
        for (number, text) in lines {
            func problem(_ message: String, _ id: String? = nil) { problems.append(Problem(line: number, id: id, message: message)) }
            let object: [String: Any]
            switch Self.parseObject(text) {
            case .failure(let message): problem(message.description); continue
            case .success(let o): object = o
            }
            let id = object["id"] as? String
            let before = problems.count
            for key in Self.fields where object[key] == nil { problem("missing key '\(key)'", id) }
            for key in object.keys.sorted() where !Self.fields.contains(key) { problem("unknown key '\(key)'", id) }
            var s: [String: String] = [:]
            for key in Self.stringFields {
                guard let value = object[key] else { continue }
                guard let str = value as? String else { problem("'\(key)' must be a string, got \(Self.kind(value))", id); continue }
                if str.trimmingCharacters(in: .whitespaces).isEmpty { problem("'\(key)' is empty", id); continue }
                if str != str.trimmingCharacters(in: .whitespacesAndNewlines) {
                    problem("'\(key)' has leading or trailing whitespace: \(Self.quote(str))", id)
                }
                s[key] = str
            }
            for key in Self.aliasFields {
                guard let value = object[key] else { continue }
                guard let list = value as? [Any] else { problem("'\(key)' must be a list of strings, got \(Self.kind(value))", id); continue }
                for (i, a) in list.enumerated() {
                    guard let str = a as? String else { problem("'\(key)'[\(i)] must be a string, got \(Self.kind(a))", id); continue }
                    if str.trimmingCharacters(in: .whitespaces).isEmpty { problem("'\(key)'[\(i)] is empty", id) }
                }
            }
            if let id = s["id"] {
                if let first = seen[id] { problem("duplicate id '\(id)' (first on line \(first))", id) } else { seen[id] = number }
            }
            guard problems.count == before else { continue }     // templates need a sound line
            let e1 = s["e1"]!
            let query = s["query"]!
            let e1Missing = !query.contains(e1)
            if e1Missing { problem("e1 '\(e1)' does not occur in query \(Self.quote(query))", id) }
            // Without e1 in the query, the prompts naming e1 cannot be checked against it.
            for (key, message) in Self.templateProblems(s) where !(e1Missing && ["query", "hop1", "shortcut_entity"].contains(key)) {
                problem("\(key) \(Self.quote(s[key] ?? "")): \(message)", id)
            }
            if e1.caseInsensitiveCompare(s["e3"]!) == .orderedSame { problem("e3 is e1 ('\(e1)'): the chain loops back", id) }
        }
        return problems
    }

    /// Each prompt against its template, given the (non-empty) string fields of a line.
    ///
    /// The entity's mention is read off `query` (for e1) and `hop2` (for e2): it must contain the
    /// label (e.g. "the United States" for "United States"), and `hop1` and `shortcut_entity` must name
    /// e1 the same way.
    static func templateProblems(_ s: [String: String]) -> [(String, String)] {
        let (e1, e2, r1, r2) = (s["e1"]!, s["e2"]!, s["r1"]!, s["r2"]!)
        var out: [(String, String)] = []
        func mention(in prompt: String, prefix: String, label: String) -> String? {
            guard prompt.hasPrefix(prefix), prompt.hasSuffix(" is"), prompt.count > prefix.count + 3 else { return nil }
            let m = String(prompt.dropFirst(prefix.count).dropLast(3))
            return m.contains(label) ? m : nil
        }
        let queryPrefix = "The \(r2) of the \(r1) of "
        let m1 = mention(in: s["query"]!, prefix: queryPrefix, label: e1)
        if m1 == nil {
            out.append(("query", "expected \(Self.quote(queryPrefix + "{e1} is")) with {e1} naming '\(e1)'"))
        }
        let m = m1 ?? e1
        for (key, want) in [("hop1", "The \(r1) of \(m) is"), ("shortcut_entity", "The \(r2) of \(m) is")] where s[key] != want {
            out.append((key, "expected \(Self.quote(want))"))
        }
        let hop2Prefix = "The \(r2) of "
        if mention(in: s["hop2"]!, prefix: hop2Prefix, label: e2) == nil {
            out.append(("hop2", "expected \(Self.quote(hop2Prefix + "{e2} is")) with {e2} naming '\(e2)'"))
        }
        let relation = "The \(r2) of the \(r1) is"
        if s["shortcut_relation"] != relation { out.append(("shortcut_relation", "expected \(Self.quote(relation))")) }
        return out
    }

    // MARK: Helpers

    /// The line as a JSON object, or a message saying why it is not one.
    static func parseObject(_ text: String) -> Result<[String: Any], ProblemMessage> {
        let value: Any
        do { value = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]) } catch {
            return .failure(ProblemMessage("not valid JSON (\(jsonErrorDetail(error)))"))
        }
        guard let object = value as? [String: Any] else {
            return .failure(ProblemMessage("expected a JSON object, got \(kind(value))"))
        }
        return .success(object)
    }

    struct ProblemMessage: Error, CustomStringConvertible {
        let description: String
        init(_ d: String) { description = d }
    }

    static func jsonErrorDetail(_ error: Error) -> String {
        let ns = error as NSError
        if let d = ns.userInfo[NSDebugDescriptionErrorKey] as? String, !d.isEmpty { return d }
        return "\(error)"
    }

    /// A decoding error as one short sentence naming the key.
    static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): return "missing key '\(key.stringValue)'"
        case DecodingError.typeMismatch(let type, let ctx), DecodingError.valueNotFound(let type, let ctx):
            let path = ctx.codingPath.map(\.stringValue).joined(separator: ".")
            return "'\(path)' must be \(type == String.self ? "a string" : type == [String].self ? "a list of strings" : "\(type)")"
        case DecodingError.dataCorrupted(let ctx): return "not valid JSON (\(ctx.debugDescription))"
        default: return "\(error)"
        }
    }

    static func kind(_ value: Any) -> String {
        switch value {
        case is NSNull: return "null"
        case is String: return "a string"
        case let n as NSNumber: return isBoolean(n) ? "a boolean" : "a number"
        case is Bool: return "a boolean"
        case is [Any]: return "a list"
        case is [String: Any]: return "an object"
        default: return "\(type(of: value))"
        }
    }

    /// Whether JSONSerialization produced this number from `true` / `false`.
    static func isBoolean(_ n: NSNumber) -> Bool {
        let t = String(cString: n.objCType)
        return t == "c" || t == "B"
    }

    static func quote(_ s: String) -> String {
        let data = try? JSONSerialization.data(withJSONObject: [s], options: [.withoutEscapingSlashes, .fragmentsAllowed])
        guard let data, let text = String(data: data, encoding: .utf8) else { return "\"\(s)\"" }
        return String(text.dropFirst().dropLast())
    }
}

extension QueryFile.ProblemMessage: Sendable {}
