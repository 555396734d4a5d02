import Model

/// The first tokens that stand for an entity in a sublayer projection (DESIGN §2, the paper's
/// `get_entity_ranks`).
///
/// Each name (the label and every alias longer than one character) is taken as written and lowercased;
/// when the tokenizer does not put a space before the text itself (byte-level BPE, or SentencePiece
/// without a space prefix, e.g. Gemma), also with a leading space, since inside a sentence the word
/// carries it. Each variant is tokenized alone, without special tokens, and contributes its first token.
/// An entity's rank in a distribution is the best (smallest) rank among these tokens.
public struct EntityNames: Sendable, Equatable {
    /// The distinct first tokens, in the order their variants were made.
    public var tokens: [Int32]
    /// The name variants that were tokenized.
    public var variants: [String]

    public init(tokens: [Int32], variants: [String]) {
        self.tokens = tokens
        self.variants = variants
    }

    /// The variants of `entity`'s names and their first tokens under `model`'s tokenizer.
    public init(_ entity: AnswerMatcher, model: LanguageModel) {
        let t = model.tokenizer
        let space: Bool
        switch t.algorithm {
        case .bytePair, .escapedBytePair: space = true
        case .sentencePiece: space = !t.addSpacePrefix
        }
        self.init(entity, leadingSpace: space) { model.encode($0, addSpecial: false) }
    }

    /// The variants of `entity`'s names (with `leadingSpace` ones when asked) and their first tokens under `encode`.
    public init(_ entity: AnswerMatcher, leadingSpace: Bool, encode: (String) -> [Int32]) {
        var names = entity.candidates
        names += names.map { $0.lowercased() }
        if leadingSpace { names += names.map { " " + $0 } }
        var variants: [String] = [], tokens: [Int32] = []
        for v in names where !variants.contains(v) {
            variants.append(v)
            if let first = encode(v).first, !tokens.contains(first) { tokens.append(first) }
        }
        self.init(tokens: tokens, variants: variants)
    }

    /// The best 0-based rank (0 = top) of these tokens in `logits`: the number of logits strictly larger
    /// than the largest of theirs; nil when there are no tokens.
    public func rank<C: Collection>(in logits: C) -> Int? where C.Element == Float, C.Index == Int {
        guard !tokens.isEmpty else { return nil }
        let best = tokens.map { logits[logits.startIndex + Int($0)] }.max()!
        var above = 0
        for y in logits where y > best { above += 1 }
        return above
    }
}
