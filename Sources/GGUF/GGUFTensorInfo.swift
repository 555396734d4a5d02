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
