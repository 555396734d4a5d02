import Foundation
import GGUF
import Testing
import TestSupport
@testable import Model

// Token ids from llama.cpp itself (scripts/golden/make_tokenizer_golden.py), for both default models.

struct TokenizerGolden: Decodable {
    struct Case: Decodable {
        let text: String
        let ids: [Int32]
        let decoded: String
        /// Without BOS, control tokens read as text (`addSpecial: false, parseSpecial: false`).
        let plain_ids: [Int32]
    }
    let model: String
    let add_bos: Bool
    let cases: [Case]

    static func load(_ name: String) throws -> TokenizerGolden {
        try JSONDecoder().decode(TokenizerGolden.self, from: Fixtures.data(name))
    }
}

/// Both models' tokenizers, loaded once for all tests.
enum LoadedTokenizers {
    static let smollm2: Tokenizer? = load(TestModels.smollm2)
    static let gemma3: Tokenizer? = load(TestModels.gemma3)

    private static func load(_ path: String) -> Tokenizer? {
        guard TestModels.available(path) else { return nil }
        return try? Tokenizer(gguf: GGUFFile(path: path))
    }
}

/// Checks every golden case, recording each mismatch (text, expected, actual) and going on.
private func checkGolden(_ tok: Tokenizer, _ file: String) throws {
    let golden = try TokenizerGolden.load(file)
    #expect(golden.cases.count >= 300)
    #expect(tok.addBOS == golden.add_bos)
    var encodeFailures = 0, decodeFailures = 0
    for c in golden.cases {
        let ids = tok.encode(c.text)
        if ids != c.ids {
            encodeFailures += 1
            Issue.record("encode \(String(reflecting: c.text)): expected \(c.ids), got \(ids)")
        }
        let plain = tok.encode(c.text, addSpecial: false, parseSpecial: false)
        if plain != c.plain_ids {
            encodeFailures += 1
            Issue.record("encode (plain) \(String(reflecting: c.text)): expected \(c.plain_ids), got \(plain)")
        }
        let decoded = tok.decode(c.ids)
        if decoded != c.decoded {
            decodeFailures += 1
            Issue.record("decode \(c.ids): expected \(String(reflecting: c.decoded)), got \(String(reflecting: decoded))")
        }
    }
    #expect(encodeFailures == 0, "\(encodeFailures) of \(2 * golden.cases.count) encodings differ from llama.cpp")
    #expect(decodeFailures == 0, "\(decodeFailures) of \(golden.cases.count) decodings differ from llama.cpp")
}

@Test(.enabled(if: TestModels.available(TestModels.smollm2)))
func tokenizerGoldenSmolLM2() throws {
    let tok = try #require(LoadedTokenizers.smollm2)
    try checkGolden(tok, "tokenizer-smollm2.json")
}

@Test(.enabled(if: TestModels.available(TestModels.gemma3)))
func tokenizerGoldenGemma3() throws {
    let tok = try #require(LoadedTokenizers.gemma3)
    try checkGolden(tok, "tokenizer-gemma3.json")
}

/// Where llama.cpp's own round trip gives the text back, ours must too.
@Test(.enabled(if: TestModels.available(TestModels.smollm2) && TestModels.available(TestModels.gemma3)))
func tokenizerRoundTrip() throws {
    for (tok, file) in [(LoadedTokenizers.smollm2, "tokenizer-smollm2.json"), (LoadedTokenizers.gemma3, "tokenizer-gemma3.json")] {
        let tok = try #require(tok)
        var checked = 0
        for c in try TokenizerGolden.load(file).cases where c.decoded == c.text {
            #expect(tok.decode(tok.encode(c.text)) == c.text, "\(String(reflecting: c.text))")
            checked += 1
        }
        #expect(checked > 250)
    }
}
