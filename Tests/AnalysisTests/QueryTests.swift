import Analysis
import Foundation
import Testing

@Suite struct TwoHopQueryTests {
    // MARK: Prompts from templates

    @Test func promptsFromTemplates() {
        let q = Shared.toyota
        #expect(q.query == "The currency of the country of origin of Toyota is")
        #expect(q.hop1 == "The country of origin of Toyota is")
        #expect(q.hop2 == "The currency of Japan is")
        #expect(q.shortcutEntity == "The currency of Toyota is")
        #expect(q.shortcutRelation == "The currency of the country of origin is")
    }

    @Test func givenPromptsAreKept() {
        let q = TwoHopQuery(e1: "Imagine", r1: "performer", e2: "John Lennon", r2: "spouse", e3: "Yoko Ono",
                            query: "Who is the spouse of the performer of Imagine?")
        #expect(q.query == "Who is the spouse of the performer of Imagine?")
        #expect(q.hop1 == "The performer of Imagine is")
    }

    // MARK: JSONL schema

    @Test func decodesSchemaLine() throws {
        let line = #"{"id":"q1","e1":"Toyota","r1":"country of origin","e2":"Japan","r2":"currency","e3":"yen","e1_aliases":[],"e2_aliases":["Nippon"],"e3_aliases":["JPY"],"query":"The currency of the country of origin of Toyota is","hop1":"The country of origin of Toyota is","hop2":"The currency of Japan is","shortcut_entity":"The currency of Toyota is","shortcut_relation":"The currency of the country of origin is"}"#
        let q = try JSONDecoder().decode(TwoHopQuery.self, from: Data(line.utf8))
        #expect(q.id == "q1" && q.e2Aliases == ["Nippon"] && q.e3Aliases == ["JPY"])
        #expect(q == TwoHopQuery(id: "q1", e1: "Toyota", r1: "country of origin", e2: "Japan", r2: "currency", e3: "yen",
                                 e2Aliases: ["Nippon"], e3Aliases: ["JPY"]))
        // Round trip, snake_case keys.
        let again = try JSONDecoder().decode(TwoHopQuery.self, from: JSONEncoder().encode(q))
        #expect(again == q)
        let keys = try JSONSerialization.jsonObject(with: JSONEncoder().encode(q)) as! [String: Any]
        #expect(Set(keys.keys) == ["id", "e1", "r1", "e2", "r2", "e3", "e1_aliases", "e2_aliases", "e3_aliases", "query",
                                    "hop1", "hop2", "shortcut_entity", "shortcut_relation"])
    }

    @Test func missingPromptsAreBuilt() throws {
        let line = #"{"id":"q2","e1":"Toyota","r1":"country of origin","e2":"Japan","r2":"currency","e3":"yen"}"#
        let q = try JSONDecoder().decode(TwoHopQuery.self, from: Data(line.utf8))
        #expect(q == Shared.toyota.with(id: "q2", e3Aliases: []))
    }

    @Test func missingEntityFailsToDecode() {
        let line = #"{"id":"q3","e1":"Toyota","r1":"country of origin","r2":"currency","e3":"yen"}"#
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(TwoHopQuery.self, from: Data(line.utf8)) }
    }
}

extension TwoHopQuery {
    func with(id: String, e3Aliases: [String]) -> TwoHopQuery {
        var q = self
        q.id = id
        q.e3Aliases = e3Aliases
        return q
    }
}

@Suite struct AnswerMatcherTests {
    @Test func labelCaseInsensitive() {
        let m = AnswerMatcher(label: "yen", aliases: ["JPY", "¥"])
        #expect(m.matches(" the Japanese Yen."))
        #expect(m.matches("priced in jpy"))
        #expect(!m.matches(" the Toyota Corporation."))
    }

    @Test func oneCharacterAliasesIgnored() {
        let m = AnswerMatcher(label: "yen", aliases: ["¥", "Y", " "])
        #expect(!m.matches("costs ¥100"))
        #expect(!m.matches("Yes"))
        #expect(m.candidates == ["yen"])
    }

    @Test func twoCharacterAliasCounts() {
        #expect(AnswerMatcher(label: "United States", aliases: ["US"]).matches("the us dollar"))
    }
}

@Suite struct LocateTests {
    /// A fake tokenizer: ids index into `pieces`, decoding concatenates.
    func decoder(_ pieces: [String]) -> ([Int32]) -> String { { ids in ids.map { pieces[Int($0)] }.joined() } }

    @Test func entitySplitAcrossTokens() throws {
        let pieces = ["The", " currency", " of", " Toy", "ota", " is"]
        let r = try QueryTokens.locate(entity: "Toyota", query: "The currency of Toyota is", ids: [0, 1, 2, 3, 4, 5],
                                       decode: decoder(pieces))
        #expect(r == 3...4)
    }

    @Test func bosAndSpaceMergedToken() throws {
        let pieces = ["<s>", "The", " capital", " of", " France", " is"]
        let r = try QueryTokens.locate(entity: "France", query: "The capital of France is", ids: [0, 1, 2, 3, 4, 5],
                                       decode: decoder(pieces))
        #expect(r == 4...4)
    }

    @Test func lastOccurrenceWins() throws {
        let pieces = ["Paris", " is", " not", " Paris", "ian"]
        let r = try QueryTokens.locate(entity: "Paris", query: "Paris is not Parisian", ids: [0, 1, 2, 3, 4],
                                       decode: decoder(pieces))
        // "Paris" ends inside "ian"? No: " Paris" ends exactly at the end of token 3.
        #expect(r == 3...3)
    }

    @Test func entityEndingInsideToken() throws {
        let pieces = ["The", " Toyotas", " are"]
        let r = try QueryTokens.locate(entity: "Toyota", query: "The Toyotas are", ids: [0, 1, 2], decode: decoder(pieces))
        #expect(r == 1...1)
    }

    @Test func caseInsensitiveFallback() throws {
        let pieces = ["the", " toyota", " is"]
        let r = try QueryTokens.locate(entity: "Toyota", query: "the toyota is", ids: [0, 1, 2], decode: decoder(pieces))
        #expect(r == 1...1)
    }

    @Test func multiByteCharacterSplitAcrossTokens() throws {
        // "é" = C3 A9 split over two byte tokens; a prefix ending between them does not prefix the text.
        let bytes: [[UInt8]] = [Array("The caf".utf8), [0xC3], [0xA9], Array(" is".utf8)]
        let decode: ([Int32]) -> String = { ids in String(decoding: ids.flatMap { bytes[Int($0)] }, as: UTF8.self) }
        let r = try QueryTokens.locate(entity: "café", query: "The café is", ids: [0, 1, 2, 3], decode: decode)
        #expect(r == 0...2)
    }

    // MARK: Errors

    @Test func entityNotInQuery() {
        #expect(throws: AnalysisError.entityNotInQuery(entity: "Honda", query: "The currency of Toyota is")) {
            try QueryTokens.locate(entity: "Honda", query: "The currency of Toyota is", ids: [0], decode: { _ in "x" })
        }
    }

    @Test func emptyQueryAndEntity() {
        #expect(throws: AnalysisError.emptyQuery) {
            try QueryTokens.locate(entity: "Toyota", query: "  ", ids: [], decode: { _ in "" })
        }
        #expect(throws: AnalysisError.emptyEntity("e1")) {
            try QueryTokens.locate(entity: "", query: "The currency of Toyota is", ids: [0], decode: { _ in "" })
        }
    }

    @Test func entityLostInTokens() {
        #expect(throws: AnalysisError.entityNotInTokens(entity: "Toyota", query: "Toyota")) {
            try QueryTokens.locate(entity: "Toyota", query: "Toyota", ids: [0], decode: { _ in "Toy" })
        }
    }
}
