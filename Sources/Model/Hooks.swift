/// A place in the forward pass where activations can be read or overwritten.
///
/// Each is a (dim,) vector per position: the embedding output, and per block ℓ the attention
/// output (what is added to the residual after attention), the MLP output, and the block output
/// (the residual stream after block ℓ — "layer ℓ" in the paper's sense).
public enum HookPoint: Hashable, Sendable, CustomStringConvertible {
    case embedding
    case attention(Int)
    case mlp(Int)
    case block(Int)

    public var description: String {
        switch self {
        case .embedding: return "embedding"
        case .attention(let l): return "attention[\(l)]"
        case .mlp(let l): return "mlp[\(l)]"
        case .block(let l): return "block[\(l)]"
        }
    }
}

/// One activation vector: a hook point at a position of a sequence in the batch.
public struct HookSite: Hashable, Sendable {
    public var point: HookPoint
    public var position: Int
    public var sequence: Int
    public init(_ point: HookPoint, position: Int, sequence: Int = 0) {
        self.point = point
        self.position = position
        self.sequence = sequence
    }
}

/// An attention edge from a query position to a key position, in every sequence of the batch or in one.
public struct AttentionEdge: Hashable, Sendable {
    public var query: Int
    public var key: Int
    /// The batch sequence (index into the caches) whose edge this is; nil: every sequence's.
    public var sequence: Int?
    public init(query: Int, key: Int, sequence: Int? = nil) { self.query = query; self.key = key; self.sequence = sequence }
}

/// What a forward pass should read, overwrite or block. Empty hooks cost nothing.
public struct Hooks: Sendable {
    /// Vectors written over activations; the overwrite is what later layers, positions and the cache see.
    public var overwrites: [HookSite: [Float]] = [:]
    /// Per layer, attention edges removed for every head (attention knockout).
    public var blockedEdges: [Int: Set<AttentionEdge>] = [:]
    /// Hook points whose activations the result returns for every row.
    public var record: Set<HookPoint> = []
    /// Layers whose attention probabilities (mean over heads) the result returns for every row.
    public var recordAttention: Set<Int> = []

    public init(overwrites: [HookSite: [Float]] = [:], blockedEdges: [Int: Set<AttentionEdge>] = [:],
                record: Set<HookPoint> = [], recordAttention: Set<Int> = []) {
        self.overwrites = overwrites
        self.blockedEdges = blockedEdges
        self.record = record
        self.recordAttention = recordAttention
    }

    public var isEmpty: Bool { overwrites.isEmpty && blockedEdges.isEmpty && record.isEmpty && recordAttention.isEmpty }

    /// Records every block output (the residual stream after each layer) and the embedding.
    public static func recordingResidualStream(layers: Int) -> Hooks {
        Hooks(record: Set([.embedding] + (0..<layers).map { HookPoint.block($0) }))
    }
}
