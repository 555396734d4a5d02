import Analysis
import Foundation
import GGUF
import Model
import Testing
import TestSupport

/// Results as they come: the partial analyses fill Patchscope and knockout rows batch by batch, and
/// asking for them changes nothing in the result.
@Suite struct ProgressiveAnalysisTests {
    static let model = TinyModels.load(dim: 32, layers: 12, ffn: 48, heads: 4, kvHeads: 2, vocab: 300, seed: 5)

    static let query = TwoHopQuery(id: "toyota-currency", e1: "Toyota", r1: "country of origin", e2: "Japan",
                                   r2: "currency", e3: "yen")

    /// The analysis as JSON without its timings (wall clock differs run to run).
    func json(_ a: QueryAnalysis) throws -> NSDictionary {
        var o = try JSONSerialization.jsonObject(with: JSONEncoder().encode(a)) as! [String: Any]
        o["timings"] = nil
        return o as NSDictionary
    }

    @Test func partialsFillInBatchByBatchAndChangeNothing() throws {
        let m = Self.model, L = m.config.layers
        final class Box: @unchecked Sendable { var items: [QueryAnalysis] = []; let lock = NSLock() }
        let box = Box()
        var pieces = Analyzer.Options()
        pieces.partialBatches = 4   // what a 7B model gets; a model this small would get one batch
        let a = try Analyzer(model: m, options: pieces).run(Self.query, partial: { p in box.lock.lock(); box.items.append(p); box.lock.unlock() })
        let b = try Analyzer(model: m).run(Self.query)
        #expect(try json(a) == json(b), "partials (smaller batches, knockout groups) change the result")
        let t1 = box.items.map { $0.layers.filter { $0.patchscopeT1 != nil }.count }
        let t2 = box.items.map { $0.layers.filter { $0.patchscopeT2 != nil }.count }
        let ko = box.items.map { $0.layers.filter { $0.knockout != nil }.count }
        #expect(t1.first == 0 && t2.first == 0 && ko.first == 0, "the first partial is the lens alone")
        #expect(zip(t1, t1.dropFirst()).allSatisfy { $0 <= $1 } && zip(ko, ko.dropFirst()).allSatisfy { $0 <= $1 })
        #expect(t1.contains { $0 > 0 && $0 < L }, "Patchscope at t1 arrives in more than one piece: \(t1)")
        #expect(t2.contains { $0 > 0 && $0 < L }, "Patchscope at t2 arrives in more than one piece: \(t2)")
        #expect(ko.contains { $0 > 0 && $0 < L }, "knockout arrives in more than one piece: \(ko)")
    }
}
