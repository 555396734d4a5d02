import Foundation
import Testing
@testable import GGUF
import TestSupport

/// Every way a GGUF file can lie, one test per class: each must end in a `GGUFError` of the right
/// kind, whose message names the offending key, tensor or value, within a second.
@Suite struct MalformedGGUFTests {
    // MARK: Helpers

    /// Parses `bytes`, expecting an error of `kind` whose message contains each of `mentions`.
    @discardableResult
    static func expectError(_ bytes: [UInt8], _ kind: GGUFError.Kind, mentions: [String],
                            sourceLocation: SourceLocation = #_sourceLocation) -> GGUFError? {
        let clock = ContinuousClock()
        let start = clock.now
        var caught: GGUFError?
        do {
            let f = try GGUFFile(bytes: bytes, name: "bad.gguf")
            Issue.record("parsed without error: \(f.tensors.count) tensors, \(f.metadata.count) keys", sourceLocation: sourceLocation)
        } catch {
            caught = error
        }
        let elapsed = clock.now - start
        #expect(elapsed < .seconds(1), "took \(elapsed)", sourceLocation: sourceLocation)
        guard let e = caught else { return nil }
        #expect(e.kind == kind, "\(e.kind): \(e.message)", sourceLocation: sourceLocation)
        for m in mentions {
            #expect(e.message.contains(m), "message '\(e.message)' does not mention '\(m)'", sourceLocation: sourceLocation)
        }
        #expect(e.path == "bad.gguf", sourceLocation: sourceLocation)
        return e
    }

    /// A small valid model (tokenizer, metadata of every type the writer emits, 11 tensors).
    static let tiny: [UInt8] = {
        var spec = SyntheticModel(dim: 32, layers: 1, ffn: 64, heads: 2, kvHeads: 1, vocab: 260)
        spec.type = .q8_0
        return try! spec.writer().serialized()
    }()

    @Test func theTinyFileIsValid() throws {
        let f = try GGUFFile(bytes: Self.tiny)
        #expect(f.tensors.count == 11)
        #expect(try f.requireString("general.architecture") == "llama")
    }

    // MARK: Truncation

    /// Every proper prefix shorter than the data it describes must fail as truncated, none may trap.
    @Test func truncationAtEveryByte() throws {
        let full = try GGUFFile(bytes: Self.tiny)
        let needed = full.dataStart + full.tensors.map { $0.offset + $0.byteCount }.max()!
        let clock = ContinuousClock()
        var slowest = Duration.zero
        var kinds: [GGUFError.Kind: Int] = [:]
        for n in 0..<needed {
            let start = clock.now
            do {
                _ = try GGUFFile(bytes: Array(Self.tiny[..<n]), name: "cut")
                Issue.record("a prefix of \(n) of \(needed) bytes parsed")
            } catch {
                kinds[error.kind, default: 0] += 1
                #expect(error.kind == .truncated, "prefix \(n): \(error.kind) \(error.message)")
            }
            slowest = max(slowest, clock.now - start)
        }
        #expect(slowest < .seconds(1))
        #expect(kinds[.truncated] == needed)
    }

    @Test func truncationMessagesSayWhere() {
        // The counts of the tiny file already exceed a short prefix ...
        Self.expectError(Array(Self.tiny[..<60]), .truncated, mentions: ["tensor count 11", "60 bytes"])
        // ... so for a cut inside a value, a file with no tensors.
        var g = MalformedBytes(tensors: 0, kv: 1)
        g.key("general.architecture", type: 8)
        g.u64(5)
        g.bytes += Array("lla".utf8)
        Self.expectError(g.bytes, .truncated, mentions: ["'general.architecture'", "claims 5 bytes"])
        Self.expectError(Array(g.bytes.dropLast(6)), .truncated, mentions: ["the length of the string 'general.architecture'"])
        let cutInMagic = Array(Self.tiny[..<3])
        Self.expectError(cutInMagic, .truncated, mentions: ["magic"])
        let f = try! GGUFFile(bytes: Self.tiny)
        let last = f.tensors.max { $0.offset < $1.offset }!
        Self.expectError(Array(Self.tiny[..<(f.dataStart + last.offset + 1)]), .truncated, mentions: ["'\(last.name)'"])
    }

    // MARK: Files that are not GGUF

    static let notGGUF: [(String, [UInt8])] = [
        ("GGML", Array("GGML".utf8) + [UInt8](repeating: 0, count: 20)),
        ("text", Array("Hello, this is a text file, not a model.\n".utf8)),
        ("zeros", [UInt8](repeating: 0, count: 64)),
        ("ELF", [0x7F, 0x45, 0x4C, 0x46, 2, 1, 1, 0]),
        ("short", [0x41, 0x42]),
    ]
    @Test(arguments: notGGUF)
    func wrongMagic(name: String, bytes: [UInt8]) {
        Self.expectError(bytes, .notGGUF, mentions: ["not a GGUF file"])
    }

    @Test func emptyImage() {
        Self.expectError([], .truncated, mentions: ["empty"])
    }

    @Test func directoryEmptyTextAndMissingFiles() throws {
        let dir = TemporaryDirectory()
        func open(_ path: String) -> GGUFError? {
            do { _ = try GGUFFile(path: path); return nil } catch { return error }
        }
        let d = open(dir.url.path)
        #expect(d?.kind == .notGGUF && d!.message.contains("directory"), "\(String(describing: d))")
        #expect(d?.path == dir.url.path)

        FileManager.default.createFile(atPath: dir.path("empty.gguf"), contents: Data())
        let e = open(dir.path("empty.gguf"))
        #expect(e?.kind == .truncated && e!.message.contains("empty"), "\(String(describing: e))")

        try "a plain text file\n".write(toFile: dir.path("notes.txt"), atomically: true, encoding: .utf8)
        let t = open(dir.path("notes.txt"))
        #expect(t?.kind == .notGGUF && t!.message.contains("magic"), "\(String(describing: t))")

        let m = open(dir.path("nope.gguf"))
        #expect(m?.kind == .io && m!.message.contains("No such file"), "\(String(describing: m))")
    }

    // MARK: Version

    static let badVersions: [(UInt32, String)] = [(1, "version 1"), (0, "version 0"), (4, "version 4"),
                                                  (0x0300_0000, "byte-swapped"), (0xFFFF_FFFF, "version 4294967295")]
    @Test(arguments: badVersions)
    func wrongVersion(version: UInt32, mention: String) {
        var g = MalformedBytes(version: version, tensors: 0, kv: 0)
        g.pad()
        Self.expectError(g.bytes, .version, mentions: [mention])
    }

    @Test func version2IsRead() throws {
        var g = MalformedBytes(version: 2, tensors: 0, kv: 1)
        g.kvString("general.architecture", "llama")
        #expect(try GGUFFile(bytes: g.bytes).version == 2)
    }

    // MARK: Counts and lengths beyond the file

    /// Counts are bounded by the bytes left before anything is reserved: the error comes from that
    /// check (not from running out of input after a huge allocation), so memory stays ≈ file size.
    @Test(arguments: [UInt64.max, 1 << 62, 1 << 40, 1_000_000])
    func tensorCountBeyondTheFile(count: UInt64) {
        var g = MalformedBytes(tensors: count, kv: 0)
        g.zeros(64)
        Self.expectError(g.bytes, .truncated, mentions: ["tensor count \(count)", "impossible"])
    }

    @Test(arguments: [UInt64.max, 1 << 62, 1 << 40, 1_000_000])
    func metadataCountBeyondTheFile(count: UInt64) {
        var g = MalformedBytes(tensors: 0, kv: count)
        g.zeros(64)
        Self.expectError(g.bytes, .truncated, mentions: ["metadata count \(count)", "impossible"])
    }

    @Test(arguments: [UInt64.max, 1 << 63, 1 << 40, 100])
    func keyLengthBeyondTheFile(length: UInt64) {
        var g = MalformedBytes(tensors: 0, kv: 1)
        g.u64(length)
        g.bytes += Array("general.arch".utf8)
        Self.expectError(g.bytes, .truncated, mentions: ["metadata key #0", "claims \(length) bytes"])
    }

    @Test(arguments: [UInt64.max, 1 << 40, 64])
    func stringValueLengthBeyondTheFile(length: UInt64) {
        var g = MalformedBytes(tensors: 0, kv: 1)
        g.key("general.name", type: 8)
        g.u64(length)
        g.bytes += Array("tiny".utf8)
        Self.expectError(g.bytes, .truncated, mentions: ["'general.name'", "claims \(length) bytes"])
    }

    /// Arrays of every element size, claiming far more elements than the file holds.
    static let hugeArrays: [(UInt32, UInt64)] = [(0, .max), (1, 1 << 40), (5, 1 << 61), (6, 1 << 33), (7, 1 << 50),
                                                  (10, 1 << 60), (12, 1 << 59), (8, .max), (8, 1 << 32), (8, 100)]
    @Test(arguments: hugeArrays)
    func arrayCountBeyondTheFile(elementType: UInt32, count: UInt64) {
        var g = MalformedBytes(tensors: 0, kv: 1)
        g.key("tokenizer.ggml.tokens", type: 9)
        g.u32(elementType)
        g.u64(count)
        g.zeros(16)
        Self.expectError(g.bytes, .truncated, mentions: ["'tokenizer.ggml.tokens'", "claims \(count) elements"])
    }

    @Test func stringInsideAnArrayBeyondTheFile() {
        var g = MalformedBytes(tensors: 0, kv: 1)
        g.key("tokenizer.ggml.tokens", type: 9)
        g.u32(8)
        g.u64(2)
        g.string("a")
        g.u64(1 << 40)
        g.zeros(8)
        Self.expectError(g.bytes, .truncated, mentions: ["element 1 of array 'tokenizer.ggml.tokens'"])
    }

    @Test func tensorNameLengthBeyondTheFile() {
        var g = MalformedBytes(tensors: 1, kv: 0)
        g.u64(UInt64.max)
        g.zeros(40)
        Self.expectError(g.bytes, .truncated, mentions: ["name of tensor #0"])
    }

    // MARK: Value types

    @Test func nestedArray() {
        var g = MalformedBytes(tensors: 0, kv: 1)
        g.key("general.tags", type: 9)
        g.u32(9)
        g.u64(1)
        g.u32(4); g.u64(1); g.u32(7)
        Self.expectError(g.bytes, .unsupported, mentions: ["'general.tags'", "nested array"])
    }

    @Test(arguments: [UInt32(13), 255, 0xFFFF_FFFF])
    func unknownValueType(type: UInt32) {
        var g = MalformedBytes(tensors: 0, kv: 1)
        g.key("general.weird", type: type)
        g.zeros(16)
        Self.expectError(g.bytes, .unsupported, mentions: ["'general.weird'", "unknown value type \(type)"])
    }

    @Test(arguments: [UInt32(13), 99])
    func unknownArrayElementType(type: UInt32) {
        var g = MalformedBytes(tensors: 0, kv: 1)
        g.key("general.weird", type: 9)
        g.u32(type)
        g.u64(1)
        g.zeros(16)
        Self.expectError(g.bytes, .unsupported, mentions: ["'general.weird'", "unknown value type \(type)"])
    }

    @Test func boolOtherThanZeroOrOne() {
        var g = MalformedBytes(tensors: 0, kv: 1)
        g.key("tokenizer.ggml.add_bos_token", type: 7)
        g.u8(2)
        Self.expectError(g.bytes, .badValue, mentions: ["'tokenizer.ggml.add_bos_token'", "byte 2"])
        var a = MalformedBytes(tensors: 0, kv: 1)
        a.key("general.flags", type: 9)
        a.u32(7); a.u64(3); a.u8(0); a.u8(1); a.u8(7)
        Self.expectError(a.bytes, .badValue, mentions: ["'general.flags'", "element 2", "byte 7"])
    }

    @Test func emptyKey() {
        var g = MalformedBytes(tensors: 0, kv: 1)
        g.kvU32("", 1)
        Self.expectError(g.bytes, .badValue, mentions: ["metadata key #0 is empty"])
    }

    static let badAlignments: [(UInt32, String)] = [(0, "0"), (3, "3"), (48, "48"), (1 << 21, "2097152")]
    @Test(arguments: badAlignments)
    func badAlignment(value: UInt32, mention: String) {
        let bytes = MalformedBytes.oneTensor({ $0.kvU32("general.alignment", value) }, kvCount: 2)
        Self.expectError(bytes, .badValue, mentions: ["'general.alignment'", mention, "power of two"])
    }

    @Test func alignmentOfTheWrongType() {
        let bytes = MalformedBytes.oneTensor({ $0.kvString("general.alignment", "32") }, kvCount: 2)
        Self.expectError(bytes, .badValue, mentions: ["'general.alignment'"])
    }

    // MARK: Tensor infos

    @Test(arguments: [UInt32(4), 5, 9, 15, 16, 29, 31, 39, 1000, 0xFFFF_FFFF])
    func unknownTensorType(type: UInt32) {
        var g = MalformedBytes(tensors: 1, kv: 0)
        g.tensor("blk.0.attn_q.weight", dims: [256, 4], type: type)
        g.pad(); g.zeros(8192)
        Self.expectError(g.bytes, .unsupported, mentions: ["'blk.0.attn_q.weight'", "type \(type)"])
    }

    @Test(arguments: [UInt32(0), 5, 8, 1 << 31, UInt32.max])
    func wrongDimensionCount(nDims: UInt32) {
        var g = MalformedBytes(tensors: 1, kv: 0)
        g.string("token_embd.weight")
        g.u32(nDims)
        g.zeros(64)
        Self.expectError(g.bytes, .badTensor, mentions: ["'token_embd.weight'", "\(nDims) dimensions", "1 to 4"])
    }

    static let nonPositive: [[Int64]] = [[-1], [8, 0], [8, -4], [8, .min], [.min, 1]]
    @Test(arguments: nonPositive)
    func nonPositiveDimension(dims: [Int64]) {
        var g = MalformedBytes(tensors: 1, kv: 0)
        g.tensor("output_norm.weight", dims: dims)
        g.pad(); g.zeros(64)
        let bad = dims.firstIndex { $0 <= 0 }!
        Self.expectError(g.bytes, .badTensor, mentions: ["'output_norm.weight'", "dimension \(bad) is \(dims[bad])"])
    }

    /// Element counts whose product (or byte size) overflows 64 bits, or is beyond any real tensor.
    static let overflowing: [[Int64]] = [[1 << 32, 1 << 32], [.max, 2], [1 << 20, 1 << 20, 1 << 20, 1 << 20], [.max], [1 << 49]]
    @Test(arguments: overflowing)
    func overflowingDimensions(dims: [Int64]) {
        var g = MalformedBytes(tensors: 1, kv: 0)
        g.tensor("blk.0.ffn_up.weight", dims: dims)
        g.pad(); g.zeros(64)
        Self.expectError(g.bytes, .badTensor, mentions: ["'blk.0.ffn_up.weight'", "too many elements"])
    }

    @Test func rowNotAWholeNumberOfBlocks() {
        var g = MalformedBytes(tensors: 1, kv: 0)
        g.tensor("blk.0.attn_k.weight", dims: [100, 2], type: 12)  // Q4_K: blocks of 256
        g.pad(); g.zeros(1024)
        Self.expectError(g.bytes, .badTensor, mentions: ["'blk.0.attn_k.weight'", "100", "256"])
    }

    @Test func tensorNameTooLongOrEmpty() {
        var g = MalformedBytes(tensors: 1, kv: 0)
        g.tensor(String(repeating: "x", count: 64), dims: [8])
        g.pad(); g.zeros(32)
        Self.expectError(g.bytes, .badTensor, mentions: ["tensor #0", "64 bytes", "at most 63"])
        var e = MalformedBytes(tensors: 1, kv: 0)
        e.tensor("", dims: [8])
        e.pad(); e.zeros(32)
        Self.expectError(e.bytes, .badTensor, mentions: ["tensor #0 has an empty name"])
    }

    // MARK: Offsets

    static let farOffsets: [UInt64] = [32 * 1000, 1 << 40, UInt64(Int.max / 2) & ~31, .max & ~31]
    @Test(arguments: farOffsets)
    func offsetOutsideTheFile(offset: UInt64) {
        var g = MalformedBytes(tensors: 1, kv: 0)
        g.tensor("token_embd.weight", dims: [8, 2], offset: offset)
        g.pad(); g.zeros(64)
        Self.expectError(g.bytes, offset > UInt64(Int.max / 2) ? .badTensor : .truncated, mentions: ["'token_embd.weight'"])
    }

    @Test func tensorRunningPastTheEnd() {
        var g = MalformedBytes(tensors: 1, kv: 0)
        g.tensor("token_embd.weight", dims: [8, 4], offset: 0)  // 128 bytes
        g.pad(); g.zeros(100)
        Self.expectError(g.bytes, .truncated, mentions: ["'token_embd.weight'", "0..<128", "100 bytes"])
    }

    @Test(arguments: [UInt64(1), 4, 31, 48])
    func unalignedOffset(offset: UInt64) {
        var g = MalformedBytes(tensors: 1, kv: 0)
        g.tensor("blk.3.attn_q.weight", dims: [8], offset: offset)
        g.pad(); g.zeros(256)
        Self.expectError(g.bytes, .badTensor, mentions: ["'blk.3.attn_q.weight'", "offset \(offset)", "multiple of 32"])
    }

    @Test func unalignedForACustomAlignment() {
        var g = MalformedBytes(tensors: 1, kv: 1)
        g.kvU32("general.alignment", 64)
        g.tensor("t", dims: [8], offset: 32)
        g.pad(64); g.zeros(128)
        Self.expectError(g.bytes, .badTensor, mentions: ["'t'", "offset 32", "multiple of 64"])
    }

    @Test(arguments: [UInt64(0), 32])
    func overlappingTensors(secondOffset: UInt64) {
        var g = MalformedBytes(tensors: 2, kv: 0)
        g.tensor("a.weight", dims: [16], offset: 0)        // bytes 0..<64
        g.tensor("b.weight", dims: [16], offset: secondOffset)
        g.pad(); g.zeros(256)
        Self.expectError(g.bytes, .badTensor, mentions: ["overlap", "'a.weight'", "'b.weight'"])
    }

    @Test func adjacentTensorsDoNotOverlap() throws {
        var g = MalformedBytes(tensors: 2, kv: 0)
        g.tensor("b.weight", dims: [16], offset: 64)
        g.tensor("a.weight", dims: [16], offset: 0)
        g.pad(); g.zeros(128)
        #expect(try GGUFFile(bytes: g.bytes).tensors.count == 2)
    }

    // MARK: Duplicates and missing entries

    @Test func duplicateKey() {
        var g = MalformedBytes(tensors: 0, kv: 2)
        g.kvString("general.architecture", "llama")
        g.kvString("general.architecture", "gemma3")
        Self.expectError(g.bytes, .duplicate, mentions: ["'general.architecture'"])
    }

    @Test func duplicateTensorName() {
        var g = MalformedBytes(tensors: 2, kv: 0)
        g.tensor("output_norm.weight", dims: [8], offset: 0)
        g.tensor("output_norm.weight", dims: [8], offset: 32)
        g.pad(); g.zeros(64)
        Self.expectError(g.bytes, .duplicate, mentions: ["'output_norm.weight'"])
    }

    @Test func missingKeyAndTensorAreNamed() throws {
        let f = try GGUFFile(bytes: MalformedBytes.oneTensor(), name: "m.gguf")
        #expect(throws: GGUFError(.missing, "missing metadata key 'llama.block_count'", path: "m.gguf")) {
            try f.requireInt("llama.block_count")
        }
        #expect(throws: GGUFError(.missing, "missing tensor 'token_embd.weight'", path: "m.gguf")) {
            try f.requireTensor("token_embd.weight")
        }
        let wrong = #expect(throws: GGUFError.self) { try f.requireInt("general.architecture") }
        #expect(wrong?.kind == .badValue && wrong!.message.contains("'general.architecture'"))
    }

    // MARK: Fuzzer regressions

    /// Inputs the fuzzer once found a problem with (Fuzz/regressions/gguf): each must parse or throw.
    @Test func fuzzRegressions() throws {
        let dir = URL(fileURLWithPath: "\(#filePath)").deletingLastPathComponent()
            .appendingPathComponent("../../Fuzz/regressions/gguf").standardized
        let files = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        for name in files where !name.hasPrefix(".") && name != "README.md" {
            let bytes = try [UInt8](Data(contentsOf: dir.appendingPathComponent(name)))
            let clock = ContinuousClock(), start = clock.now
            _ = try? GGUFFile(bytes: bytes, name: name)
            #expect(clock.now - start < .seconds(1), "\(name)")
        }
    }
}
