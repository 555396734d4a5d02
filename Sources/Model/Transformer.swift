import CKernels
import Foundation

/// The decoder stack of every family (Families/): one forward function, hook points between its steps.
///
/// The family decides the variant steps (pre/post norms, biases, q/k norms, activation, soft-caps,
/// sliding windows, RoPE); the hook points mean the same in every family: the embedding output, the
/// attention output and the MLP output of block l (after their post-norms, the values added to the
/// residual stream), the block output, and attention edges.
///
/// Rows of a batch may belong to different sequences (each with its own KV cache) and may enter at
/// different layers (rows sorted by `startLayer`), so a back-patching grid runs as one batch.
public final class Transformer: @unchecked Sendable {
    public let config: ModelConfig
    let weights: ModelWeights

    /// RoPE of global and of sliding-window layers.
    let ropeGlobal, ropeLocal: Rope

    init(config: ModelConfig, weights: ModelWeights) {
        self.config = config
        self.weights = weights
        ropeGlobal = Rope(style: config.ropeStyle, dims: config.ropeDims, parameters: config.rope, factors: weights.ropeFactors)
        ropeLocal = Rope(style: config.ropeStyle, dims: config.ropeDims, parameters: config.ropeLocal, factors: weights.ropeFactors)
    }

    /// Runs `rows` through the model, writing their keys and values into `caches`.
    ///
    /// Requirements (checked): rows sorted by `startLayer`; every row's position at or after its cache's
    /// shared prefix; earlier positions of each sequence already in its cache for every layer the row runs.
    public func forward(rows: [BatchRow], input: BatchInput, caches: [KVCache], hooks: Hooks? = nil,
                        logits selection: LogitRows = .last) -> ForwardResult {
        let c = config
        let n = rows.count, dim = c.dim
        var result = ForwardResult()
        guard n > 0 else { return result }
        precondition(zip(rows, rows.dropFirst()).allSatisfy { $0.startLayer <= $1.startLayer }, "rows must be sorted by startLayer")
        for r in rows {
            precondition(r.position >= caches[r.sequence].prefixLength, "row writes into a shared prefix")
            caches[r.sequence].reserve(through: r.position)
        }
        let hooks = (hooks?.isEmpty ?? true) ? nil : hooks
        let sites = hooks.map { HookSites($0, rows: rows, dim: dim) }

        // Activations, allocated once per call.
        let x = Buffer(n * dim)             // (n, dim) residual stream
        let xb = Buffer(n * dim)            // (n, dim) normed input of a sublayer
        let q = Buffer(n * c.qDim)          // (n, heads · headDim)
        let k = Buffer(n * c.kvDim)         // (n, kvHeads · headDim)
        let v = Buffer(n * c.kvDim)
        let att = Buffer(n * c.qDim)        // (n, heads · headDim) attention-weighted values
        let sub = Buffer(n * dim)           // (n, dim) sublayer output (attention or MLP)
        let hb = Buffer(n * c.ffnDim)       // (n, ffn) gate
        let hb2 = Buffer(n * c.ffnDim)      // (n, ffn) up
        defer { [x, xb, q, k, v, att, sub, hb, hb2].forEach { $0.free() } }

        // Embedding (rows entering at layer 0) or given residuals.
        switch input {
        case .tokens(let ids):
            precondition(ids.count == n && rows.allSatisfy { $0.startLayer == 0 || $0.parent != nil })
            for i in 0..<n where rows[i].parent == nil {
                weights.embedding.row(Int(ids[i]), into: x.p + i * dim)
                if c.embeddingScale != 1 { for j in 0..<dim { x.p[i * dim + j] *= c.embeddingScale } }
            }
            sites?.apply(.embedding, x.p, active: n, into: &result)
        case .residuals(let values):
            precondition(values.count == n * dim)
            values.withUnsafeBufferPointer { x.p.update(from: $0.baseAddress!, count: n * dim) }
        }

        let firstLayer = rows[0].startLayer
        var active = 0
        for l in firstLayer..<c.layers {
            while active < n && rows[active].startLayer <= l {
                if let p = rows[active].parent { fork(active, from: p, layer: l, rows: rows, caches: caches, x: x.p) }
                active += 1
            }
            let a = active
            let w = weights.blocks[l]

            // Attention: (norm) → q, k, v (+ bias, + q/k norm) → rope → cache → softmax(q·k)·v → output (+ bias, + post-norm).
            let attnIn = preNorm(w.attnNorm, x: x.p, into: xb.p, rows: a)
            w.wq.apply(attnIn, n: a, q.p)
            w.wk.apply(attnIn, n: a, k.p)
            w.wv.apply(attnIn, n: a, v.p)
            addBias(w.bq, q.p, rows: a, width: c.qDim)
            addBias(w.bk, k.p, rows: a, width: c.kvDim)
            addBias(w.bv, v.p, rows: a, width: c.kvDim)
            if let qn = w.qNorm, let kn = w.kNorm {
                // Per head (qwen3, gemma3) or over the whole projection (olmo2).
                let (qw, kw) = c.qkNorm == .whole ? (c.qDim, c.kvDim) : (c.headDim, c.headDim)
                for h in 0..<(a * c.qDim / qw) { VectorMath.rmsNorm(q.p + h * qw, qn, q.p + h * qw, qw, eps: c.normEps) }
                for h in 0..<(a * c.kvDim / kw) { VectorMath.rmsNorm(k.p + h * kw, kn, k.p + h * kw, kw, eps: c.normEps) }
            }
            applyRope(layer: l, rows: rows, active: a, q: q.p, k: k.p)
            for i in 0..<a {
                let r = rows[i], cache = caches[r.sequence]
                cache.key(l, r.position).update(from: k.p + i * c.kvDim, count: c.kvDim)
                cache.value(l, r.position).update(from: v.p + i * c.kvDim, count: c.kvDim)
            }
            let means = attention(layer: l, rows: rows, active: a, caches: caches, q: q.p, out: att.p,
                                  blocked: hooks?.blockedEdges[l], record: hooks?.recordAttention.contains(l) == true)
            if let means { result.attention[l] = means }
            w.wo.apply(att.p, n: a, sub.p)
            addBias(w.bo, sub.p, rows: a, width: dim)
            if let post = w.postAttnNorm {
                for i in 0..<a { VectorMath.rmsNorm(sub.p + i * dim, post, sub.p + i * dim, dim, eps: c.normEps) }
            }
            sites?.apply(.attention(l), sub.p, active: a, into: &result)
            for i in 0..<(a * dim) { x.p[i] += sub.p[i] }

            // MLP: (norm) → act(gate) · up → down (+ biases, + post-norm).
            let mlpIn = preNorm(w.ffnNorm, x: x.p, into: xb.p, rows: a)
            w.gate.apply(mlpIn, n: a, hb.p)
            w.up.apply(mlpIn, n: a, hb2.p)
            addBias(w.bGate, hb.p, rows: a, width: c.ffnDim)
            addBias(w.bUp, hb2.p, rows: a, width: c.ffnDim)
            switch c.activation {
            case .geluTanh:
                for i in 0..<(a * c.ffnDim) { hb.p[i] = VectorMath.geluTanh(hb.p[i]) * hb2.p[i] }
            case .silu:
                hs_silu_mul(hb.p, hb2.p, Int64(a * c.ffnDim))
            }
            w.down.apply(hb.p, n: a, sub.p)
            addBias(w.bDown, sub.p, rows: a, width: dim)
            if let post = w.postFfnNorm {
                for i in 0..<a { VectorMath.rmsNorm(sub.p + i * dim, post, sub.p + i * dim, dim, eps: c.normEps) }
            }
            sites?.apply(.mlp(l), sub.p, active: a, into: &result)
            for i in 0..<(a * dim) { x.p[i] += sub.p[i] }

            // Block output: the residual stream after layer l.
            sites?.apply(.block(l), x.p, active: a, into: &result)
        }

        result.finalResidual = Array(UnsafeBufferPointer(start: x.p, count: n * dim))
        let logitRows: [Int]
        switch selection {
        case .none: logitRows = []
        case .all: logitRows = Array(0..<n)
        case .rows(let r): logitRows = r
        case .last: logitRows = [n - 1]
        }
        if !logitRows.isEmpty {
            let sel = logitRows.flatMap { result.finalResidual[($0 * dim)..<(($0 + 1) * dim)] }
            result.logits = unembed(sel, count: logitRows.count)
            result.logitRows = logitRows
        }
        return result
    }

    /// Final norm + unembedding of `count` residual vectors (count, dim) → (count, vocab) logits.
    /// This is also the logit lens: any layer's residual read through the model's own head.
    public func unembed(_ residuals: [Float], count: Int) -> [Float] {
        let dim = config.dim
        precondition(residuals.count == count * dim)
        guard count > 0 else { return [] }
        let normed = Buffer(count * dim)
        defer { normed.free() }
        residuals.withUnsafeBufferPointer { r in
            for i in 0..<count { VectorMath.rmsNorm(r.baseAddress! + i * dim, weights.outputNorm, normed.p + i * dim, dim, eps: config.normEps) }
        }
        var out = [Float](repeating: 0, count: count * config.vocabSize)
        out.withUnsafeMutableBufferPointer { weights.output.apply(normed.p, n: count, $0.baseAddress!) }
        if let b = weights.outputBias {
            for i in 0..<count { for j in 0..<config.vocabSize { out[i * config.vocabSize + j] += b[j] } }
        }
        if let cap = config.finalSoftcap {
            for i in out.indices { out[i] = cap * tanhf(out[i] / cap) }
        }
        return out
    }

    /// The RMS-normed rows of `x` in `into`, or `x` itself for a family without pre-norms (olmo2).
    private func preNorm(_ weight: [Float]?, x: UnsafeMutablePointer<Float>, into xb: UnsafeMutablePointer<Float>, rows a: Int) -> UnsafeMutablePointer<Float> {
        guard let weight else { return x }
        let dim = config.dim
        for i in 0..<a { VectorMath.rmsNorm(x + i * dim, weight, xb + i * dim, dim, eps: config.normEps) }
        return xb
    }

    /// Adds `bias` (width,) to each of `rows` rows.
    private func addBias(_ bias: [Float]?, _ y: UnsafeMutablePointer<Float>, rows: Int, width: Int) {
        guard let bias else { return }
        bias.withUnsafeBufferPointer { b in
            for i in 0..<rows { for j in 0..<width { y[i * width + j] += b[j] } }
        }
    }

    // MARK: Steps

    /// Starts row `i` at block `l` as a copy of row `p`: its residual, and its keys and values below `l`.
    private func fork(_ i: Int, from p: Int, layer l: Int, rows: [BatchRow], caches: [KVCache], x: UnsafeMutablePointer<Float>) {
        let r = rows[i], parent = rows[p]
        precondition(p < i && parent.position == r.position && parent.startLayer <= l,
                     "row \(i) forks from row \(p), which must come earlier, run below block \(l), at the same position")
        (x + i * config.dim).update(from: x + p * config.dim, count: config.dim)
        caches[r.sequence].copy(from: caches[parent.sequence], layers: 0..<l, positions: r.position..<(r.position + 1))
    }

    private func applyRope(layer l: Int, rows: [BatchRow], active a: Int, q: UnsafeMutablePointer<Float>, k: UnsafeMutablePointer<Float>) {
        let c = config
        let rope = c.isLocal(l) ? ropeLocal : ropeGlobal
        let half = c.ropeDims / 2
        let cs = Buffer(2 * half)
        defer { cs.free() }
        var tablePosition = -1     // rows of a batch mostly share positions: compute each table once
        for i in 0..<a {
            if rows[i].position != tablePosition {
                rope.table(rows[i].position, cos: cs.p, sin: cs.p + half)
                tablePosition = rows[i].position
            }
            rope.apply(q + i * c.qDim, heads: c.heads, headDim: c.headDim, cos: cs.p, sin: cs.p + half)
            rope.apply(k + i * c.kvDim, heads: c.kvHeads, headDim: c.headDim, cos: cs.p, sin: cs.p + half)
        }
    }

    /// Causal (optionally sliding-window) grouped-query attention of each active row over its cache.
    private func attention(layer l: Int, rows: [BatchRow], active a: Int, caches: [KVCache],
                           q: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>,
                           blocked: Set<AttentionEdge>?, record: Bool) -> [[Float]]? {
        let c = config
        let group = c.heads / c.kvHeads
        let window = c.isLocal(l) ? c.slidingWindow : nil
        let maxPos = rows[0..<a].map(\.position).max() ?? 0
        var means: [[Float]] = !record ? [] : rows[0..<a].map { [Float](repeating: 0, count: $0.position + 1) }
        let work = a * (maxPos + 1) * c.heads
        means.withUnsafeMutableBufferPointer { meansBuf in
            Parallel.forEachChunk(0..<a, minChunk: work > 1 << 15 ? 1 : a) { chunk in
                let scores = Buffer(maxPos + 1)
                defer { scores.free() }
                for i in chunk {
                    let r = rows[i], cache = caches[r.sequence]
                    let lo = window.map { max(0, r.position - $0 + 1) } ?? 0
                    let span = r.position - lo + 1
                    let kvDim = c.kvDim, headDim = c.headDim, scale = c.attentionScale
                    for h in 0..<c.heads {
                        let qh = q + i * c.qDim + h * headDim
                        let kvOff = (h / group) * headDim
                        cache.forEachRun(l, lo..<(r.position + 1)) { first, count, key, _ in
                            for j in 0..<count {
                                scores.p[first - lo + j] = VectorMath.dot(qh, key + j * kvDim + kvOff, headDim) * scale
                            }
                        }
                        if let cap = c.attentionSoftcap {
                            for j in 0..<span { scores.p[j] = cap * tanhf(scores.p[j] / cap) }
                        }
                        if let blocked {
                            for j in 0..<span where blocked.contains(AttentionEdge(query: r.position, key: lo + j))
                                || blocked.contains(AttentionEdge(query: r.position, key: lo + j, sequence: r.sequence)) {
                                scores.p[j] = -.infinity
                            }
                        }
                        VectorMath.softmax(scores.p, span)
                        let o = out + i * c.qDim + h * headDim
                        o.initialize(repeating: 0, count: headDim)
                        cache.forEachRun(l, lo..<(r.position + 1)) { first, count, _, value in
                            for j in 0..<count where scores.p[first - lo + j] != 0 {
                                VectorMath.axpy(scores.p[first - lo + j], value + j * kvDim + kvOff, o, headDim)
                            }
                        }
                        if !meansBuf.isEmpty {
                            for j in 0..<span { meansBuf[i][lo + j] += scores.p[j] / Float(c.heads) }
                        }
                    }
                }
            }
        }
        return record ? means : nil
    }
}

/// A raw float buffer for activations of one forward call.
struct Buffer {
    let p: UnsafeMutablePointer<Float>
    init(_ count: Int) {
        p = .allocate(capacity: max(count, 1))
        p.initialize(repeating: 0, count: max(count, 1))
    }
    func free() { p.deallocate() }
}

/// Overwrites and recordings of one forward call, indexed by hook point and row.
struct HookSites {
    let dim: Int
    let rowCount: Int
    var overwrites: [HookPoint: [(row: Int, vector: [Float])]] = [:]
    let record: Set<HookPoint>

    init(_ hooks: Hooks, rows: [BatchRow], dim: Int) {
        self.dim = dim
        rowCount = rows.count
        record = hooks.record
        var rowOf: [HookSiteKey: Int] = [:]
        for (i, r) in rows.enumerated() { rowOf[HookSiteKey(sequence: r.sequence, position: r.position)] = i }
        for (site, vector) in hooks.overwrites {
            precondition(vector.count == dim, "overwrite at \(site.point) has \(vector.count) values, expected \(dim)")
            if let row = rowOf[HookSiteKey(sequence: site.sequence, position: site.position)] {
                overwrites[site.point, default: []].append((row, vector))
            }
        }
    }

    /// Applies overwrites at `point` to active rows, then records the (possibly overwritten) values.
    func apply(_ point: HookPoint, _ values: UnsafeMutablePointer<Float>, active: Int, into result: inout ForwardResult) {
        if let list = overwrites[point] {
            for (row, vector) in list where row < active {
                vector.withUnsafeBufferPointer { (values + row * dim).update(from: $0.baseAddress!, count: dim) }
            }
        }
        if record.contains(point) {
            var out = [Float](repeating: 0, count: rowCount * dim)
            out.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: values, count: active * dim) }
            result.recorded[point] = out
        }
    }
}

private struct HookSiteKey: Hashable {
    var sequence: Int
    var position: Int
}
