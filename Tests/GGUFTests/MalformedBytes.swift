import GGUF

/// A GGUF image written field by field, so a test can put any lie in any field.
///
/// ```swift
/// var g = MalformedBytes(tensors: 0, kv: 1)
/// g.key("general.architecture"); g.u32(8); g.string("llama")
/// ```
struct MalformedBytes {
    var bytes: [UInt8] = []

    /// Magic, version and the two counts.
    init(magic: [UInt8] = Array("GGUF".utf8), version: UInt32 = 3, tensors: UInt64, kv: UInt64) {
        bytes = magic
        u32(version)
        u64(tensors)
        u64(kv)
    }

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
    mutating func i32(_ v: Int32) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
    mutating func i64(_ v: Int64) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
    /// A GGUF string: u64 length, then the UTF-8 bytes.
    mutating func string(_ s: String) { u64(UInt64(s.utf8.count)); bytes += Array(s.utf8) }

    /// A key and its value type; the value follows.
    mutating func key(_ k: String, type: UInt32) { string(k); u32(type) }
    mutating func kvString(_ k: String, _ v: String) { key(k, type: 8); string(v) }
    mutating func kvU32(_ k: String, _ v: UInt32) { key(k, type: 4); u32(v) }

    /// One tensor-info record.
    mutating func tensor(_ name: String, dims: [Int64], type: UInt32 = 0, offset: UInt64 = 0) {
        string(name)
        u32(UInt32(dims.count))
        for d in dims { i64(d) }
        u32(type)
        u64(offset)
    }

    /// Zero bytes up to the next multiple of `alignment` (the start of the data section).
    mutating func pad(_ alignment: Int = 32) {
        while bytes.count % alignment != 0 { bytes.append(0) }
    }

    mutating func zeros(_ n: Int) { bytes += [UInt8](repeating: 0, count: n) }

    /// A one-tensor file that is valid: `t` F32 [8] at offset 0, preceded by `kv` pairs.
    static func oneTensor(_ extra: (inout MalformedBytes) -> Void = { _ in }, kvCount: UInt64 = 1) -> [UInt8] {
        var g = MalformedBytes(tensors: 1, kv: kvCount)
        g.kvString("general.architecture", "llama")
        extra(&g)
        g.tensor("t", dims: [8])
        g.pad()
        g.zeros(32)
        return g.bytes
    }
}
