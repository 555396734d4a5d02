import Foundation
import GGUF
@testable import Model
import Testing
import TestSupport

/// Rows that fork from a parent (`BatchRow.parent`) compute exactly what they would from the embedding
/// when their lower blocks are the parent's: same logits, and the same keys and values left in their
/// cache for later positions to read.
@Suite struct BatchForkTests {
    static let model: LanguageModel = {
        let dir = TemporaryDirectory()
        var spec = SyntheticModel(dim: 64, layers: 5, ffn: 96, heads: 4, kvHeads: 2, vocab: 300)
        spec.type = .f32
        let path = dir.path("fork.gguf")
        try! spec.write(to: path)
        return try! LanguageModel(path: path)
    }()

    @Test(arguments: [1, 3, 4])
    func forkedRowsEqualFullRows(forkLayer: Int) throws {
        let m = Self.model, vocab = m.config.vocabSize
        let prompt: [Int32] = [5, 17, 42, 99, 3]
        let (_, base) = try m.run(prompt)
        let T = prompt.count
        func cache() -> KVCache { KVCache(sharing: base, length: T, capacity: 4) }

        // Reference: three sequences, each from the embedding, tokens 7, 7, 11 at position T, then 9 at T + 1.
        let ref = [cache(), cache(), cache()]
        let r1 = m.transformer.forward(rows: (0..<3).map { BatchRow(sequence: $0, position: T) },
                                       input: .tokens([7, 7, 11]), caches: ref, logits: .all)
        let r2 = m.transformer.forward(rows: (0..<3).map { BatchRow(sequence: $0, position: T + 1) },
                                       input: .tokens([9, 9, 9]), caches: ref, logits: .all)

        // Forked: sequence 1 forks from row 1 (sequence 0, same token) at `forkLayer`; row 0 is an unrelated sequence.
        let forked = [cache(), cache(), cache()]
        let rows = [BatchRow(sequence: 2, position: T), BatchRow(sequence: 0, position: T),
                    BatchRow(sequence: 1, position: T, startLayer: forkLayer, parent: 1)]
        let f1 = m.transformer.forward(rows: rows, input: .tokens([11, 7, -1]), caches: forked, logits: .all)
        let f2 = m.transformer.forward(rows: (0..<3).map { BatchRow(sequence: $0, position: T + 1) },
                                       input: .tokens([9, 9, 9]), caches: forked, logits: .all)
        // Row order differs (row i of `rows` is sequence rows[i].sequence).
        for (i, r) in rows.enumerated() {
            #expect(Array(f1.logits(i, vocab: vocab)) == Array(r1.logits(r.sequence, vocab: vocab)), "row \(i)")
        }
        for s in 0..<3 {
            #expect(Array(f2.logits(s, vocab: vocab)) == Array(r2.logits(s, vocab: vocab)), "sequence \(s), next position")
            for l in 0..<m.config.layers {
                let n = m.config.kvDim
                #expect(Array(UnsafeBufferPointer(start: forked[s].key(l, T), count: n))
                        == Array(UnsafeBufferPointer(start: ref[s].key(l, T), count: n)), "key, sequence \(s), layer \(l)")
                #expect(Array(UnsafeBufferPointer(start: forked[s].value(l, T), count: n))
                        == Array(UnsafeBufferPointer(start: ref[s].value(l, T), count: n)), "value, sequence \(s), layer \(l)")
            }
        }
    }
}
