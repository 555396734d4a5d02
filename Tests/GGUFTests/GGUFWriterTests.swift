import Foundation
import Testing
import TestSupport
@testable import GGUF

// MARK: - Metadata round trips

/// One value of every GGUF value type, including arrays of every element type.
let everyValue: [(String, GGUFValue)] = [
    ("t.u8", .uint8(200)), ("t.i8", .int8(-100)), ("t.u16", .uint16(60000)), ("t.i16", .int16(-30000)),
    ("t.u32", .uint32(4_000_000_000)), ("t.i32", .int32(-2_000_000_000)),
    ("t.u64", .uint64(18_000_000_000_000_000_000)), ("t.i64", .int64(-9_000_000_000_000_000_000)),
    ("t.f32", .float32(-1.5e-7)), ("t.f64", .float64(3.141592653589793)), ("t.bool", .bool(true)),
    ("t.string", .string("héllo ✓")), ("t.empty", .string("")),
    ("a.u8", .array(.uint8([0, 255]))), ("a.i8", .array(.int8([-128, 127]))),
    ("a.u16", .array(.uint16([1, 65535]))), ("a.i16", .array(.int16([-32768, 32767]))),
    ("a.u32", .array(.uint32([7, .max]))), ("a.i32", .array(.int32([.min, 0, .max]))),
    ("a.u64", .array(.uint64([.max]))), ("a.i64", .array(.int64([.min]))),
    ("a.f32", .array(.float32([1, -0.0, .infinity]))), ("a.f64", .array(.float64([2.5e300]))),
    ("a.bool", .array(.bool([true, false, true]))), ("a.string", .array(.string(["a", "", "Ġworld"]))),
    ("a.empty", .array(.int32([]))),
]

@Test(arguments: everyValue.map(\.0))
func eachValueTypeRoundTrips(_ key: String) throws {
    let value = everyValue.first { $0.0 == key }!.1
    var w = GGUFWriter()
    w.set(key, value)
    let f = try GGUFFile(bytes: try w.serialized())
    #expect(f.metadataKeys == [key])
    #expect(f.value(key) == value)
    #expect(f.value(key)?.typeID == value.typeID)
}

@Test func allMetadataAndTensorsRoundTrip() throws {
    var w = GGUFWriter()
    for (k, v) in everyValue { w.set(k, v) }
    let a = (0..<64).map { Float($0) / 8 - 4 }
    let b = try Quantize.row(.q8_0, a)
    try w.addTensor("a", type: .f32, shape: [64], bytes: try Quantize.row(.f32, a))
    try w.addTensor("b.weight", type: .q8_0, shape: [32, 2], bytes: b)
    try w.addTensor("c", type: .q4_1, shape: [32, 1, 1, 3], bytes: try Quantize.row(.q4_1, a + a[..<32]))
    let dir = TemporaryDirectory()
    let path = dir.path("all.gguf")
    try w.write(to: path)
    let f = try GGUFFile(path: path)
    #expect(f.version == 3)
    #expect(f.metadataKeys == everyValue.map(\.0))
    for (k, v) in everyValue { #expect(f.value(k) == v, "\(k)") }
    #expect(f.tensors.map(\.name) == ["a", "b.weight", "c"])
    #expect(f.tensors.map(\.shape) == [[64], [32, 2], [32, 1, 1, 3]])
    #expect(f.tensors.map(\.type) == [.f32, .q8_0, .q4_1])
    #expect(f.tensors.allSatisfy { $0.offset % 32 == 0 })
    #expect(Array(f.data(f.tensors[1])) == b)
    #expect(Dequantize.tensor(f, f.tensors[0]) == a)
    #expect(f.fileSize % 32 == 0)
    // Writing to memory gives the same bytes as writing to disk.
    #expect(try w.serialized() == Array(try Data(contentsOf: URL(fileURLWithPath: path))))
}

@Test func tensorsCopiedFromAnotherFile() throws {
    var w = GGUFWriter()
    try w.addTensor("a", type: .f32, shape: [4], bytes: Data(try Quantize.row(.f32, [1, 2, 3, 4])))
    let first = try GGUFFile(bytes: try w.serialized())
    var copy = GGUFWriter()
    let t = try first.requireTensor("a")
    try copy.addTensor("a", type: t.type, shape: t.shape) { out in try out.write(first.data(t)) }
    try copy.addTensor("b", type: t.type, shape: t.shape, bytes: first.data(t))
    let second = try GGUFFile(bytes: try copy.serialized())
    #expect(Dequantize.tensor(second, try second.requireTensor("a")) == [1, 2, 3, 4])
    #expect(Array(second.data(try second.requireTensor("b"))) == Array(first.data(t)))
}

@Test func alignmentIsHonoured() throws {
    var w = GGUFWriter(alignment: 64)
    #expect(w.alignment == 64)
    #expect(w.metadataValue("general.alignment") == .uint32(64))
    try w.addTensor("x", type: .f32, shape: [3], bytes: try Quantize.row(.f32, [1, 2, 3]))
    try w.addTensor("y", type: .f32, shape: [5], bytes: try Quantize.row(.f32, [4, 5, 6, 7, 8]))
    let f = try GGUFFile(bytes: try w.serialized())
    #expect(f.alignment == 64)
    #expect(f.dataStart % 64 == 0)
    #expect(f.tensors.map(\.offset) == [0, 64])
    #expect(Dequantize.tensor(f, f.tensors[1]) == [4, 5, 6, 7, 8])

    var odd = GGUFWriter()
    odd.set("general.alignment", .uint32(48))
    #expect(throws: GGUFError.self) { try odd.serialized() }
}

@Test func version2() throws {
    var w = GGUFWriter()
    w.version = 2
    w.set("k", .string("v"))
    let f = try GGUFFile(bytes: try w.serialized())
    #expect(f.version == 2)
    #expect(f.value("k") == .string("v"))
}

@Test func streamedTensorSource() throws {
    var w = GGUFWriter()
    // 1000 rows of Q4_0 written one row at a time.
    try w.addTensor("big", type: .q4_0, shape: [64, 1000]) { out in
        for r in 0..<1000 {
            let row = (0..<64).map { Float(($0 * 7 + r) % 17) - 8 }
            try out.write(try Quantize.row(.q4_0, row))
        }
    }
    #expect(w.tensors[0].byteCount == 1000 * 36)
    let f = try GGUFFile(bytes: try w.serialized())
    let t = try f.requireTensor("big")
    #expect(Dequantize.row(f, t, row: 999)[0] == Float((999) % 17) - 8)
}

// MARK: - Errors

@Test func writerRejectsBadTensors() throws {
    var w = GGUFWriter()
    #expect(throws: GGUFError.self) { try w.addTensor("x", type: .q4_0, shape: [33], bytes: []) }            // not whole blocks
    #expect(throws: GGUFError.self) { try w.addTensor("x", type: .f32, shape: [2], bytes: [0, 0, 0, 0]) }    // too few bytes
    #expect(throws: GGUFError.self) { try w.addTensor(String(repeating: "n", count: 64), type: .f32, shape: [1], bytes: [0, 0, 0, 0]) }
    #expect(throws: GGUFError.self) { try w.addTensor("x", type: .f32, shape: [1, 1, 1, 1, 1], bytes: [0, 0, 0, 0]) }
    #expect(throws: GGUFError.self) { try w.addTensor("x", type: .f32, shape: [Int.max / 2, 4]) { _ in } }
    try w.addTensor("x", type: .f32, shape: [1], bytes: [0, 0, 0, 0])
    #expect(throws: GGUFError.self) { try w.addTensor("x", type: .f32, shape: [1], bytes: [0, 0, 0, 0]) }   // duplicate
    #expect(w.tensors.count == 1)

    var short = GGUFWriter()
    try short.addTensor("s", type: .f32, shape: [4]) { out in try out.write([Float(1)]) }
    #expect(throws: GGUFError.self) { try short.serialized() }
    let dir = TemporaryDirectory()
    #expect(throws: GGUFError.self) { try short.write(to: dir.path("short.gguf")) }
    #expect(!FileManager.default.fileExists(atPath: dir.path("short.gguf")))   // partial file removed
}

// MARK: - Quantizers

@Test func quantizersRoundTripWithinTheirStep() throws {
    var rng = ByteSource(seed: 9)
    let x = (0..<256).map { _ in rng.float() * 3 }
    for type in [GGMLType.f32, .f16, .bf16, .q8_0, .q4_0, .q4_1] {
        let bytes = try Quantize.row(type, x)
        #expect(bytes.count == type.rowBytes(x.count))
        let y = referenceFloats(type, bytes)
        for b in stride(from: 0, to: 256, by: 32) {
            let block = x[b..<(b + 32)]
            let range = block.max()! - block.min()!, amax = block.map(abs).max()!
            // Half a quantization step, plus fp16 rounding of the scale.
            let step: Float
            switch type {
            case .f32: step = 0
            case .f16: step = amax / 1024
            case .bf16: step = amax / 128
            case .q8_0: step = amax / 127 * 0.5 * 1.01 + amax / 1024
            // Q4_0 spans [−8d, 7d] with d set by the extreme value: the opposite end loses a level.
            case .q4_0: step = amax / 8 * 1.01 + amax / 512
            default: step = range / 15 * 0.5 * 1.01 + amax / 512
            }
            for j in b..<(b + 32) { #expect(abs(y[j] - x[j]) <= step, "\(type) element \(j)") }
        }
    }
    #expect(throws: GGUFError.self) { try Quantize.row(.q5_K, x) }
    #expect(throws: GGUFError.self) { try Quantize.row(.q8_0, [1, 2]) }
}

@Test func q4_0QuantizerMatchesGgmlRule() throws {
    // Largest magnitude −4 → d = 0.5; x = (q − 8)·0.5 for q = 0…15 are exact.
    let x = (0..<32).map { Float($0 % 16 - 8) * 0.5 }
    let bytes = try Quantize.row(.q4_0, x)
    #expect(Array(bytes[0..<2]) == fp16Bytes(0.5))
    #expect(referenceFloats(.q4_0, bytes) == x)
    // Q8_0 of ±127 multiples of 0.25 is exact too.
    let z = (0..<32).map { Float($0 * 8 - 127) * 0.25 }
    #expect(referenceFloats(.q8_0, try Quantize.row(.q8_0, z)) == z.map { Float(Int8((($0 / (31.75 / 127))).rounded())) * Float(Float16(31.75 / 127)) })
}

struct QuantizeGolden: Decodable {
    struct Case: Decodable { let type: String; let bytes: String }
    let input_f32_le: String
    let cases: [Case]
}

@Test func quantizersMatchGGUFPy() throws {
    let golden = try JSONDecoder().decode(QuantizeGolden.self, from: Fixtures.data("quantize.json"))
    let x = hexBytes(golden.input_f32_le).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    #expect(x.count == 256)
    for c in golden.cases {
        let type = GGMLType.allCases.first { $0.description == c.type }!
        #expect(try Quantize.row(type, x) == hexBytes(c.bytes), "\(c.type)")
    }
}
