/// One entry of a GGUF tensor table: name, element type, shape and where its bytes are.
public struct GGUFTensorInfo: Sendable, Equatable {
    public let name: String
    public let type: GGMLType
    /// ggml's `ne`: `shape[0]` is contiguous, so a Linear weight [out, in] has shape [in, out].
    public let shape: [Int]
    /// Byte offset of the data relative to the start of the data section.
    public let offset: Int
    /// Bytes the tensor occupies.
    public let byteCount: Int

    public var elementCount: Int { shape.reduce(1, *) }
    /// Elements of one row (`ne[0]`).
    public var rowElements: Int { shape.first ?? 1 }
    /// Number of rows (product of `ne[1...]`).
    public var rows: Int { shape.dropFirst().reduce(1, *) }
    /// Bytes of one row.
    public var rowBytes: Int { (rowElements / type.blockElements) * type.blockBytes }
}

extension GGUFTensorInfo {
    /// The rows `range` of a matrix (or the elements `range` of a vector), as a tensor of its own.
    ///
    /// Fused tensors (phi3's `attn_qkv`, `ffn_up` holding gate then up) are read as views: rows are
    /// contiguous, so a range of rows is a contiguous byte range. Nil when the range is outside the
    /// tensor or a vector's bounds are not whole blocks.
    public func slice(_ range: Range<Int>, name: String) -> GGUFTensorInfo? {
        if shape.count == 1 {
            let n = shape[0], b = type.blockElements
            guard range.lowerBound >= 0, range.upperBound <= n, range.lowerBound % b == 0, range.upperBound % b == 0 else { return nil }
            let bytes = range.count / b * type.blockBytes
            return GGUFTensorInfo(name: name, type: type, shape: [range.count],
                                  offset: offset + range.lowerBound / b * type.blockBytes, byteCount: bytes)
        }
        guard shape.count == 2, range.lowerBound >= 0, range.upperBound <= shape[1] else { return nil }
        return GGUFTensorInfo(name: name, type: type, shape: [shape[0], range.count],
                              offset: offset + range.lowerBound * rowBytes, byteCount: range.count * rowBytes)
    }
}
