#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a GGUF file (version 3, or 2): metadata of any value type, then tensors streamed to disk.
///
/// Metadata and tensor descriptions are collected first; `write(to:)` then emits the header, the
/// tensor table and the data section, asking each tensor for its bytes only when its turn comes, so
/// a multi-gigabyte model never sits in memory. Tensor data starts at multiples of the alignment
/// (`general.alignment` when that key is set, else 32) and the file ends padded to it.
///
/// ```swift
/// var w = GGUFWriter()
/// w.set("general.architecture", .string("llama"))
/// try w.addTensor("norm.weight", type: .f32, shape: [64], bytes: Quantize.row(.f32, ones))
/// try w.addTensor("big.weight", type: .q4_0, shape: [4096, 4096]) { out in
///     for row in 0..<4096 { try out.write(makeRow(row)) }             // 2304 bytes at a time
/// }
/// try w.write(to: "/tmp/tiny.gguf")
/// ```
public struct GGUFWriter {
    /// Produces a tensor's bytes, in order, into the file; must write exactly `byteCount` bytes.
    public typealias TensorSource = (inout Output) throws -> Void

    /// One tensor to be written.
    public struct Tensor {
        public let name: String
        public let type: GGMLType
        /// ggml's `ne`, `shape[0]` contiguous.
        public let shape: [Int]
        public let byteCount: Int
        let source: TensorSource
    }

    /// GGUF version written: 3 (current) or 2 (identical layout, older readers).
    public var version: UInt32 = 3
    /// Metadata in the order it will be written.
    public private(set) var metadata: [(key: String, value: GGUFValue)] = []
    public private(set) var tensors: [Tensor] = []
    private var keyIndex: [String: Int] = [:]
    private var tensorNames: Set<String> = []

    /// An empty file; `alignment` other than 32 is recorded as `general.alignment` (u32).
    public init(alignment: Int = 32) {
        if alignment != 32 { set("general.alignment", .uint32(UInt32(alignment))) }
    }

    /// Alignment of the data section and of every tensor in it.
    public var alignment: Int { metadataValue("general.alignment")?.int ?? 32 }

    /// The value stored under `key`, if any.
    public func metadataValue(_ key: String) -> GGUFValue? { keyIndex[key].map { metadata[$0].value } }

    /// Sets `key` to `value`; a key set twice keeps its first position and takes the new value.
    public mutating func set(_ key: String, _ value: GGUFValue) {
        if let i = keyIndex[key] {
            metadata[i].value = value
        } else {
            keyIndex[key] = metadata.count
            metadata.append((key, value))
        }
    }

    /// Adds a tensor whose bytes `source` will stream into the file when it is written.
    public mutating func addTensor(_ name: String, type: GGMLType, shape: [Int], source: @escaping TensorSource) throws(GGUFError) {
        guard !name.isEmpty, name.utf8.count < 64 else {
            throw GGUFError(.badTensor, "tensor name '\(name)' must be 1…63 bytes, has \(name.utf8.count)")
        }
        guard !tensorNames.contains(name) else { throw GGUFError(.duplicate, "tensor '\(name)' added twice") }
        guard (1...4).contains(shape.count), shape.allSatisfy({ $0 > 0 }) else {
            throw GGUFError(.badTensor, "tensor '\(name)' has shape \(shape), expected 1…4 positive dimensions")
        }
        guard shape[0] % type.blockElements == 0 else {
            throw GGUFError(.badTensor, "tensor '\(name)' has ne[0] = \(shape[0]), expected a multiple of \(type.blockElements) for \(type)")
        }
        var bytes = shape[0] / type.blockElements
        for d in [type.blockBytes] + shape.dropFirst() {
            let (p, overflow) = bytes.multipliedReportingOverflow(by: d)
            guard !overflow else { throw GGUFError(.tooLarge, "tensor '\(name)' with shape \(shape) overflows") }
            bytes = p
        }
        tensorNames.insert(name)
        tensors.append(Tensor(name: name, type: type, shape: shape, byteCount: bytes, source: source))
    }

    /// Adds a tensor from its raw block bytes (`[UInt8]`, `Data`, a buffer…), copied now; their
    /// count must match type and shape. To copy a tensor of a mapped `GGUFFile` without holding a
    /// copy, use `source:` instead: `{ out in try out.write(file.data(t)) }`.
    public mutating func addTensor<Bytes: Collection>(_ name: String, type: GGMLType, shape: [Int], bytes: Bytes) throws(GGUFError)
    where Bytes.Element == UInt8 {
        let bytes = Array(bytes)
        try addTensor(name, type: type, shape: shape) { out in try out.write(bytes) }
        guard tensors.last!.byteCount == bytes.count else {
            let expected = tensors.removeLast().byteCount
            tensorNames.remove(name)
            throw GGUFError(.badTensor, "tensor '\(name)' has \(bytes.count) bytes, expected \(expected) for \(type) \(shape)")
        }
    }

    // MARK: Writing

    /// Writes the file to `path` (replacing it), streaming tensor data.
    public func write(to path: String) throws(GGUFError) {
        var out = try Output(path: path)
        do {
            try write(into: &out)
            try out.close()
        } catch {
            out.abandon()
            throw error
        }
    }

    /// The whole file as bytes (small files, tests).
    public func serialized() throws(GGUFError) -> [UInt8] {
        var out = Output()
        try write(into: &out)
        return out.memory
    }

    private func write(into out: inout Output) throws(GGUFError) {
        guard version == 2 || version == 3 else { throw GGUFError(.version, "cannot write GGUF version \(version), only 2 or 3") }
        let align = alignment
        guard align > 0, align & (align - 1) == 0 else {
            throw GGUFError(.badValue, "metadata key 'general.alignment' is \(align), expected a power of two")
        }
        // Header.
        try out.write(Array("GGUF".utf8))
        try out.pod(version)
        try out.pod(UInt64(tensors.count))
        try out.pod(UInt64(metadata.count))
        for (key, value) in metadata {
            try out.string(key)
            try out.pod(value.typeID)
            try out.value(value)
        }
        // Tensor table: offsets relative to the data section, each aligned.
        var offset = 0
        var offsets: [Int] = []
        for t in tensors {
            offsets.append(offset)
            offset = Self.padded(offset + t.byteCount, align)
        }
        for (t, off) in zip(tensors, offsets) {
            try out.string(t.name)
            try out.pod(UInt32(t.shape.count))
            for d in t.shape { try out.pod(UInt64(d)) }
            try out.pod(t.type.rawValue)
            try out.pod(UInt64(off))
        }
        try out.pad(to: align)
        // Data.
        let dataStart = out.position
        for (t, off) in zip(tensors, offsets) {
            let start = out.position
            precondition(start - dataStart == off)
            do {
                try t.source(&out)
            } catch let e as GGUFError {
                throw e
            } catch {
                throw GGUFError(.io, "writing tensor '\(t.name)': \(error)")
            }
            let written = out.position - start
            guard written == t.byteCount else {
                throw GGUFError(.badTensor, "tensor '\(t.name)' wrote \(written) bytes, expected \(t.byteCount)")
            }
            try out.pad(to: align)
        }
    }

    static func padded(_ n: Int, _ align: Int) -> Int { (n + align - 1) / align * align }

    // MARK: Output

    /// Where the writer's bytes go: a buffered file, or memory. Tensor sources call `write`.
    public struct Output {
        private var file: UnsafeMutablePointer<FILE>?
        private var path: String = ""
        /// The bytes written so far, when writing to memory.
        fileprivate(set) var memory: [UInt8] = []
        /// Bytes written so far.
        public private(set) var position = 0

        fileprivate init() {}

        fileprivate init(path: String) throws(GGUFError) {
            guard let f = fopen(path, "wb") else {
                throw GGUFError(.io, "cannot create: \(String(cString: strerror(errno)))", path: path)
            }
            setvbuf(f, nil, _IOFBF, 1 << 20)
            file = f
            self.path = path
        }

        /// Appends raw bytes.
        public mutating func write(_ bytes: UnsafeRawBufferPointer) throws(GGUFError) {
            guard bytes.count > 0 else { return }
            if let file {
                guard fwrite(bytes.baseAddress!, 1, bytes.count, file) == bytes.count else {
                    throw GGUFError(.io, "write failed: \(String(cString: strerror(errno)))", path: path)
                }
            } else {
                memory.append(contentsOf: bytes)
            }
            position += bytes.count
        }

        /// Appends raw bytes.
        public mutating func write(_ bytes: [UInt8]) throws(GGUFError) {
            var failure: GGUFError?
            bytes.withUnsafeBytes { b in
                do throws(GGUFError) { try write(b) } catch { failure = error }
            }
            if let failure { throw failure }
        }

        /// Appends the bytes of a float array (little-endian hosts only, as GGUF v3 is little-endian).
        public mutating func write(_ floats: [Float]) throws(GGUFError) {
            var failure: GGUFError?
            floats.withUnsafeBytes { b in
                do throws(GGUFError) { try write(b) } catch { failure = error }
            }
            if let failure { throw failure }
        }

        mutating func pod<T: FixedWidthInteger>(_ v: T) throws(GGUFError) {
            try withUnsafeBytes(of: v.littleEndian) { (b) throws(GGUFError) in try write(b) }
        }

        mutating func string(_ s: String) throws(GGUFError) {
            let utf8 = Array(s.utf8)
            try pod(UInt64(utf8.count))
            try write(utf8)
        }

        mutating func pad(to align: Int) throws(GGUFError) {
            let n = GGUFWriter.padded(position, align) - position
            if n > 0 { try write([UInt8](repeating: 0, count: n)) }
        }

        /// A value's payload (its type id is written by the caller).
        mutating func value(_ v: GGUFValue) throws(GGUFError) {
            switch v {
            case .uint8(let x): try pod(x)
            case .int8(let x): try pod(x)
            case .uint16(let x): try pod(x)
            case .int16(let x): try pod(x)
            case .uint32(let x): try pod(x)
            case .int32(let x): try pod(x)
            case .uint64(let x): try pod(x)
            case .int64(let x): try pod(x)
            case .float32(let x): try pod(x.bitPattern)
            case .float64(let x): try pod(x.bitPattern)
            case .bool(let x): try pod(UInt8(x ? 1 : 0))
            case .string(let s): try string(s)
            case .array(let a):
                try pod(a.elementTypeID)
                try pod(UInt64(a.count))
                switch a {
                case .uint8(let xs): try write(xs)
                case .int8(let xs): for x in xs { try pod(x) }
                case .uint16(let xs): for x in xs { try pod(x) }
                case .int16(let xs): for x in xs { try pod(x) }
                case .uint32(let xs): for x in xs { try pod(x) }
                case .int32(let xs): for x in xs { try pod(x) }
                case .uint64(let xs): for x in xs { try pod(x) }
                case .int64(let xs): for x in xs { try pod(x) }
                case .float32(let xs): for x in xs { try pod(x.bitPattern) }
                case .float64(let xs): for x in xs { try pod(x.bitPattern) }
                case .bool(let xs): for x in xs { try pod(UInt8(x ? 1 : 0)) }
                case .string(let xs): for x in xs { try string(x) }
                }
            }
        }

        fileprivate mutating func close() throws(GGUFError) {
            guard let f = file else { return }
            file = nil
            let flushed = fflush(f) == 0
            let closed = fclose(f) == 0
            guard flushed && closed else { throw GGUFError(.io, "cannot finish writing: \(String(cString: strerror(errno)))", path: path) }
        }

        /// Closes and removes a partly written file.
        fileprivate mutating func abandon() {
            guard let f = file else { return }
            file = nil
            fclose(f)
            unlink(path)
        }
    }
}
