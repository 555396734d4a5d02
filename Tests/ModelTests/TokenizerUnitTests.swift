import Foundation
import Testing
import TestSupport
@testable import Model

// Tokenizer pieces on hand-made vocabularies: the cases no model file here covers.

// MARK: - Pre-tokenizers against the regex definitions

private struct PreTokenizerCase: Decodable {
    let text: String
    let splits: [String: [String]]

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        text = try c.decode(String.self, forKey: Key(stringValue: "text"))
        var s: [String: [String]] = [:]
        for k in c.allKeys where k.stringValue != "text" { s[k.stringValue] = try c.decode([String].self, forKey: k) }
        splits = s
    }
}

/// The words of `text` under `pre`.
func words(_ pre: PreTokenizer, _ text: String) -> [String] {
    let scalars = text.unicodeScalars.map(\.value)
    var out: [String] = []
    var start = 0
    for end in pre.split(scalars) {
        var s = ""
        s.unicodeScalars.append(contentsOf: scalars[start ..< end].map { Unicode.Scalar($0)! })
        out.append(s)
        start = end
    }
    return out
}

/// The scanners cut tricky strings exactly where the regexes do (fixture made with Python's `regex`).
@Test(arguments: PreTokenizer.allCases)
func preTokenizerMatchesRegex(_ pre: PreTokenizer) throws {
    let cases = try JSONDecoder().decode([PreTokenizerCase].self, from: Fixtures.data("tokenizer-pretokenizer.json"))
    #expect(cases.count > 50)
    for c in cases {
        let expected = try #require(c.splits[pre.rawValue])
        #expect(words(pre, c.text) == expected, "\(pre.rawValue): \(String(reflecting: c.text))")
    }
}

@Test func preTokenizerNames() {
    #expect(PreTokenizer(ggufName: "smollm") == .smollm)
    #expect(PreTokenizer(ggufName: "llama-bpe") == .llama3)
    #expect(PreTokenizer(ggufName: "llama3") == .llama3)
    #expect(PreTokenizer(ggufName: "qwen2") == .qwen2)
    #expect(PreTokenizer(ggufName: "gpt-2") == .gpt2)
    #expect(PreTokenizer(ggufName: "no-such-pre") == nil)
}

@Test func preTokenizerSplitsEdgeCases() {
    #expect(words(.gpt2, "") == [])
    #expect(words(.llama3, "") == [])
    #expect(words(.llama3, "1234567") == ["123", "456", "7"])
    #expect(words(.qwen2, "123") == ["1", "2", "3"])
    #expect(words(.smollm, " 12 ab") == [" ", "1", "2", " ab"])
    #expect(words(.gpt2, "a   b") == ["a", "  ", " b"])
    #expect(words(.llama3, "a\n\n  b") == ["a", "\n\n", " ", " b"])
}

// MARK: - Byte-level BPE on a hand-made vocabulary

/// A byte-level vocabulary: the 256 GPT-2 characters (ids 0-255 in byte order), some merges,
/// a whole word no merge reaches ("Ġcat"), and a control token.
private func handMadeBPE(pre: String) throws -> Tokenizer {
    var tokens = ByteUnicode.scalarOfByte.map { String(Unicode.Scalar($0)!) }
    let merges = ["Ġ t", "h e", "Ġt he", "1 2", "12 3", "a b", "b c", "a a", "4 5"]
    for m in merges {
        let parts = m.split(separator: " ")
        let joined = String(parts[0] + parts[1])
        if !tokens.contains(joined) { tokens.append(joined) }
    }
    tokens += ["Ġcat", "<|eot|>"]
    var types = Array(repeating: 1, count: tokens.count)
    types[types.count - 1] = 3
    return try Tokenizer(metadata: TokenizerMetadata(
        model: "gpt2", pre: pre, tokens: tokens, tokenTypes: types, merges: merges,
        specialIDs: ["eos": tokens.count - 1], addBOS: false))
}

private func ids(_ tok: Tokenizer, _ texts: [String]) -> [Int32] {
    texts.map { tok.id(ofToken: $0)! }
}

@Test func bytePairMergesByRank() throws {
    let tok = try handMadeBPE(pre: "gpt-2")
    #expect(tok.encode(" the") == ids(tok, ["Ġthe"]))
    // Lowest rank first: "a b" (rank 5) before "b c" (rank 6).
    #expect(tok.encode("abc") == ids(tok, ["ab", "c"]))
    // Leftmost on ties.
    #expect(tok.encode("aaa") == ids(tok, ["aa", "a"]))
    // Merges that are not reached by the pairs leave bytes.
    #expect(tok.encode(" cat") == ids(tok, ["Ġ", "c", "a", "t"]))
    #expect(tok.encode("12345") == ids(tok, ["123", "45"]))
    #expect(tok.decode(tok.encode("the cat 12345")) == "the cat 12345")
}

@Test func bytePairLlama3() throws {
    let tok = try handMadeBPE(pre: "llama-bpe")
    #expect(tok.algorithm == .bytePair(.llama3))
    // ignore_merges: a whole word in the vocabulary is taken as is.
    #expect(tok.encode(" cat") == ids(tok, ["Ġcat"]))
    // Digits in groups of three.
    #expect(tok.encode("1234512") == ids(tok, ["123", "45", "1", "2"]))  // words 123 451 2
    #expect(tok.encode("x<|eot|>y") == ids(tok, ["x", "<|eot|>", "y"]))
    #expect(tok.encode("x<|eot|>y", parseSpecial: false) == ids(tok, ["x", "<", "|", "e", "o", "t", "|", ">", "y"]))
    #expect(tok.endOfGeneration.contains(tok.id(ofToken: "<|eot|>")!))
}

@Test func bytePairQwen2() throws {
    let tok = try handMadeBPE(pre: "qwen2")
    #expect(tok.algorithm == .bytePair(.qwen2))
    // Single digits, and no ignore_merges.
    #expect(tok.encode("123") == ids(tok, ["1", "2", "3"]))
    #expect(tok.encode(" cat") == ids(tok, ["Ġ", "c", "a", "t"]))
    #expect(tok.encode("the") == ids(tok, ["t", "he"]))
}

@Test func bytePairBytesOfAnyText() throws {
    let tok = try handMadeBPE(pre: "gpt-2")
    let text = "Zürich 😀 \u{0}\t\r\n"
    let encoded = tok.encode(text)
    #expect(encoded.count == text.utf8.count)
    #expect(tok.decode(encoded) == text)
    // A token holding part of a character shows U+FFFD alone and decodes whole in sequence.
    let smile = tok.encode("😀")
    #expect(smile.count == 4)
    #expect(tok.piece(smile[0]) == "\u{FFFD}")
    #expect(tok.decode(Array(smile.prefix(2))) == "\u{FFFD}")
}

// MARK: - SentencePiece on a hand-made vocabulary

private func handMadeSentencePiece(addSpacePrefix: Bool) throws -> Tokenizer {
    var tokens = ["<unk>", "<s>", "</s>"]
    var types = [2, 3, 3]
    var scores: [Float] = [0, 0, 0]
    for b in 0 ..< 256 {
        tokens.append(String(format: "<0x%02X>", b))
        types.append(6)
        scores.append(0)
    }
    for (t, s) in [("▁", -1.0), ("a", -2.0), ("b", -2.0), ("ab", -3.0), ("▁a", -1.5), ("▁ab", -0.5), ("ba", -0.1)] as [(String, Float)] {
        tokens.append(t)
        types.append(1)
        scores.append(s)
    }
    return try Tokenizer(metadata: TokenizerMetadata(
        model: "llama", tokens: tokens, tokenTypes: types, scores: scores,
        specialIDs: ["bos": 1, "eos": 2, "unknown": 0], addSpacePrefix: addSpacePrefix))
}

@Test func sentencePieceMergesByScore() throws {
    let tok = try handMadeSentencePiece(addSpacePrefix: true)
    #expect(tok.algorithm == .sentencePiece)
    #expect(tok.addBOS)  // llama.cpp's default for SentencePiece
    // "▁ab": ▁+a (-1.5) and a+b (-3) → ▁a first, then ▁a+b = ▁ab (-0.5).
    #expect(tok.encode("ab") == [1] + ids(tok, ["▁ab"]))
    // "▁aba": b+a (-0.1) merges before ▁+a (-1.5); a+b (-3) is then stale.
    #expect(tok.encode("aba", addSpecial: false) == ids(tok, ["▁a", "ba"]))
    // Unknown characters fall back to bytes.
    #expect(tok.encode("é", addSpecial: false) == ids(tok, ["▁", "<0xC3>", "<0xA9>"]))
    // The space prefix is removed again by decode unless a BOS was removed first (as llama.cpp).
    #expect(tok.decode(tok.encode("ab", addSpecial: false)) == "ab")
    #expect(tok.decode(tok.encode("ab")) == " ab")
    #expect(tok.decode(tok.encode("é ab", addSpecial: false)) == "é ab")
}

@Test func sentencePieceWithoutSpacePrefix() throws {
    let tok = try handMadeSentencePiece(addSpacePrefix: false)
    #expect(tok.encode("ab", addSpecial: false) == ids(tok, ["ab"]))
    #expect(tok.encode("a b", addSpecial: false) == ids(tok, ["a", "▁", "b"]))
    // After a special token the prefix would apply; here it does not.
    #expect(tok.encode("</s>ab", addSpecial: false) == ids(tok, ["</s>", "ab"]))
    #expect(tok.decode(tok.encode("a b")) == "a b")
}

// MARK: - Decoding

@Test func cleanUpSpacesAsLlamaCpp() {
    func clean(_ s: String) -> String { String(decoding: Tokenizer.cleanUpSpaces(Array(s.utf8)), as: UTF8.self) }
    #expect(clean("Hello , world ! ok . yes ?") == "Hello, world! ok. yes?")
    #expect(clean("it 's I 'm we 're you 've") == "it's I'm we're you've")
    #expect(clean("don 't I 'd we 'll") == "don 't I 'd we 'll")
    #expect(clean("a ' b") == "a'b")
    #expect(clean("") == "")
    #expect(clean(" ") == " ")
}

@Test func vocabularyComparesBytesNotCanonicalEquivalence() throws {
    let tok = try Tokenizer(metadata: TokenizerMetadata(
        model: "gpt2", pre: "gpt-2", tokens: ["é", "e\u{301}", "x"], merges: []))
    #expect(tok.id(ofToken: "é") == 0)
    #expect(tok.id(ofToken: "e\u{301}") == 1)
}

// MARK: - Errors name the key

@Test func tokenizerErrors() throws {
    func message(_ m: TokenizerMetadata) -> String? {
        do { _ = try Tokenizer(metadata: m); return nil } catch { return "\(error)" }
    }
    let bad = message(TokenizerMetadata(model: "bert", tokens: ["a"]))
    #expect(bad?.contains("tokenizer.ggml.model") == true)
    #expect(bad?.contains("'bert'") == true)
    #expect(bad?.contains("gpt2, llama") == true)
    let pre = message(TokenizerMetadata(model: "gpt2", pre: "nonsense", tokens: ["a"], merges: []))
    #expect(pre?.contains("tokenizer.ggml.pre") == true)
    #expect(pre?.contains("smollm") == true)
    #expect(message(TokenizerMetadata(model: "gpt2", tokens: ["a"], merges: []))?.contains("'tokenizer.ggml.pre' is missing") == true)
    #expect(message(TokenizerMetadata(model: "gpt2", pre: "gpt-2", tokens: ["a"]))?.contains("tokenizer.ggml.merges") == true)
    #expect(message(TokenizerMetadata(model: "llama", tokens: []))?.contains("tokenizer.ggml.tokens") == true)
    let dup = message(TokenizerMetadata(model: "llama", tokens: ["a", "b", "a"]))
    #expect(dup?.contains("duplicate") == true)
    #expect(dup?.contains("id 2") == true)
    #expect(message(TokenizerMetadata(model: "llama", tokens: ["a"], tokenTypes: []))?.contains("token_type") == true)
    #expect(message(TokenizerMetadata(model: "gpt2", pre: "gpt-2", tokens: ["a"], merges: [], addBOS: true))?
        .contains("bos_token_id") == true)
}
