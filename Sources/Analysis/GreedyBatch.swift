import Model

/// Greedy continuation of many sequences at once, one batched forward per generated token.
///
/// Patchscope cells, knockout windows, back-patch cells and hop prompts each need "run the prompt
/// pass (patched or not), then greedily write ten tokens with no further hooks". Their first step
/// differs per sequence, so the caller runs it and hands over each sequence's cache and first logits;
/// the remaining steps run all unfinished sequences as one batch (rows of different sequences).
///
/// **Shared blocks** (`floors`). When every sequence is a variant of one reference run (the same
/// prompt, patched or blocked from some layer on), a sequence's blocks below its floor f compute, at
/// every new position, exactly what the reference computes with the same tokens: the keys and values
/// they read at the prompt are the reference's. So each step, sequences with equal histories at the
/// same position form a group: the member with the highest floor (the anchor) runs from the embedding,
/// and every other member forks from it at its own floor (`BatchRow.parent`: the anchor's residual
/// entering that block, and its lower keys and values). Every row computes what it would alone; only
/// the shared blocks are not recomputed. Back-patch cells have f = ℓt + 1, Patchscope cells ℓt + 1,
/// knockout windows lo + 1 (blocks ≤ lo read t2's unblocked keys and values), the unpatched run L.
public enum GreedyBatch {
    /// Generates up to `maxTokens` per sequence: sequence i's first token is argmax of `firstLogits[i]`,
    /// placed at `positions[i]`; `caches[i]` must hold every earlier position. Stops a sequence at
    /// end-of-generation (not included), or when `stop` says its tokens so far decide it.
    /// `choose`, when given, picks sequence i's next token from its logits instead of argmax
    /// (sampling); it is called in order of the steps for each sequence. `floors`, when given, lets
    /// sequences share blocks below their floors (see the type's documentation); nil: none shared.
    public static func continueGreedy(model: LanguageModel, caches: [KVCache], firstLogits: [[Float]],
                                      positions: [Int], maxTokens: Int, floors: [Int]? = nil,
                                      choose: ((_ sequence: Int, _ logits: ArraySlice<Float>) -> Int32)? = nil,
                                      stop: ((_ sequence: Int, _ tokens: [Int32]) -> Bool)? = nil,
                                      cancel: CancellationToken? = nil) throws(AnalysisError) -> [[Int32]] {
        precondition(caches.count == firstLogits.count && caches.count == positions.count)
        precondition(floors == nil || floors!.count == caches.count)
        var out = [[Int32]](repeating: [], count: caches.count)
        guard maxTokens > 0 else { return out }
        /// Takes sequence i's next token from `logits`; true when the sequence goes on.
        func take(_ i: Int, _ logits: ArraySlice<Float>) -> Bool {
            let t = choose?(i, logits) ?? Int32(argmax(logits))
            if model.tokenizer.isEndOfGeneration(t) { return false }
            out[i].append(t)
            if let stop, stop(i, out[i]) { return false }
            return out[i].count < maxTokens
        }
        var live = caches.indices.filter { take($0, firstLogits[$0][...]) }
        let vocab = model.config.vocabSize
        var step = 1
        while !live.isEmpty {
            try cancel.check()
            let rows = batchRows(live: live, tokens: out, positions: positions, step: step, floors: floors,
                                 layers: model.config.layers)
            let input = rows.map { out[$0.sequence].last! }
            let result = model.transformer.forward(rows: rows, input: .tokens(input), caches: caches, logits: .all)
            // In sequence order, so `choose` sees the sequences as it would without sharing.
            let byRow = rows.indices.sorted { rows[$0].sequence < rows[$1].sequence }
            live = byRow.compactMap { r in take(rows[r].sequence, result.logits(r, vocab: vocab)) ? rows[r].sequence : nil }
            step += 1
        }
        return out
    }

    /// The rows of one step: one per live sequence, or with `floors` the groups' anchors from the
    /// embedding, then every other member forking from its anchor, sorted by start layer.
    public static func batchRows(live: [Int], tokens: [[Int32]], positions: [Int], step: Int, floors: [Int]?,
                          layers: Int) -> [BatchRow] {
        guard let floors else { return live.map { BatchRow(sequence: $0, position: positions[$0] + step - 1) } }
        struct Key: Hashable { var position: Int; var history: [Int32] }
        var groupOf: [Key: Int] = [:]
        var anchors: [Int] = []
        var members: [[Int]] = []
        for seq in live {
            let key = Key(position: positions[seq] + step - 1, history: tokens[seq])
            if let g = groupOf[key] {
                members[g].append(seq)
                if floors[seq] > floors[anchors[g]] { anchors[g] = seq }
            } else {
                groupOf[key] = anchors.count
                anchors.append(seq)
                members.append([seq])
            }
        }
        let rows = anchors.map { BatchRow(sequence: $0, position: positions[$0] + step - 1) }
        var forks: [BatchRow] = []
        for (g, group) in members.enumerated() {
            for seq in group where seq != anchors[g] {
                // A floor of 0 shares nothing: the member runs from the embedding on its own. A floor
                // of L (an unpatched twin) still runs the last block, so the row has its own output.
                forks.append(floors[seq] > 0
                    ? BatchRow(sequence: seq, position: positions[seq] + step - 1, startLayer: min(floors[seq], layers - 1), parent: g)
                    : BatchRow(sequence: seq, position: positions[seq] + step - 1))
            }
        }
        return rows + forks.enumerated().sorted { ($0.element.startLayer, $0.offset) < ($1.element.startLayer, $1.offset) }.map(\.element)
    }

    /// Splits the logits of a forward result into one (vocab,) array per logit row.
    static func rows(_ result: ForwardResult, vocab: Int) -> [[Float]] {
        (0..<result.logitRows.count).map { Array(result.logits($0, vocab: vocab)) }
    }
}
