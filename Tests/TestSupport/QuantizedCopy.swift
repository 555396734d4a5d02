import Foundation
import GGUF

/// A quantized copy of an F32 file, tensor by tensor as llama.cpp's quantizer typed them.
///
/// `types` is the "name:TYPE" list of the file llama.cpp's `llama_model_quantize` wrote (recorded by
/// `scripts/golden/make_families_golden.py`, in that file's tensor order). Every tensor of `src` is
/// written as that type with `Quantize.row` (ggml's reference quantizers), and `tensorsFNV1a64` is the
/// FNV-1a 64 of the tensor bytes in llama.cpp's order: equal to the golden's iff the bytes are llama.cpp's.
public struct QuantizedCopy {
    public let path: String
    public let tensorsFNV1a64: String

    public init(of src: String, types: [String], fileType: UInt32, to path: String) throws {
        let file = try GGUFFile(path: src)
        var w = GGUFWriter()
        for key in file.metadataKeys where key != "general.file_type" { w.set(key, file.metadata[key]!) }
        w.set("general.file_type", .uint32(fileType))
        var typeOf: [String: GGMLType] = [:]
        for entry in types {
            let parts = entry.split(separator: ":").map(String.init)
            guard let t = GGMLType.allCases.first(where: { $0.description == parts[1] }) else {
                throw GGUFError(.unsupported, "golden tensor type '\(parts[1])' of '\(parts[0])' is unknown")
            }
            typeOf[parts[0]] = t
        }
        var written: [String: [UInt8]] = [:]
        for t in file.tensors {
            let raw = Array(file.data(t))
            let type = typeOf[t.name] ?? t.type
            var bytes = raw
            if type != t.type {
                let floats = raw.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
                bytes = try Quantize.row(type, floats)
            }
            written[t.name] = bytes
            try w.addTensor(t.name, type: type, shape: t.shape, bytes: bytes)
        }
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for entry in types {
            for b in written[String(entry.split(separator: ":")[0])] ?? [] { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
        }
        try w.write(to: path)
        self.path = path
        tensorsFNV1a64 = String(format: "%016llx", h)
    }
}
