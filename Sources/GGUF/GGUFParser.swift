/// A bounds-checked little-endian cursor over the file's bytes.
struct Reader {
    let base: UnsafeRawPointer?
    let count: Int
    var offset = 0

    var remaining: Int { count - offset }

    /// Throws a truncation error naming `what` unless `n` more bytes exist.
    func need(_ n: Int, _ what: @autoclosure () -> String) throws(GGUFError) {
        guard n >= 0, n <= remaining else {
            throw GGUFError(.truncated, "file ends inside \(what()) at byte \(offset) (needs \(n) bytes, \(remaining) left)")
        }
    }

    mutating func read<T: FixedWidthInteger>(_: T.Type, _ what: @autoclosure () -> String) throws(GGUFError) -> T {
        try need(MemoryLayout<T>.size, what())
        let v = base!.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset += MemoryLayout<T>.size
        return T(littleEndian: v)
    }

    mutating func readString(_ what: @autoclosure () -> String) throws(GGUFError) -> String {
        let n = try read(UInt64.self, "the length of \(what())")
        guard n <= UInt64(remaining) else {
            throw GGUFError(.truncated, "\(what()) claims \(n) bytes at byte \(offset - 8), but only \(remaining) remain")
        }
        let len = Int(n)
        let s = String(decoding: UnsafeRawBufferPointer(start: base! + offset, count: len), as: UTF8.self)
        offset += len
        return s
    }
}

/// Parses and validates the GGUF header, metadata and tensor table.
enum Parser {
    struct Parsed {
        var version: UInt32
        var metadata: [String: GGUFValue]
        var keys: [String]
        var tensors: [GGUFTensorInfo]
        var alignment: Int
        var dataStart: Int
    }

    static let maxDims = 4
    static let maxTensorName = 63

    static func parse(_ r: inout Reader) throws(GGUFError) -> Parsed {
        // 1. magic and version
        guard r.count > 0 else { throw GGUFError(.truncated, "file is empty") }
        if r.count < 4 {
            // A cut-off "GGUF" is a truncated file; anything else was never GGUF.
            let head = UnsafeRawBufferPointer(start: r.base, count: r.count)
            if head.elementsEqual("GGUF".utf8.prefix(r.count)) {
                throw GGUFError(.truncated, "file ends inside the magic at byte \(r.count)")
            }
            throw GGUFError(.notGGUF, "not a GGUF file: only \(r.count) bytes")
        }
        let magic = try r.read(UInt32.self, "the magic")
        guard magic == 0x4655_4747 else {  // "GGUF" little-endian
            throw GGUFError(.notGGUF, "not a GGUF file: magic is \(hex(magic)), expected \"GGUF\"")
        }
        let version = try r.read(UInt32.self, "the version")
        if version != 0 && version & 0xFFFF == 0 {
            throw GGUFError(.version, "GGUF version \(version) looks byte-swapped: a big-endian file is not supported")
        }
        guard version == 2 || version == 3 else {
            throw GGUFError(.version, "GGUF version \(version) is not supported (2 and 3 are)")
        }
        // 2. counts, checked against what the file could possibly hold
        let nTensors = try r.read(UInt64.self, "the tensor count")
        let nKV = try r.read(UInt64.self, "the metadata count")
        // A tensor info takes at least 8+1+4+8+4+8 bytes; a key/value pair at least 8+1+4+1.
        // Truncation and a lying count look the same; both are reported before anything is reserved.
        guard nTensors <= UInt64(r.remaining / 33) else {
            throw GGUFError(.truncated, "tensor count \(nTensors) is impossible for a file of \(r.count) bytes (each tensor needs at least 33)")
        }
        guard nKV <= UInt64((r.remaining - Int(nTensors) * 33) / 14) else {
            throw GGUFError(.truncated, "metadata count \(nKV) is impossible for a file of \(r.count) bytes (each pair needs at least 14)")
        }
        // 3. metadata
        var metadata: [String: GGUFValue] = [:]
        var keys: [String] = []
        keys.reserveCapacity(Int(nKV))
        for i in 0..<Int(nKV) {
            let key = try r.readString("metadata key #\(i)")
            guard !key.isEmpty else { throw GGUFError(.badValue, "metadata key #\(i) is empty") }
            guard metadata[key] == nil else { throw GGUFError(.duplicate, "duplicate metadata key '\(key)'") }
            let type = try r.read(UInt32.self, "the type of '\(key)'")
            metadata[key] = try readValue(&r, type: type, key: key)
            keys.append(key)
        }
        var alignment = 32
        if let a = metadata["general.alignment"] {
            guard let v = a.int, v > 0, v & (v - 1) == 0, v <= 1 << 20 else {
                throw GGUFError(.badValue, "metadata key 'general.alignment' is \(a), expected a power of two")
            }
            alignment = v
        }
        // 4. tensor infos
        var tensors: [GGUFTensorInfo] = []
        tensors.reserveCapacity(Int(nTensors))
        var names = Set<String>()
        for i in 0..<Int(nTensors) {
            let name = try r.readString("the name of tensor #\(i)")
            guard !name.isEmpty else { throw GGUFError(.badTensor, "tensor #\(i) has an empty name") }
            guard name.utf8.count <= maxTensorName else {
                throw GGUFError(.badTensor, "tensor #\(i) name is \(name.utf8.count) bytes, expected at most \(maxTensorName)")
            }
            guard names.insert(name).inserted else { throw GGUFError(.duplicate, "duplicate tensor name '\(name)'") }
            let nDims = try r.read(UInt32.self, "the dimension count of '\(name)'")
            guard nDims >= 1, nDims <= maxDims else {
                throw GGUFError(.badTensor, "tensor '\(name)' has \(nDims) dimensions, expected 1 to \(maxDims)")
            }
            var shape: [Int] = []
            var elements = 1
            for d in 0..<Int(nDims) {
                let ne = try r.read(Int64.self, "dimension \(d) of '\(name)'")
                guard ne > 0 else { throw GGUFError(.badTensor, "tensor '\(name)' dimension \(d) is \(ne), expected > 0") }
                let (prod, overflow) = elements.multipliedReportingOverflow(by: Int(ne))
                guard !overflow, prod <= 1 << 48 else {
                    throw GGUFError(.badTensor, "tensor '\(name)' has too many elements (overflow at dimension \(d))")
                }
                elements = prod
                shape.append(Int(ne))
            }
            let rawType = try r.read(UInt32.self, "the type of '\(name)'")
            guard let type = GGMLType(rawValue: rawType) else {
                throw GGUFError(.unsupported, "tensor '\(name)' has unknown or unsupported type \(rawType)")
            }
            guard shape[0] % type.blockElements == 0 else {
                throw GGUFError(.badTensor, "tensor '\(name)' row of \(shape[0]) elements is not a multiple of the \(type) block size \(type.blockElements)")
            }
            let offset = try r.read(UInt64.self, "the offset of '\(name)'")
            guard offset % UInt64(alignment) == 0 else {
                throw GGUFError(.badTensor, "tensor '\(name)' has offset \(offset), expected a multiple of \(alignment)")
            }
            guard offset <= UInt64(Int.max / 2) else {
                throw GGUFError(.badTensor, "tensor '\(name)' has offset \(offset), beyond any file")
            }
            let bytes = (elements / type.blockElements) * type.blockBytes
            tensors.append(GGUFTensorInfo(name: name, type: type, shape: shape, offset: Int(offset), byteCount: bytes))
        }
        // 5. data section: aligned start; each tensor inside the file; no overlap
        let dataStart = (r.offset + alignment - 1) / alignment * alignment
        let dataBytes = r.count - dataStart
        if !tensors.isEmpty && dataStart > r.count {
            throw GGUFError(.truncated, "file ends at byte \(r.count), before the data section at byte \(dataStart)")
        }
        for t in tensors where t.offset + t.byteCount > dataBytes {
            throw GGUFError(.truncated, "tensor '\(t.name)' needs bytes \(t.offset)..<\(t.offset + t.byteCount) of the data section, but it has \(max(dataBytes, 0)) bytes")
        }
        let sorted = tensors.sorted { $0.offset < $1.offset }
        for (a, b) in zip(sorted, sorted.dropFirst()) where a.offset + a.byteCount > b.offset {
            throw GGUFError(.badTensor, "tensors '\(a.name)' and '\(b.name)' overlap (bytes \(a.offset)..<\(a.offset + a.byteCount) and from \(b.offset))")
        }
        return Parsed(version: version, metadata: metadata, keys: keys, tensors: tensors, alignment: alignment, dataStart: dataStart)
    }

    static func readValue(_ r: inout Reader, type: UInt32, key: String) throws(GGUFError) -> GGUFValue {
        switch type {
        case 0: return .uint8(try r.read(UInt8.self, "'\(key)'"))
        case 1: return .int8(try r.read(Int8.self, "'\(key)'"))
        case 2: return .uint16(try r.read(UInt16.self, "'\(key)'"))
        case 3: return .int16(try r.read(Int16.self, "'\(key)'"))
        case 4: return .uint32(try r.read(UInt32.self, "'\(key)'"))
        case 5: return .int32(try r.read(Int32.self, "'\(key)'"))
        case 6: return .float32(Float(bitPattern: try r.read(UInt32.self, "'\(key)'")))
        case 7:
            let b = try r.read(UInt8.self, "'\(key)'")
            guard b <= 1 else { throw GGUFError(.badValue, "metadata key '\(key)' is a bool with byte \(b), expected 0 or 1") }
            return .bool(b == 1)
        case 8: return .string(try r.readString("the string '\(key)'"))
        case 9: return .array(try readArray(&r, key: key))
        case 10: return .uint64(try r.read(UInt64.self, "'\(key)'"))
        case 11: return .int64(try r.read(Int64.self, "'\(key)'"))
        case 12: return .float64(Double(bitPattern: try r.read(UInt64.self, "'\(key)'")))
        default: throw GGUFError(.unsupported, "metadata key '\(key)' has unknown value type \(type)")
        }
    }

    static func readArray(_ r: inout Reader, key: String) throws(GGUFError) -> GGUFArray {
        let elemType = try r.read(UInt32.self, "the element type of '\(key)'")
        let n = try r.read(UInt64.self, "the length of '\(key)'")
        let elemSize: Int
        switch elemType {
        case 0, 1, 7: elemSize = 1
        case 2, 3: elemSize = 2
        case 4, 5, 6: elemSize = 4
        case 10, 11, 12: elemSize = 8
        case 8: elemSize = 8  // at least the length prefix
        case 9: throw GGUFError(.unsupported, "metadata key '\(key)' is a nested array, which GGUF does not allow")
        default: throw GGUFError(.unsupported, "metadata key '\(key)' is an array of unknown value type \(elemType)")
        }
        guard n <= UInt64(r.remaining / elemSize) else {
            throw GGUFError(.truncated, "array '\(key)' claims \(n) elements, more than the \(r.remaining) bytes left can hold")
        }
        let count = Int(n)
        func fixed<T: FixedWidthInteger>(_: T.Type) throws(GGUFError) -> [T] {
            try r.need(count * MemoryLayout<T>.size, "array '\(key)'")
            let p = r.base! + r.offset
            let out = [T](unsafeUninitializedCapacity: count) { buf, initialized in
                for i in 0..<count { buf[i] = T(littleEndian: p.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.size, as: T.self)) }
                initialized = count
            }
            r.offset += count * MemoryLayout<T>.size
            return out
        }
        switch elemType {
        case 0: return .uint8(try fixed(UInt8.self))
        case 1: return .int8(try fixed(Int8.self))
        case 2: return .uint16(try fixed(UInt16.self))
        case 3: return .int16(try fixed(Int16.self))
        case 4: return .uint32(try fixed(UInt32.self))
        case 5: return .int32(try fixed(Int32.self))
        case 6: return .float32(try fixed(UInt32.self).map { Float(bitPattern: $0) })
        case 7:
            let raw = try fixed(UInt8.self)
            if let bad = raw.firstIndex(where: { $0 > 1 }) {
                throw GGUFError(.badValue, "array '\(key)' element \(bad) is a bool with byte \(raw[bad]), expected 0 or 1")
            }
            return .bool(raw.map { $0 == 1 })
        case 10: return .uint64(try fixed(UInt64.self))
        case 11: return .int64(try fixed(Int64.self))
        case 12: return .float64(try fixed(UInt64.self).map { Double(bitPattern: $0) })
        default:  // 8: strings
            var out: [String] = []
            out.reserveCapacity(count)
            for i in 0..<count { out.append(try r.readString("element \(i) of array '\(key)'")) }
            return .string(out)
        }
    }

    static func hex(_ v: UInt32) -> String {
        let s = String(v, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, 8 - s.count)) + s
    }
}
