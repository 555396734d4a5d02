// libFuzzer target: a whole GGUF file from bytes, through everything a model load does before it
// touches the bulk weights — container parse, tensor data bounds, architecture config, weight
// shapes (norm vectors are dequantized), tokenizer construction and one encode/decode.
//
// Any input must end in a value or a thrown error: a trap, an ASan report, a leak, a timeout or a
// single allocation above -malloc_limit_mb (scripts/fuzz.sh sets it far below what a lying count
// would ask for) is a finding. Built by scripts/fuzz.sh, not by SwiftPM.
import GGUF
@testable import Model

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGGUF(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = count == 0 ? [] : Array(UnsafeRawBufferPointer(start: start, count: count))
    let file: GGUFFile
    do { file = try GGUFFile(bytes: bytes, name: "fuzz") } catch { _ = error.description; return 0 }

    // Every tensor's bytes must lie inside the image: touch the first and last.
    var sink: UInt8 = 0
    for t in file.tensors {
        let d = file.data(t)
        precondition(d.count == t.byteCount && file.dataStart + t.offset + d.count <= file.fileSize)
        sink ^= d.first! ^ d.last!
    }
    _ = sink

    if let config = try? ModelConfig(gguf: file) {
        _ = try? ModelWeights(file: file, config: config)
    }
    if let tok = try? Tokenizer(gguf: file) {
        let ids = tok.encode("Hello world! 123 <s> ▁é\n", addSpecial: true, parseSpecial: true)
        precondition(ids.allSatisfy { $0 >= 0 && Int($0) < tok.vocabSize })
        _ = tok.decode(ids)
    }
    return 0
}
