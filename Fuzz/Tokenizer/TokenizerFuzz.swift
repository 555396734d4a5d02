// libFuzzer target: text → ids → text on the real tokenizers (SmolLM2's byte-level BPE and
// Gemma-3's SentencePiece), loaded once at start-up from the model files.
//
// Input: byte 0 picks the tokenizer (bit 0) and the flags (bit 1 addSpecial, bit 2 parseSpecial);
// the rest is the text (ill-formed UTF-8 is repaired, as a Swift String always is). Checked:
// every id is in the vocabulary; decoding never traps; and without special-token parsing the
// round trip gives back the text's bytes, less what the vocabulary cannot represent (below).
// Models: $HOPSCOPE_HOME/models (default ~/.cache/hopscope/models).
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import GGUF
@testable import Model

let modelDir: String = {
    if let h = getenv("HOPSCOPE_HOME") { return String(cString: h) + "/models" }
    return String(cString: getenv("HOME")) + "/.cache/hopscope/models"
}()

let tokenizers: [(name: String, tok: Tokenizer)] = {
    ["SmolLM2-135M-Instruct.Q4_1.gguf", "gemma-3-270m-q4_k_m.gguf"].map { name in
        do { return (name, try Tokenizer(gguf: GGUFFile(path: modelDir + "/" + name))) } catch {
            fputs("fuzz-tokenizer: cannot load \(modelDir)/\(name): \(error)\n", stderr)
            exit(2)
        }
    }
}()

/// Per tokenizer, the bytes byte-level BPE cannot encode (their GPT-2 character is no token).
let unrepresentable: [[Bool]] = tokenizers.map { _, tok in
    guard case .bytePair = tok.algorithm else { return [Bool](repeating: false, count: 256) }
    return (0..<256).map { b in tok.byteSymbols[b] < 0 || Int(tok.byteSymbols[b]) >= tok.vocabSize }
}

@_cdecl("LLVMFuzzerInitialize")
public func fuzzInit(_ argc: UnsafeMutablePointer<CInt>?, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> CInt {
    _ = unrepresentable.count  // load before the first input, so start-up is not timed as an input
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTokenizer(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    guard count > 0, let start else { return 0 }
    let raw = UnsafeRawBufferPointer(start: start, count: count)
    let mode = raw[0]
    let which = Int(mode & 1)
    let (name, tok) = tokenizers[which]
    let addSpecial = mode & 2 != 0, parseSpecial = mode & 4 != 0
    let text = String(decoding: raw.dropFirst(), as: UTF8.self)

    let ids = tok.encode(text, addSpecial: addSpecial, parseSpecial: parseSpecial)
    for id in ids where id < 0 || Int(id) >= tok.vocabSize {
        fatalError("\(name): id \(id) outside the vocabulary of \(tok.vocabSize)")
    }
    let back = tok.decodeBytes(ids, removeSpecial: true, unparseSpecial: true)
    _ = tok.decode(ids)
    for id in ids { _ = tok.piece(id) }
    if !parseSpecial {
        // What the tokenizer can represent: SentencePiece writes spaces as ▁ (U+2581), so a ▁ in
        // the text comes back as a space; byte-level BPE drops bytes whose GPT-2 character is not
        // in the vocabulary (SmolLM2 lacks 21, e.g. 0x04 and 0xF5…0xFF), as llama.cpp does.
        var expected = Array(text.utf8)
        if tok.algorithm == .sentencePiece {
            expected = Array(text.replacingOccurrences(of: "\u{2581}", with: " ").utf8)
        } else {
            expected.removeAll { unrepresentable[which][Int($0)] }
        }
        if back != expected {
            fatalError("\(name): round trip changed the text: \(Array(text.utf8)) → \(ids) → \(back)")
        }
    }
    return 0
}
