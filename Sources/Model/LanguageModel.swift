import CKernels
import Foundation
import GGUF

/// A loaded GGUF model: configuration, tokenizer, weights and the forward pass.
///
/// ```swift
/// let model = try LanguageModel(path: ModelPaths.resolve(nil))
/// let ids = model.tokenizer.encode("The capital of France is")
/// let next = model.greedyNext(ids)          // " Paris"
/// ```
public final class LanguageModel: @unchecked Sendable {
    public let file: GGUFFile
    public let config: ModelConfig
    public let transformer: Transformer
    public let tokenizer: Tokenizer
    /// A short display name ("SmolLM2-135M-Instruct Q4_1").
    public let name: String

    /// Largest f32 weight copy kept for fast batched evaluation (bytes); `HOPSCOPE_DENSE_MB` overrides.
    public static var denseBudget: Int {
        if let s = ProcessInfo.processInfo.environment["HOPSCOPE_DENSE_MB"], let mb = Int(s) { return mb << 20 }
        return 2 << 30
    }

    /// Opens, validates and prepares the model at `path`.
    ///
    /// Refuses (`ModelError.tooLarge`) a model whose weights do not fit in the memory available now,
    /// before allocating anything large, rather than be killed by the kernel halfway through.
    public convenience init(path: String) throws(ModelError) {
        try self.init(path: path, availableMemory: LanguageModel.availableMemory())
    }

    /// `availableMemory`: bytes the model may use (nil: no check).
    convenience init(path: String, availableMemory: Int?) throws(ModelError) {
        try self.init(path: path, availableMemory: availableMemory, dense: nil, integerKernels: nil)
    }

    /// As `init(path:availableMemory:)`; `dense` forces the f32 copies on
    /// or off (nil: when they fit the budget); `integerKernels` (nil: the default, see
    /// QuantizedLinear.swift) chooses the integer kernels for matrices without an f32 copy. For tests.
    init(path: String, availableMemory: Int?, dense: Bool?, integerKernels: Bool?) throws(ModelError) {
        _ = LanguageModel.allocatorTuned
        do { file = try GGUFFile(path: path) } catch { throw .gguf(error) }
        config = try ModelConfig(gguf: file)
        let weights = try ModelWeights(file: file, config: config)
        do { tokenizer = try Tokenizer(gguf: file) } catch let e as ModelError { throw e } catch {
            throw .tokenizer("\(error)")
        }
        guard tokenizer.vocabSize <= config.vocabSize else {
            throw .badConfig("the tokenizer has \(tokenizer.vocabSize) tokens, more than the \(config.vocabSize) rows of 'token_embd.weight'")
        }
        transformer = Transformer(config: config, weights: weights)
        name = LanguageModel.displayName(file: file, path: path)
        let linears = weights.linears
        let denseTotal = linears.reduce(0) { $0 + $1.denseBytes }
        var useDense = dense ?? (denseTotal <= LanguageModel.denseBudget)
        if let integerKernels { for l in linears { l.integerKernels = integerKernels } }
        if let available = availableMemory {
            // The f32 copy only speeds up batches: without room for it, run from the quantized weights.
            if useDense && file.fileSize + denseTotal > available { useDense = false }
            try LanguageModel.checkMemory(file: file, dense: useDense ? denseTotal : 0, available: available)
        }
        if useDense { weights.denseArena = DenseArena(linears, bytes: denseTotal) }
    }

    // MARK: One-time weight copies

    /// Makes the one-time weight copies now (the Q4_0 / Q4_K / Q6_K repacks of models without an f32 copy,
    /// RepackedWeights.swift) rather than in the first forward pass, and returns how many were made. Opening
    /// stays instant either way; on a background thread (`inBackground`, what the explorer does while
    /// the user types) a forward pass meanwhile packs what it needs first and waits at most for the
    /// matrix being packed. A no-op for models without such copies.
    @discardableResult
    public func prepareWeights(inBackground: Bool = false) -> Int {
        let w = transformer.weights
        // The embedding is only looked up (rows), unless it doubles as the output matrix.
        let products = w.linears.filter { $0 !== w.embedding || w.output === w.embedding }
        let pending = products.filter { $0.repacks && !$0.isRepacked }
        guard !pending.isEmpty else { return 0 }
        if inBackground {
            // A thread of its own: a Dispatch queue could wait for a pool thread that the caller's
            // other work (the explorer's queues, concurrent tests) keeps busy.
            Thread.detachNewThread { for l in pending { _ = l.repacked() } }
        } else {
            for l in pending { _ = l.repacked() }
        }
        return pending.count
    }

    // MARK: Memory

    /// Keeps large activation buffers (a grid step's logits are ~85 MB) on the heap instead of a fresh
    /// mmap per call: glibc's default maps each one anew, and the kernel zero-fills every page on first
    /// touch, every time — ~10 % of a back-patch grid. Freed memory is reused, not returned; peak RSS is unchanged.
    static let allocatorTuned: Bool = {
        hs_keep_large_allocations_on_heap()
        return true
    }()

    /// Bytes available for a model: `HOPSCOPE_MEMORY_LIMIT_MB` if set, else `MemAvailable` from
    /// /proc/meminfo (nil where there is none: no check).
    static func availableMemory(environment: [String: String] = ProcessInfo.processInfo.environment) -> Int? {
        if let s = environment["HOPSCOPE_MEMORY_LIMIT_MB"], let mb = Int(s), mb >= 0 { return mb << 20 }
        guard let info = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) else { return nil }
        for line in info.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
            // "MemAvailable:   22622088 kB"
            if let kb = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) { return kb << 10 }
        }
        return nil
    }

    /// Throws `tooLarge` unless the weights fit in `available` bytes: the mapped file (its pages
    /// become page cache as the forward pass reads them) plus the f32 copies `makeDense` allocates.
    static func checkMemory(file: GGUFFile, dense: Int, available: Int) throws(ModelError) {
        let needed = file.fileSize + dense
        guard needed > available else { return }
        func mb(_ bytes: Int) -> Int { (bytes + (1 << 20) - 1) >> 20 }
        var parts = "\(mb(file.fileSize)) MB of weights"
        if dense > 0 { parts += " + \(mb(dense)) MB of f32 copies" }
        throw .tooLarge("\(file.path): the model needs \(mb(needed)) MB of memory (\(parts)), but only \(mb(available)) MB is available")
    }

    static func displayName(file: GGUFFile, path: String) -> String {
        let base = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        return base.replacingOccurrences(of: ".", with: " ")
    }

    /// An empty KV cache sized for `capacity` positions.
    public func makeCache(capacity: Int = 64) -> KVCache {
        KVCache(layers: config.layers, kvDim: config.kvDim, capacity: capacity)
    }

    /// Runs a whole prompt from position 0 in a fresh cache; returns the result and the cache.
    public func run(_ ids: [Int32], hooks: Hooks? = nil, logits: LogitRows = .last) throws(ModelError) -> (ForwardResult, KVCache) {
        try checkTokens(ids)
        let cache = makeCache(capacity: ids.count + 16)
        let rows = ids.indices.map { BatchRow(position: $0) }
        return (transformer.forward(rows: rows, input: .tokens(ids), caches: [cache], hooks: hooks, logits: logits), cache)
    }

    /// Raw next-token logits after `ids` (vocab,).
    public func nextLogits(_ ids: [Int32]) throws(ModelError) -> [Float] {
        try run(ids).0.logits
    }

    /// Greedy generation of up to `maxTokens` tokens after `ids`, stopping at end-of-sequence.
    /// `beforeStep` runs before each token after the first; returning false stops there (cancellation).
    public func generate(_ ids: [Int32], maxTokens: Int, hooks: Hooks? = nil,
                         beforeStep: (() -> Bool)? = nil) throws(ModelError) -> [Int32] {
        guard maxTokens > 0 else { return [] }
        try checkTokens(ids, extra: maxTokens)
        let cache = makeCache(capacity: ids.count + maxTokens)
        var result = transformer.forward(rows: ids.indices.map { BatchRow(position: $0) }, input: .tokens(ids),
                                         caches: [cache], hooks: hooks)
        var out: [Int32] = []
        var pos = ids.count
        while true {
            let next = Int32(argmax(result.logits))
            if tokenizer.isEndOfGeneration(next) { break }
            out.append(next)
            if out.count == maxTokens { break }
            if let beforeStep, !beforeStep() { break }
            result = transformer.forward(rows: [BatchRow(position: pos)], input: .tokens([next]), caches: [cache])
            pos += 1
        }
        return out
    }

    /// Checks ids are in the vocabulary and fit the context.
    public func checkTokens(_ ids: [Int32], extra: Int = 0) throws(ModelError) {
        guard !ids.isEmpty else { throw .badInput("the prompt is empty (no tokens)") }
        if let bad = ids.first(where: { $0 < 0 || Int($0) >= config.vocabSize }) {
            throw .badInput("token id \(bad) is outside the vocabulary of \(config.vocabSize)")
        }
        if ids.count + extra > config.contextLength {
            throw .contextOverflow(needed: ids.count + extra, limit: config.contextLength)
        }
    }
}

/// Index of the largest value (the first on ties; NaNs never win), as greedy decoding picks.
///
/// Vectorized: the maximum over 16-lane blocks, then the first index holding it; falls back to the
/// plain scan for inputs without an ordinary maximum (all NaN).
@inlinable
public func argmax(_ values: UnsafeBufferPointer<Float>) -> Int {
    let n = values.count
    guard n >= 64, let base = values.baseAddress else { return argmaxScan(values) }
    var m = SIMD16<Float>(repeating: -.infinity)
    var i = 0
    while i + 16 <= n {
        let v = UnsafeRawPointer(base + i).loadUnaligned(as: SIMD16<Float>.self)
        m.replace(with: v, where: v .> m)      // NaN lanes compare false: skipped, as in the scan
        i += 16
    }
    var best = m.max()
    while i < n { if base[i] > best { best = base[i] }; i += 1 }
    guard best > -.infinity else { return argmaxScan(values) }
    for j in 0..<n where base[j] == best { return j }
    return argmaxScan(values)
}

/// Probability of `values[token]` under softmax(values) and its rank (1 + the number of strictly larger
/// values), vectorized (CKernels' hs_softmax_standing: float32 exponentials summed in double).
public func softmaxStanding(_ values: UnsafeBufferPointer<Float>, token: Int) -> (prob: Float, rank: Int) {
    precondition(token >= 0 && token < values.count, "token \(token) outside \(values.count) values")
    var prob: Float = 0
    var rank: Int64 = 0
    hs_softmax_standing(values.baseAddress!, Int64(values.count), Int64(token), &prob, &rank)
    return (prob, Int(rank))
}

/// argmax by a plain scan.
@inlinable
public func argmaxScan(_ values: UnsafeBufferPointer<Float>) -> Int {
    var best = 0
    var bestValue = -Float.infinity
    for i in 0..<values.count where values[i] > bestValue {
        best = i
        bestValue = values[i]
    }
    return best
}

/// Index of the largest value (the first on ties).
@inlinable public func argmax(_ values: [Float]) -> Int { values.withUnsafeBufferPointer { argmax($0) } }

/// Index of the largest value, counted from the slice's start (the first on ties).
@inlinable public func argmax(_ values: ArraySlice<Float>) -> Int { values.withUnsafeBufferPointer { argmax($0) } }
