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
        #expect(decoded(": Japan: a country") == .e2)                      // ": a:"
        #expect(decoded("  Japan: Japan is\n") == .e2)                     // trimmed as the paper decodes
    }

    /// The paper's five patterns only: a generation that stops right after the name does not count
    /// (hopscope used to accept it; the paper's `classify_entity_row` does not).
    @Test func nameAtTheVeryEndDoesNotCount() {
        #expect(decoded(": Japan") == .other)
        #expect(decoded(": Japan ") == .other)   // trimmed first, as the paper's decode_generated does
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
    func outcome(_ layer: Int?, _ generation: String, correct: Bool) -> Knockout.Outcome {
        .init(layer: layer, window: layer.map { [$0, $0] }, generation: generation, correct: correct, answerProb: 0,
              answerRank: 1, topId: 0, topPiece: "")
    }

    func reading(_ any: [DecodedEntity]) -> PatchscopePooled {
        PatchscopePooled(generation: "", decoded: any.first ?? .other, target: 0, decodedAny: any, cells: 1)
    }

    /// The paper's formulas (`plot_stage_boxplots`) on hand-made per-layer values.
    @Test func fourStagesAsThePaperComputesThem() {
        let t1 = [reading([.e1]), reading([.e1, .other]), reading([.e2, .other]), nil, reading([.e2])]
        let t2 = [reading([.other]), reading([.other]), reading([.other]), reading([.e2, .e3]), reading([.e3])]
        let s = Stages.compute(patchscopeT1: t1, patchscopeT2: t2, attentionE2RankT2: [7, nil, 3, 0, 0],
                               mlpPredictionRankT2: [9, 9, 9, 2, 0], knockoutChanged: [false, true, true, false, false])
        #expect(s.firstHop == 2)
        #expect(s.infoPropagationParts == .init(knockout: 1, attention: 3, patchscope: 3))
        let mean: Double = 7.0 / 3
        #expect(s.infoPropagation == mean)                          // a mean: fractional
        #expect(s.secondHop == 3 && s.predictionExtracted == 4)
    }

    /// Missing parts are ignored (numpy's nanmean); propagation is null only when all three are.
    @Test func propagationIgnoresMissingParts() {
        let s = Stages.compute(patchscopeT1: [], patchscopeT2: [reading([.other]), reading([.e2])], attentionE2RankT2: [4, 1],
                               mlpPredictionRankT2: [3, 1], knockoutChanged: [])
        #expect(s.infoPropagation == 1 && s.infoPropagationParts == .init(patchscope: 1))
        #expect(s.firstHop == nil && s.secondHop == nil && s.predictionExtracted == nil)
        #expect(Stages.compute(patchscopeT1: [], patchscopeT2: [], attentionE2RankT2: [], mlpPredictionRankT2: [],
                               knockoutChanged: []) == Stages())
    }

    /// The paper's "matters": the generation changed, except correct → correct (`classify_by_vanilla`).
    @Test func knockoutMattersCriterion() {
        let right = outcome(nil, " the yen.", correct: true), wrong = outcome(nil, " the Toyota", correct: false)
        #expect(!Knockout.matters(outcome(3, " the yen.", correct: true), baseline: right))
        #expect(!Knockout.matters(outcome(3, " yen, the", correct: true), baseline: right))   // correct stays correct
        #expect(Knockout.matters(outcome(3, " the won", correct: false), baseline: right))
        #expect(Knockout.matters(outcome(3, " the yen", correct: true), baseline: wrong))
        #expect(Knockout.matters(outcome(3, " Toyota", correct: false), baseline: wrong))    // wrong to another wrong
        #expect(!Knockout.matters(outcome(3, "the Toyota ", correct: false), baseline: wrong)) // same once trimmed
    }

    @Test func jsonKeepsNeverAsNull() throws {
        let s = Stages(infoPropagationParts: .init(knockout: 13, attention: 14))
        let json = String(decoding: try JSONEncoder().encode(s), as: UTF8.self)
        #expect(json.contains(#""first_hop":null"#) && json.contains(#""second_hop":null"#) && json.contains(#""info_propagation":13.5"#))
        #expect(json.contains(#""prediction_extracted":null"#) && json.contains(#""patchscope":null"#))
        #expect(try JSONDecoder().decode(Stages.self, from: Data(json.utf8)) == s)
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
