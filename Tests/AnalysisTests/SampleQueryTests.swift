import Analysis
import Foundation
import Testing

/// The repository's `sample-queries/*.jsonl`.
enum SampleQueries {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../sample-queries").standardized

    static func lines(_ name: String) throws -> [String] {
        try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
            .split(separator: "\n").map(String.init).filter { !$0.isEmpty }
    }

    static func queries(_ name: String) throws -> [TwoHopQuery] {
        try lines(name).map { try JSONDecoder().decode(TwoHopQuery.self, from: Data($0.utf8)) }
    }
}

@Suite struct SampleQueryTests {
    @Test(arguments: ["geography.jsonl", "companies.jsonl", "people.jsonl", "culture.jsonl", "showcase.jsonl"])
    func everyLineDecodesAndEncodesBack(file: String) throws {
        let queries = try SampleQueries.queries(file)
        #expect(queries.count > 30)
        for (q, line) in zip(queries, try SampleQueries.lines(file)) {
            let original = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! NSDictionary
            let again = try JSONSerialization.jsonObject(with: JSONEncoder().encode(q)) as! NSDictionary
            #expect(original == again, "\(q.id)")
            #expect(q.query.contains(q.e1), "\(q.id)")
        }
    }

    @Test(.enabled(if: Shared.available, "needs the default model (make setup)")) func showcaseT1OnEveryQuery() throws {
        let model = try Shared.loaded.get()
        for q in try SampleQueries.queries("showcase.jsonl") {
            let t = try QueryTokens(model: model, query: q.query, e1: q.e1)
            let text = model.tokenizer.decode(Array(t.ids[t.e1Positions]))
            #expect(text.contains(q.e1), "\(q.id): e1 tokens decode to \(text.debugDescription)")
            #expect(t.t1 < t.t2, "\(q.id)")
        }
    }

    /// The evaluation reproduces the queries branch's measurements (made independently, with llama.cpp):
    /// every correctness flag, and each generation's first words (greedy continuations of a Q4 model can
    /// part ways a few tokens in, at near-ties, between two exact-enough implementations).
    @Test(.enabled(if: Shared.available, "needs the default model (make setup)")) func evaluationMatchesShowcaseMeasurements() throws {
        let model = try Shared.loaded.get()
        let queries = Dictionary(uniqueKeysWithValues: try SampleQueries.queries("showcase.jsonl").map { ($0.id, $0) })
        for line in try SampleQueries.lines("showcase-measurements.jsonl").prefix(3) {
            let m = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            let q = try #require(queries[m["id"] as! String])
            let e = try Evaluation.run(model: model, query: q)
            let flags = ["hop1": e.hop1Correct, "hop2": e.hop2Correct, "query": e.compositionCorrect,
                         "shortcut_entity": e.shortcutEntityCorrect, "shortcut_relation": e.shortcutRelationCorrect]
            for (name, correct) in flags {
                let measured = m[name] as! [String: Any]
                let ours = e.generations[name]!, theirs = measured["generation"] as! String
                let common = zip(ours, theirs).prefix { $0 == $1 }.count
                #expect(common >= min(12, theirs.count), "\(q.id) \(name): \(ours.debugDescription) vs \(theirs.debugDescription)")
                #expect(correct == measured["correct"] as? Bool, "\(q.id) \(name)")
            }
        }
    }
}
