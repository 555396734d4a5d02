import Model

/// Greedy continuation of many sequences at once, one batched forward per generated token.
///
/// Patchscope cells and knockout windows each need "patch the prompt pass, then greedily write ten
/// tokens with no further hooks". Their first step differs per sequence, so the caller runs it and hands
/// over each sequence's cache and first logits; the remaining steps run all unfinished sequences as one
/// batch (rows of different sequences), which costs about as much as a single sequence on a small model.
public enum GreedyBatch {
    /// Generates up to `maxTokens` per sequence: sequence i's first token is argmax of `firstLogits[i]`,
    /// placed at `positions[i]`; `caches[i]` must hold every earlier position. Stops a sequence at
    /// end-of-generation (not included). `choose`, when given, picks sequence i's next token from its
    /// logits instead of argmax (sampling); it is called in order of the steps for each sequence.
    public static func continueGreedy(model: LanguageModel, caches: [KVCache], firstLogits: [[Float]],
                                      positions: [Int], maxTokens: Int,
                                      choose: ((_ sequence: Int, _ logits: ArraySlice<Float>) -> Int32)? = nil,
                                      cancel: CancellationToken? = nil) throws(AnalysisError) -> [[Int32]] {
        func pick(_ i: Int, _ logits: ArraySlice<Float>) -> Int32 {
            if let choose { return choose(i, logits) }
            return Int32(argmax(logits))
        }
        precondition(caches.count == firstLogits.count && caches.count == positions.count)
        var out = [[Int32]](repeating: [], count: caches.count)
        guard maxTokens > 0 else { return out }
        var live: [Int] = []
        for i in caches.indices {
            let t = pick(i, firstLogits[i][...])
            if model.tokenizer.isEndOfGeneration(t) { continue }
            out[i].append(t)
            if maxTokens > 1 { live.append(i) }
        }
        var step = 1
        while !live.isEmpty {
            try cancel.check()
            let rows = live.map { BatchRow(sequence: $0, position: positions[$0] + step - 1) }
            let input = live.map { out[$0].last! }
            let result = model.transformer.forward(rows: rows, input: .tokens(input), caches: caches, logits: .all)
            var next: [Int] = []
            let vocab = model.config.vocabSize
            for (r, i) in live.enumerated() {
                let t = pick(i, result.logits(r, vocab: vocab))
                if model.tokenizer.isEndOfGeneration(t) { continue }
                out[i].append(t)
                if out[i].count < maxTokens { next.append(i) }
            }
            live = next
            step += 1
        }
        return out
    }

    /// Splits the logits of a forward result into one (vocab,) array per logit row.
    static func rows(_ result: ForwardResult, vocab: Int) -> [[Float]] {
        (0..<result.logitRows.count).map { Array(result.logits($0, vocab: vocab)) }
    }
}
