/// A ggml tensor element type: how many elements a block holds and how many bytes it takes.
///
/// Values are ggml's type ids as stored in a GGUF tensor-info record. Quantized types pack
/// `blockElements` consecutive elements of a row (along `ne[0]`) into `blockBytes` bytes.
public enum GGMLType: UInt32, Sendable, CaseIterable, CustomStringConvertible {
    case f32 = 0
    case f16 = 1
    case q4_0 = 2
    case q4_1 = 3
    case q5_0 = 6
    case q5_1 = 7
    case q8_0 = 8
    case q2_K = 10
    case q3_K = 11
    case q4_K = 12
    case q5_K = 13
    case q6_K = 14
    case bf16 = 30

    /// Elements per block (1 for plain floats).
    public var blockElements: Int {
        switch self {
        case .f32, .f16, .bf16: return 1
        case .q4_0, .q4_1, .q5_0, .q5_1, .q8_0: return 32
        case .q2_K, .q3_K, .q4_K, .q5_K, .q6_K: return 256
        }
    }

    /// Bytes per block, as in ggml-common.h.
    public var blockBytes: Int {
        switch self {
        case .f32: return 4
        case .f16, .bf16: return 2
        case .q4_0: return 18   // fp16 d, 16 bytes of nibbles
        case .q4_1: return 20   // fp16 d, fp16 m, 16 bytes of nibbles
        case .q5_0: return 22   // fp16 d, u32 qh, 16 bytes of nibbles
        case .q5_1: return 24   // fp16 d, fp16 m, u32 qh, 16 bytes of nibbles
        case .q8_0: return 34   // fp16 d, 32 int8
        case .q2_K: return 84   // 16 scales/mins, 64 bytes of 2-bit quants, fp16 d, fp16 dmin
        case .q3_K: return 110  // 32 bytes hmask, 64 bytes of 2-bit quants, 12 bytes scales, fp16 d
        case .q4_K: return 144  // fp16 d, fp16 dmin, 12 bytes scales, 128 bytes of nibbles
        case .q5_K: return 176  // fp16 d, fp16 dmin, 12 bytes scales, 32 bytes qh, 128 bytes of nibbles
        case .q6_K: return 210  // 128 bytes ql, 64 bytes qh, 16 int8 scales, fp16 d
        }
    }

    /// ggml's name for the type ("Q4_K", "F32", …).
    public var description: String {
        switch self {
        case .f32: return "F32"
        case .f16: return "F16"
        case .bf16: return "BF16"
        case .q4_0: return "Q4_0"
        case .q4_1: return "Q4_1"
        case .q5_0: return "Q5_0"
        case .q5_1: return "Q5_1"
        case .q8_0: return "Q8_0"
        case .q2_K: return "Q2_K"
        case .q3_K: return "Q3_K"
        case .q4_K: return "Q4_K"
        case .q5_K: return "Q5_K"
        case .q6_K: return "Q6_K"
        }
    }

    /// Bytes taken by one row of `elements` elements; nil unless `elements` is a whole number of blocks.
    public func rowBytes(_ elements: Int) -> Int? {
        guard elements >= 0, elements % blockElements == 0 else { return nil }
        let (bytes, overflow) = (elements / blockElements).multipliedReportingOverflow(by: blockBytes)
        return overflow ? nil : bytes
    }
}
