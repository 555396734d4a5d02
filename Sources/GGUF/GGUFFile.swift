#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A parsed and validated GGUF file: metadata, tensor table, and the tensor bytes (memory-mapped).
///
/// Everything a hostile file can lie about is checked before it is trusted (FORMATS.md): counts
/// against the file size, string and array lengths, value and tensor types, dimensions, overflow
/// in sizes, alignment, bounds and overlap of tensor data, duplicate keys and names.
///
/// ```swift
/// let file = try GGUFFile(path: "SmolLM2-135M-Instruct.Q4_1.gguf")
/// let arch = try file.requireString("general.architecture")   // "llama"
/// let embd = try file.requireTensor("token_embd.weight")       // Q8_0 [576, 49152]
/// ```
public final class GGUFFile: @unchecked Sendable {
    /// Where the file came from (a name for in-memory buffers).
    public let path: String
    public let version: UInt32
    /// Metadata by key; `metadataKeys` keeps the file's order.
    public let metadata: [String: GGUFValue]
    public let metadataKeys: [String]
    /// Tensors in the file's order; `tensorIndex` maps names to positions.
    public let tensors: [GGUFTensorInfo]
    public let tensorIndex: [String: Int]
    public let alignment: Int
    /// Absolute offset of the data section.
    public let dataStart: Int
    /// Size of the whole file in bytes.
    public let fileSize: Int

    private let storage: Storage

    /// Maps and parses the file at `path`.
    public convenience init(path: String) throws(GGUFError) {
        let storage = try Storage(mapping: path)
        try self.init(storage: storage, path: path)
    }

    /// Parses a GGUF image held in memory (tests and fuzzing).
    public convenience init(bytes: [UInt8], name: String = "<memory>") throws(GGUFError) {
        try self.init(storage: Storage(copying: bytes), path: name)
    }

    private init(storage: Storage, path: String) throws(GGUFError) {
        self.storage = storage
        self.path = path
        self.fileSize = storage.count
        do {
            var r = Reader(base: storage.base, count: storage.count)
            let parsed = try Parser.parse(&r)
            version = parsed.version
            metadata = parsed.metadata
            metadataKeys = parsed.keys
            tensors = parsed.tensors
            alignment = parsed.alignment
            dataStart = parsed.dataStart
            var index: [String: Int] = [:]
            for (i, t) in tensors.enumerated() { index[t.name] = i }
            tensorIndex = index
        } catch var e {
            e.path = path
            throw e
        }
    }

    // MARK: Tensors

    public func tensor(_ name: String) -> GGUFTensorInfo? {
        tensorIndex[name].map { tensors[$0] }
    }

    public func requireTensor(_ name: String) throws(GGUFError) -> GGUFTensorInfo {
        guard let t = tensor(name) else { throw GGUFError(.missing, "missing tensor '\(name)'", path: path) }
        return t
    }

    /// The bytes of a tensor, valid as long as this file object lives.
    public func data(_ tensor: GGUFTensorInfo) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: storage.base! + dataStart + tensor.offset, count: tensor.byteCount)
    }

    /// Lets the kernel drop this process's resident pages of `bytes` (a range of this file's
    /// mapping, e.g. a tensor copied elsewhere): they stop counting in the resident set and are
    /// read back from the page cache if touched again. Whole pages inside the range only; no-op for
    /// in-memory images.
    public func releaseResidentPages(_ bytes: UnsafeRawBufferPointer) {
        storage.releaseResidentPages(bytes)
    }

    // MARK: Metadata

    public func value(_ key: String) -> GGUFValue? { metadata[key] }

    public func requireValue(_ key: String) throws(GGUFError) -> GGUFValue {
        guard let v = metadata[key] else { throw GGUFError(.missing, "missing metadata key '\(key)'", path: path) }
        return v
    }

    public func requireString(_ key: String) throws(GGUFError) -> String {
        guard let s = try requireValue(key).string else { throw typeError(key, "a string") }
        return s
    }

    public func requireInt(_ key: String) throws(GGUFError) -> Int {
        guard let i = try requireValue(key).int else { throw typeError(key, "an integer") }
        return i
    }

    public func requireDouble(_ key: String) throws(GGUFError) -> Double {
        guard let d = try requireValue(key).double else { throw typeError(key, "a number") }
        return d
    }

    public func requireArray(_ key: String) throws(GGUFError) -> GGUFArray {
        guard let a = try requireValue(key).array else { throw typeError(key, "an array") }
        return a
    }

    /// An optional integer; present but of the wrong type is an error, not a silent default.
    public func int(_ key: String) throws(GGUFError) -> Int? {
        guard metadata[key] != nil else { return nil }
        return try requireInt(key)
    }

    public func double(_ key: String) throws(GGUFError) -> Double? {
        guard metadata[key] != nil else { return nil }
        return try requireDouble(key)
    }

    public func bool(_ key: String) throws(GGUFError) -> Bool? {
        guard let v = metadata[key] else { return nil }
        guard let b = v.bool else { throw typeError(key, "a bool") }
        return b
    }

    public func string(_ key: String) throws(GGUFError) -> String? {
        guard metadata[key] != nil else { return nil }
        return try requireString(key)
    }

    private func typeError(_ key: String, _ expected: String) -> GGUFError {
        GGUFError(.badValue, "metadata key '\(key)' has type \(metadata[key].map { String($0.typeID) } ?? "?"), expected \(expected)", path: path)
    }

    // MARK: Storage

    /// The file's bytes: a read-only private mapping, or a heap copy for in-memory images.
    final class Storage: @unchecked Sendable {
        let base: UnsafeRawPointer?
        let count: Int
        private let mapped: Bool

        init(mapping path: String) throws(GGUFError) {
            // O_NONBLOCK: opening a FIFO (or a device) must not wait for a writer; fstat refuses it next.
            let fd = open(path, O_RDONLY | O_NONBLOCK)
            guard fd >= 0 else { throw GGUFError(.io, "cannot open: \(String(cString: strerror(errno)))", path: path) }
            defer { close(fd) }
            var st = stat()
            guard fstat(fd, &st) == 0 else { throw GGUFError(.io, "cannot stat: \(String(cString: strerror(errno)))", path: path) }
            guard (st.st_mode & S_IFMT) != S_IFDIR else { throw GGUFError(.notGGUF, "is a directory, not a GGUF file", path: path) }
            guard (st.st_mode & S_IFMT) == S_IFREG else { throw GGUFError(.notGGUF, "not a regular file", path: path) }
            count = Int(st.st_size)
            guard count > 0 else { throw GGUFError(.truncated, "file is empty", path: path) }
            guard let p = mmap(nil, count, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
                throw GGUFError(.io, "cannot map: \(String(cString: strerror(errno)))", path: path)
            }
            base = UnsafeRawPointer(p)
            mapped = true
        }

        func releaseResidentPages(_ bytes: UnsafeRawBufferPointer) {
            guard mapped, let base, let start = bytes.baseAddress, start >= base, start + bytes.count <= base + count else { return }
            let page = Int(sysconf(Int32(_SC_PAGESIZE)))
            let lo = (Int(bitPattern: start) + page - 1) / page * page
            let hi = (Int(bitPattern: start) + bytes.count) / page * page
            guard hi > lo else { return }
            _ = madvise(UnsafeMutableRawPointer(bitPattern: lo), hi - lo, MADV_DONTNEED)
        }

        init(copying bytes: [UInt8]) {
            let p = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 64)
            bytes.withUnsafeBytes { p.copyMemory(from: $0.baseAddress ?? UnsafeRawPointer(p), byteCount: bytes.count) }
            base = UnsafeRawPointer(p)
            count = bytes.count
            mapped = false
        }

        deinit {
            guard let base else { return }
            if mapped { munmap(UnsafeMutableRawPointer(mutating: base), count) } else { base.deallocate() }
        }
    }
}
