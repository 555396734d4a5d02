/// One row of a forward batch: a position of a sequence, entering the model at `startLayer`.
public struct BatchRow: Sendable, Equatable {
    /// Index into the batch's caches.
    public var sequence: Int
    /// Absolute position in that sequence.
    public var position: Int
    /// First block the row runs through (0 = from the embedding).
    public var startLayer: Int
    /// A row (index into the batch, earlier in it, at the same position) this row forks from: the row's
    /// input is the parent's residual entering block `startLayer`, and its cache receives the parent's
    /// keys and values of blocks below `startLayer` at this position. For rows whose computation below
    /// `startLayer` is provably the parent's (back-patch cells above their target layer); its input
    /// value in `BatchInput` is ignored.
    public var parent: Int?

    public init(sequence: Int = 0, position: Int, startLayer: Int = 0, parent: Int? = nil) {
        self.sequence = sequence
        self.position = position
        self.startLayer = startLayer
        self.parent = parent
    }
}

/// What enters the model for each row.
public enum BatchInput: Sendable {
    /// One token per row; every row starts at the embedding (startLayer 0) or forks from a parent.
    case tokens([Int32])
    /// (rows, dim) residual vectors: for row i, the input of block `rows[i].startLayer`
    /// (= the output of block startLayer − 1, or the embedding output when it is 0).
    case residuals([Float])
}

/// Which rows get next-token logits.
public enum LogitRows: Sendable {
    case none
    case all
    case rows([Int])
    /// The last row (the usual "next token after the prompt").
    case last
}

/// What a forward pass returns.
public struct ForwardResult: Sendable {
    /// Rows (indices into the batch) that have logits, in order.
    public var logitRows: [Int] = []
    /// (logitRows.count, vocab) raw logits.
    public var logits: [Float] = []
    /// Recorded activations per hook point: (rows, dim); rows not run at that point hold zeros.
    public var recorded: [HookPoint: [Float]] = [:]
    /// Per recorded layer, per row: attention probabilities over positions 0...position, mean over heads.
    public var attention: [Int: [[Float]]] = [:]
    /// (rows, dim): the residual stream after the last block.
    public var finalResidual: [Float] = []

    /// Logits of the i-th logit row.
    public func logits(_ i: Int, vocab: Int) -> ArraySlice<Float> { logits[(i * vocab)..<((i + 1) * vocab)] }
}
