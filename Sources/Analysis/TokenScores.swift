import Model

/// One vocabulary entry with its probability: a row of a top-k list.
public struct TokenScore: Codable, Sendable, Equatable {
    public var id: Int32
    public var piece: String
    public var prob: Float

    public init(id: Int32, piece: String, prob: Float) {
        self.id = id
        self.piece = piece
        self.prob = prob
    }
}

/// The probability and rank of one token in a distribution (rank 1 = most probable).
public struct TokenStanding: Codable, Sendable, Equatable {
    public var rank: Int
    public var prob: Float

    public init(rank: Int, prob: Float) {
        self.rank = rank
        self.prob = prob
    }
}

/// A softmax distribution over the vocabulary, computed in f32 from raw logits.
public struct Distribution: Sendable {
    /// (vocab,) probabilities.
    public let probs: [Float]
    /// (vocab,) the raw logits the probabilities came from (ranks compare these, as back-patching does).
    public let logits: [Float]

    /// softmax(logits): subtract the max, exponentiate, normalise (as the model's own sampler does).
    public init<C: Collection>(logits: C) where C.Element == Float {
        let raw = Array(logits)
        var p = raw
        var m = -Float.infinity
        for x in p where x > m { m = x }
        var s: Float = 0
        for i in p.indices { p[i] = expf(p[i] - m); s += p[i] }
        let inv = 1 / s
        for i in p.indices { p[i] *= inv }
        probs = p
        self.logits = raw
    }

    /// Rank and probability of `id`: rank = 1 + the number of tokens with a strictly larger logit.
    public func standing(of id: Int32) -> TokenStanding {
        let x = logits[Int(id)]
        var above = 0
        for y in logits where y > x { above += 1 }
        return TokenStanding(rank: above + 1, prob: probs[Int(id)])
    }

    /// The `k` most probable tokens, most probable first (lower id first on ties).
    public func top(_ k: Int, piece: (Int32) -> String) -> [TokenScore] {
        guard k > 0 else { return [] }
        var best: [(Int, Float)] = []      // sorted descending, at most k
        best.reserveCapacity(k + 1)
        for (i, p) in probs.enumerated() {
            if best.count == k, let last = best.last, p <= last.1 { continue }
            var j = best.count
            while j > 0 && best[j - 1].1 < p { j -= 1 }
            best.insert((i, p), at: j)
            if best.count > k { best.removeLast() }
        }
        return best.map { TokenScore(id: Int32($0.0), piece: piece(Int32($0.0)), prob: $0.1) }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
