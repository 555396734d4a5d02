import Model

/// Runs back-patching experiments on one prompt, reusing everything a patch cannot change.
///
/// The unpatched run is done once: its block outputs h(ℓ, pos) are the patch sources and its KV
/// cache is shared by every cell. A cell (ℓs → ℓt at p) then only recomputes blocks ℓt+1 … L−1 for
/// positions ≥ p (earlier positions cannot change under causal attention), and cells run together
/// as one batch (one sgemm per weight matrix over all cells), generation steps included.
/// `naiveCell` keeps the plain definition — a full re-run per cell — as the test oracle.
public final class BackPatcher: @unchecked Sendable {
    public let model: LanguageModel
    public let problem: BackPatchProblem
    /// Block outputs of the unpatched run: `base[ℓ]` is (tokens, dim).
    public let base: [[Float]]
    /// The unpatched run's cache (shared read-only by every cell).
    let baseCache: KVCache
    /// The unpatched next-token logits at t2 (vocab,).
    public let baseLogits: [Float]

    public init(model: LanguageModel, problem: BackPatchProblem) throws {
        self.model = model
        self.problem = problem
        let L = model.config.layers
        let (result, cache) = try model.run(problem.ids, hooks: .recordingResidualStream(layers: L))
        base = (0..<L).map { result.recorded[.block($0)]! }
        baseCache = cache
        baseLogits = result.logits
        guard problem.t1 >= 0, problem.t1 < problem.ids.count, problem.t2 == problem.ids.count - 1 else {
            throw AnalysisError.badOption("t1 \(problem.t1) / t2 \(problem.t2) do not fit a prompt of \(problem.ids.count) tokens")
        }
    }

    var dim: Int { model.config.dim }
    var layers: Int { model.config.layers }

    /// h(ℓ, pos) of the unpatched run.
    public func hidden(layer: Int, position: Int) -> [Float] {
        Array(base[layer][(position * dim)..<((position + 1) * dim)])
    }

    /// Unpatched probability and rank of the answer's first token at t2.
    public var baseAnswer: (prob: Float, rank: Int) {
        probabilityAndRank(baseLogits[...], token: problem.answerToken)
    }

    // MARK: The oracle

    /// One cell by the definition: a full re-run with the overwrite, then greedy generation.
    public func naiveCell(_ position: PatchPosition, source: Int, target: Int, metric: BackPatchMetric = .generation) throws -> BackPatchCell {
        try checkPair(source: source, target: target)
        let p = problem.index(of: position)
        let hooks = Hooks(overwrites: [HookSite(.block(target), position: p): hidden(layer: source, position: p)])
        let (result, cache) = try model.run(problem.ids, hooks: hooks)
        let (prob, rank) = probabilityAndRank(result.logits[...], token: problem.answerToken)
        var generation = ""
        var correct = rank == 1
        if metric == .generation {
            let tokens = try GreedyBatch.continueGreedy(model: model, caches: [cache], firstLogits: [result.logits],
                                                        positions: [problem.ids.count], maxTokens: problem.generationTokens)
            generation = model.tokenizer.decode(tokens[0])
            correct = problem.isCorrect(generation)
        }
        return BackPatchCell(position: position, source: source, target: target, generation: generation,
                             correct: correct, answerProb: prob, answerRank: rank)
    }

    /// The whole grid by the definition, one full re-run per cell.
    public func naiveGrid(_ position: PatchPosition, metric: BackPatchMetric = .generation) throws -> BackPatchGrid {
        let cells = try BackPatchGrid.pairs(layers: layers).map { try naiveCell(position, source: $0.source, target: $0.target, metric: metric) }
        return BackPatchGrid(position: position, layers: layers, metric: metric, cells: cells, fixed: cells.contains { $0.correct })
    }

    // MARK: The fast path

    /// One cell, computed the fast way (with its whole generation).
    public func cell(_ position: PatchPosition, source: Int, target: Int, metric: BackPatchMetric = .generation,
                     cancel: CancellationToken? = nil) throws -> BackPatchCell {
        try checkPair(source: source, target: target)
        return try cells(position, pairs: [(source, target)], metric: metric, untilDecided: false, cancel: cancel)[0]
    }

    /// The full ℓs > ℓt grid, in batches of `batchSize` cells; `progress` receives each finished batch.
    /// With `untilDecided` (the default) a cell stops generating once it has succeeded
    /// (`BackPatchCell.stoppedOnceCorrect`); every success flag is the same either way.
    public func grid(_ position: PatchPosition, metric: BackPatchMetric = .generation, batchSize: Int? = nil,
                     untilDecided: Bool = true, cancel: CancellationToken? = nil,
                     progress: ((_ finished: [BackPatchCell], _ done: Int, _ total: Int) -> Void)? = nil) throws -> BackPatchGrid {
        let pairs = BackPatchGrid.pairs(layers: layers)
        var cells: [BackPatchCell] = []
        cells.reserveCapacity(pairs.count)
        let batchSize = max(1, batchSize ?? defaultBatchSize(position, metric: metric))
        var start = 0
        while start < pairs.count {
            try cancel.check()
            let chunk = Array(pairs[start..<min(pairs.count, start + batchSize)])
            let done = try self.cells(position, pairs: chunk, metric: metric, untilDecided: untilDecided, cancel: cancel)
            cells += done
            start += chunk.count
            progress?(done, cells.count, pairs.count)
        }
        return BackPatchGrid(position: position, layers: layers, metric: metric, cells: cells, fixed: cells.contains { $0.correct })
    }

    /// Cells per batch when the caller does not say: as many as keep a step's logits within 128 MB and
    /// the cells' own keys and values within 1 GB, at most 512 — the more cells share a batch, the more
    /// they share. SmolLM2: the whole grid; Gemma-3 (262k vocabulary): 128; a 7B shape at t2: 93.
    public func defaultBatchSize(_ position: PatchPosition, metric: BackPatchMetric) -> Int {
        let c = model.config
        let steps = metric == .generation ? problem.generationTokens : 1
        let cacheBytes = c.layers * c.kvDim * 2 * 4 * (problem.ids.count - problem.index(of: position) + steps)
        let byLogits = (128 << 20) / (c.vocabSize * 4), byCache = (1 << 30) / max(cacheBytes, 1)
        return max(1, min(512, byLogits, byCache))
    }

    /// A batch of cells at one position, run together.
    /// `cancel` is also checked between generation steps, so a large batch stops within one step.
    func cells(_ position: PatchPosition, pairs: [(source: Int, target: Int)], metric: BackPatchMetric,
               untilDecided: Bool = false, cancel: CancellationToken? = nil) throws -> [BackPatchCell] {
        let T = problem.ids.count
        let p = problem.index(of: position)
        let dim = self.dim
        let vocab = model.config.vocabSize
        // Cells entering at lower layers go first (rows must be sorted by start layer).
        let order = pairs.indices.sorted { (pairs[$0].target, $0) < (pairs[$1].target, $1) }
        let span = T - p                                  // positions p..<T are recomputed
        let steps = metric == .generation ? problem.generationTokens : 1

        // Each cell: its own cache on top of the base's first p positions; layers ≤ ℓt at p..<T are
        // unchanged by the patch, so they are copied rather than recomputed.
        var caches: [KVCache] = []
        var rows: [BatchRow] = []
        var input: [Float] = []
        rows.reserveCapacity(pairs.count * span)
        input.reserveCapacity(pairs.count * span * dim)
        for (seq, i) in order.enumerated() {
            let (s, t) = pairs[i]
            let cache = KVCache(sharing: baseCache, length: p, capacity: span + steps)
            cache.copy(from: baseCache, layers: 0..<(t + 1), positions: p..<T)
            caches.append(cache)
            for pos in p..<T {
                rows.append(BatchRow(sequence: seq, position: pos, startLayer: t + 1))
                input += pos == p ? base[s][(pos * dim)..<((pos + 1) * dim)] : base[t][(pos * dim)..<((pos + 1) * dim)]
            }
        }
        let lastRows = (0..<order.count).map { $0 * span + span - 1 }
        let first = model.transformer.forward(rows: rows, input: .residuals(input), caches: caches, logits: .rows(lastRows))

        let probs = (0..<order.count).map { probabilityAndRank(first.logits($0, vocab: vocab), token: problem.answerToken) }
        // Greedy generation for all cells at once, one batched forward per token.
        let generated = metric == .generation
            ? try generate(caches: caches, targets: order.map { pairs[$0].target }, first: first, at: T, steps: steps,
                           untilDecided: untilDecided, cancel: cancel)
            : nil

        var result = [BackPatchCell?](repeating: nil, count: pairs.count)
        for (seq, i) in order.enumerated() {
            let (s, t) = pairs[i]
            let (prob, rank) = probs[seq]
            let generation = generated.map { model.tokenizer.decode($0.tokens[seq]) } ?? ""
            let correct = metric == .generation ? problem.isCorrect(generation) : rank == 1
            result[i] = BackPatchCell(position: position, source: s, target: t, generation: generation, correct: correct,
                                      answerProb: prob, answerRank: rank, stoppedOnceCorrect: generated?.decided[seq] ?? false)
        }
        return result.map { $0! }
    }

    /// Greedy generation of every cell after its patched pass, sharing the blocks cells have in common.
    ///
    /// A cell's keys and values of blocks ≤ its target ℓt are the unpatched run's at the prompt, so
    /// cells that have generated the same tokens so far compute the same thing in blocks 0 … ℓt for
    /// the next token: `GreedyBatch`'s shared blocks with floor ℓt + 1. With `untilDecided`, a cell
    /// stops once its text names e3 with more text after it (`AnswerMatcher.matchesWhateverFollows`).
    /// `first` holds each cell's logits at the last prompt position; the first new token goes to `at`.
    private func generate(caches: [KVCache], targets: [Int], first: ForwardResult, at start: Int, steps: Int,
                          untilDecided: Bool, cancel: CancellationToken?) throws -> (tokens: [[Int32]], decided: [Bool]) {
        var decided = [Bool](repeating: false, count: caches.count)
        let tokens = try GreedyBatch.continueGreedy(
            model: model, caches: caches, firstLogits: GreedyBatch.rows(first, vocab: model.config.vocabSize),
            positions: Array(repeating: start, count: caches.count), maxTokens: steps, floors: targets.map { $0 + 1 },
            stop: !untilDecided ? nil : { seq, tokens in
                decided[seq] = self.problem.answer.matchesWhateverFollows(self.model.tokenizer.decode(tokens))
                return decided[seq]
            }, cancel: cancel)
        return (tokens, decided)
    }

    private func checkPair(source: Int, target: Int) throws {
        guard source > target, target >= 0, source < layers else {
            throw AnalysisError.badOption("back-patch needs 0 ≤ target < source < \(layers), got source \(source), target \(target)")
        }
    }
}
