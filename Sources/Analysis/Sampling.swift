import Foundation
import GGUF

/// A small deterministic random number generator (GGUF's SplitMix64): the same seed gives the same
/// stream on every machine, so sampled Patchscopes are reproducible and independent of how cells are batched.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var core: SplitMix

    public init(seed: UInt64) { core = SplitMix(seed: seed) }

    /// A generator for one stream of a family: `seed` mixed with the stream's coordinates.
    public init(seed: UInt64, stream: [Int]) {
        var g = SeededGenerator(seed: seed ^ 0x9E37_79B9_7F4A_7C15)
        var s = g.next()
        for x in stream {
            g = SeededGenerator(seed: s ^ UInt64(bitPattern: Int64(x)) &* 0xBF58_476D_1CE4_E5B9)
            s = g.next()
        }
        core = SplitMix(seed: s)
    }

    public mutating func next() -> UInt64 { core.next() }

    /// A uniform double in [0, 1) (53 random bits).
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }
}

/// Sampling of the next token as `transformers`' `generate(do_sample=True)` does with its default
/// settings (the paper's Patchscopes): temperature 1, keep the `topK` (50) highest logits (and any tied
/// with the last of them), softmax over those, draw one.
public struct TopKSampler: Sendable, Equatable {
    public var topK: Int
    public var temperature: Double

    public init(topK: Int = 50, temperature: Double = 1) {
        self.topK = topK
        self.temperature = temperature
    }

    /// Draws a token id from `logits` with `rng`.
    public func sample<C: Collection>(_ logits: C, using rng: inout SeededGenerator) -> Int32 where C.Element == Float {
        // The k-th largest logit: everything at or above it is kept.
        let k = max(1, min(topK, logits.count))
        var top = [Float](); top.reserveCapacity(k + 1)
        for x in logits {
            if top.count == k, x <= top[k - 1] { continue }
            var j = top.count
            while j > 0 && top[j - 1] < x { j -= 1 }
            top.insert(x, at: j)
            if top.count > k { top.removeLast() }
        }
        let threshold = top[k - 1], m = Double(top[0])
        var kept: [(Int, Double)] = []
        var total = 0.0
        for (i, x) in logits.enumerated() where x >= threshold {
            let w = exp((Double(x) - m) / temperature)
            kept.append((i, w))
            total += w
        }
        var u = rng.unit() * total
        for (i, w) in kept {
            if u < w { return Int32(i) }
            u -= w
        }
        return Int32(kept.last!.0)
    }
}
