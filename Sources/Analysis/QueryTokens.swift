import Foundation
import Model

/// The composition prompt as tokens, with the positions the paper reads: t1 and t2.
///
/// t1 is the last token of e1's **last** occurrence in the query; t2 is the last prompt token.
/// Tokens are matched to characters by decoding growing prefixes of the ids, so e1 split into several
/// tokens (" Toy" + "ota"), e1 merged with its leading space, and a BOS token all work.
public struct QueryTokens: Sendable, Equatable {
    public var ids: [Int32]
    public var pieces: [String]
    /// Positions of e1's tokens (every token overlapping e1's characters), ending at t1.
    public var e1Positions: ClosedRange<Int>
    public var t1: Int { e1Positions.upperBound }
    public var t2: Int { ids.count - 1 }

    public init(ids: [Int32], pieces: [String], e1Positions: ClosedRange<Int>) {
        self.ids = ids
        self.pieces = pieces
        self.e1Positions = e1Positions
    }

    /// Tokenizes `query` with `model`'s tokenizer and locates `e1` in it.
    public init(model: LanguageModel, query: String, e1: String) throws(AnalysisError) {
        try Self.validate(query: query, e1: e1)
        let ids = model.encode(query)
        try model.check(ids)
        let range = try Self.locate(entity: e1, query: query, ids: ids, decode: { model.decode($0) })
        self.init(ids: ids, pieces: ids.map { model.piece($0) }, e1Positions: range)
    }

    static func validate(query: String, e1: String) throws(AnalysisError) {
        if query.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { throw .emptyQuery }
        if e1.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { throw .emptyEntity("e1") }
        if let bad = controlCharacter(in: query) { throw .badQuery("the query contains \(bad); remove it (tokenizers drop or mangle control characters)") }
    }

    /// The first control character of `text` other than tab, newline and carriage return, described
    /// as "control character U+0004 at character 12", or nil.
    public static func controlCharacter(in text: String) -> String? {
        for (i, u) in text.unicodeScalars.enumerated() where u.properties.generalCategory == .control && !["\t", "\n", "\r"].contains(u) {
            return "control character U+\(String(format: "%04X", u.value)) at character \(i)"
        }
        return nil
    }

    /// The token positions covering the last occurrence of `entity`, given how `decode` renders ids.
    ///
    /// The entity is looked up in the decoded text (exactly, then ignoring case). A token's end offset
    /// is the UTF-8 length of the decoded prefix ending with it; prefixes that end inside a multi-byte
    /// character (and so do not prefix the full text) are skipped.
    public static func locate(entity: String, query: String, ids: [Int32],
                              decode: ([Int32]) -> String) throws(AnalysisError) -> ClosedRange<Int> {
        try validate(query: query, e1: entity)
        let needle = entity.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let inQuery = query.range(of: needle, options: .backwards)
                ?? query.range(of: needle, options: [.backwards, .caseInsensitive]) else {
            throw .entityNotInQuery(entity: entity, query: query)
        }
        let options: String.CompareOptions = query[inQuery] == needle ? [.backwards] : [.backwards, .caseInsensitive]
        let full = decode(ids)
        guard let r = full.range(of: needle, options: options) else {
            throw .entityNotInTokens(entity: entity, query: query)
        }
        let start = full.utf8.distance(from: full.startIndex, to: r.lowerBound)
        let end = full.utf8.distance(from: full.startIndex, to: r.upperBound)
        var first: Int?
        for k in ids.indices {
            let prefix = decode(Array(ids[0...k]))
            guard full.hasPrefix(prefix) else { continue }
            let len = prefix.utf8.count
            if first == nil && len > start { first = k }
            if len >= end, let f = first { return f...k }
        }
        throw .entityNotInTokens(entity: entity, query: query)
    }
}
