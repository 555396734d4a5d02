import Foundation

/// Decides whether generated text names an entity (DESIGN §2 success criterion).
///
/// A generation is correct when it contains the label, or any alias longer than one character,
/// case-insensitively. One-character aliases ("¥") are ignored: they match too much by accident.
public struct AnswerMatcher: Sendable, Equatable {
    public var label: String
    public var aliases: [String]

    public init(label: String, aliases: [String] = []) {
        self.label = label
        self.aliases = aliases
    }

    /// The strings that count: the label (if not empty) and aliases longer than one character, trimmed.
    public var candidates: [String] {
        var out: [String] = []
        let l = label.trimmingCharacters(in: .whitespaces)
        if !l.isEmpty { out.append(l) }
        for a in aliases {
            let t = a.trimmingCharacters(in: .whitespaces)
            if t.count > 1 && !out.contains(t) { out.append(t) }
        }
        return out
    }

    /// True when `generation` contains a candidate, ignoring case.
    public func matches(_ generation: String) -> Bool {
        candidates.contains { generation.range(of: $0, options: .caseInsensitive) != nil }
    }

    /// True when `text` contains a candidate with at least one more character after it. Then every
    /// continuation of `text` matches too: appended text cannot reach back into a completed character
    /// (a combining mark or the rest of a split UTF-8 sequence only changes the last one), so a
    /// generation can stop there with its outcome decided.
    public func matchesWhateverFollows(_ text: String) -> Bool {
        candidates.contains { c in
            guard let r = text.range(of: c, options: .caseInsensitive) else { return false }
            return r.upperBound < text.endIndex
        }
    }
}
