import Analysis
import Foundation
import Testing

@Suite struct DecodedEntityTests {
    let entities = [AnswerMatcher(label: "Toyota"), AnswerMatcher(label: "Japan", aliases: ["Nippon", "J"]),
                    AnswerMatcher(label: "yen", aliases: ["JPY"])]

    func decoded(_ s: String) -> DecodedEntity { Patchscope.decodedEntity(s, entities: entities) }

    @Test func describedEntityPatterns() {
        #expect(decoded(": Japan is a country in East Asia") == .e2)      // ": a "
        #expect(decoded(": Japan, a country") == .e2)                      // ": a,"
        #expect(decoded(": Japan. It is") == .e2)                          // ": a."
        #expect(decoded("\nJapan: Japan is") == .e2)                       // "a: "
        #expect(decoded(": japan is") == .e2)                              // case-insensitive
        #expect(decoded(": Nippon is") == .e2)                             // alias
        #expect(decoded(": Japan") == .e2)                                 // ends right after the name
    }

    @Test func mentionsOutsideDescriptionsDoNotCount() {
        #expect(decoded(": Honda is a company from Japan") == .other)
        #expect(decoded(": Japanese cars are") == .other)
        #expect(decoded(": J is a letter") == .other)                       // one-character alias ignored
        #expect(decoded("") == .other)
    }

    @Test func firstEntityInOrderWins() {
        // e1 is checked before e2 even when e2 comes first in the text.
        #expect(decoded(": Japan is home to Toyota: Toyota is") == .e1)
        #expect(decoded(": yen is the currency, Japan: Japan") == .e2)
        #expect(decoded(": JPY is a currency") == .e3)
    }
}

@Suite struct StagesTests {
    func outcome(_ layer: Int?, _ p: Float) -> Knockout.Outcome {
        .init(layer: layer, window: layer.map { [$0, $0] }, generation: "", correct: false, answerProb: p, answerRank: 1,
              topId: 0, topPiece: "")
    }

    @Test func earliestLayers() {
        let k = Knockout.Report(halfWindow: 0, baseline: outcome(nil, 0.4),
                                windows: [outcome(0, 0.39), outcome(1, 0.3), outcome(2, 0.2), outcome(3, 0.1)])
        let s = Stages.compute(patchscopeT1: [.other, .e1, .e2, .e2, .e3], e2RankT1: [900, 40, 1, 1, 3],
                               e2RankAttentionT2: [5000, 200, 30, 8, 2], knockout: k, e3RankT2: [9, 9, 9, 2, 1])
        #expect(s == Stages(firstHop: 2, firstHopLens: 2, propagated: 2, propagatedAttention: 3, propagatedKnockout: 2,
                            secondHop: 4))
    }

    @Test func jsonKeepsNeverAsNull() throws {
        let json = String(decoding: try JSONEncoder().encode(Stages(propagated: 13, propagatedKnockout: 13)), as: UTF8.self)
        #expect(json.contains(#""first_hop":null"#) && json.contains(#""second_hop":null"#) && json.contains(#""propagated":13"#))
        #expect(try JSONDecoder().decode(Stages.self, from: Data(json.utf8)) == Stages(propagated: 13, propagatedKnockout: 13))
    }

    @Test func neverReached() {
        let s = Stages.compute(patchscopeT1: [.other], e2RankT1: [2], e2RankAttentionT2: [11], knockout: nil, e3RankT2: [2])
        #expect(s == Stages())
    }

    @Test func knockoutWindowClipped() {
        #expect(Knockout.window(center: 1, halfWindow: 3, layers: 30) == 0...4)
        #expect(Knockout.window(center: 28, halfWindow: 3, layers: 30) == 25...29)
        #expect(Knockout.blockedEdges(query: 9, keys: 6...7, center: 0, halfWindow: 1, layers: 30)
                == [0: [.init(query: 9, key: 6), .init(query: 9, key: 7)], 1: [.init(query: 9, key: 6), .init(query: 9, key: 7)]])
    }
}

@Suite struct DistributionTests {
    @Test func softmaxRankTop() {
        let d = Distribution(logits: [1, 3, 2, 3] as [Float])
        #expect(abs(d.probs.reduce(0, +) - 1) < 1e-6)
        #expect(d.standing(of: 1).rank == 1 && d.standing(of: 3).rank == 1)
        #expect(d.standing(of: 2).rank == 3 && d.standing(of: 0).rank == 4)
        #expect(d.top(3) { "\($0)" }.map(\.id) == [1, 3, 2])
    }
}
