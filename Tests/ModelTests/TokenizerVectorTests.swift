import Foundation
import GGUF
@testable import Model
import Testing
import TestSupport

/// llama.cpp's own tokenizer test vectors (`vendor/llama.cpp/models/ggml-vocab-NAME.gguf` with
/// `.inp` texts and `.out` ids, as its tests/test-tokenizer-0 reads them: no BOS, special tokens
/// read as text). `scripts/setup.sh` fetches them from the llama-cpp-python sdist (sha256-verified)
/// into `$HOPSCOPE_HOME/llama-vocab`. Every vocabulary must match 100%, except the ones in
/// `refusedByDesign`, which must be refused with a message naming their tokenizer; the ones in
/// `roundTrips` must also decode back to the text.
@Suite(.enabled(if: TokenizerVectors.available, "llama.cpp's tokenizer vectors are not installed: run scripts/setup.sh (fetches them into $HOPSCOPE_HOME/llama-vocab)"))
struct TokenizerVectorTests {
    @Test(arguments: TokenizerVectors.names)
    func vocabulary(name: String) throws {
        let path = TokenizerVectors.dir + "/ggml-vocab-\(name).gguf"
        let file = try GGUFFile(path: path)
        let tokenizer: Tokenizer
        do {
            tokenizer = try Tokenizer(gguf: file)
        } catch {
            // Refused: only by design, and the message must name what is not supported.
            #expect(TokenizerVectors.refusedByDesign[name] != nil, "\(name): refused, but only \(TokenizerVectors.refusedByDesign.keys.sorted()) may be: \(error)")
            let model = file.value("tokenizer.ggml.model")?.string ?? "?"
            let pre = file.value("tokenizer.ggml.pre")?.string ?? "?"
            let message = "\(error)"
            #expect(message.contains("'\(model)'") || message.contains("'\(pre)'"),
                    "\(name): refused without naming its tokenizer (model '\(model)', pre '\(pre)'): \(message)")
            print("tokenizer vectors \(name): refused (\(message))")
            return
        }
        let (texts, expected) = try TokenizerVectors.cases(path)
        #expect(texts.count == expected.count && !texts.isEmpty)
        var passed = 0
        for (text, ids) in zip(texts, expected) {
            let ours = tokenizer.encode(text, addSpecial: false, parseSpecial: false)
            if ours == ids { passed += 1 } else {
                Issue.record("\(name): \(text.debugDescription) → \(ours), llama.cpp \(ids)")
            }
            if TokenizerVectors.roundTrips.contains(name) {
                #expect(tokenizer.decode(ours) == text, "\(name): \(text.debugDescription) decodes to \(tokenizer.decode(ours).debugDescription)")
            }
        }
        print("tokenizer vectors \(name): \(passed)/\(texts.count)")
    }
}

enum TokenizerVectors {
    /// The vocabularies with test vectors that hopscope refuses, and why (docs/families.md).
    static let refusedByDesign = [
        "bert-bge": "encoder-only (WPM): not a causal LM, nothing hopscope runs uses it",
    ]
    /// Vocabularies whose tokens llama.cpp decodes back to every vector text (llama_detokenize,
    /// checked with llama-cpp-python 0.3.36): decoding must give the text back here too.
    static let roundTrips: Set<String> = ["gemma-4", "deepseek-llm"]

    static var dir: String { TestModels.home + "/llama-vocab" }
    static var available: Bool { !names.isEmpty }

    /// Vocabularies that have test vectors (`.inp` and `.out` next to the `.gguf`).
    static var names: [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return files.filter { $0.hasPrefix("ggml-vocab-") && $0.hasSuffix(".gguf.inp") }
            .map { String($0.dropFirst("ggml-vocab-".count).dropLast(".gguf.inp".count)) }
            .filter { files.contains("ggml-vocab-\($0).gguf.out") }
            .sorted()
    }

    /// Texts (split on "\n__ggml_vocab_test__\n") and ids (one line each, space-separated).
    static func cases(_ path: String) throws -> ([String], [[Int32]]) {
        let raw = try String(contentsOfFile: path + ".inp", encoding: .utf8)
        var texts = raw.components(separatedBy: "\n__ggml_vocab_test__\n")
        if texts.last == "" { texts.removeLast() }
        let out = try String(contentsOfFile: path + ".out", encoding: .utf8)
        var lines = out.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        let ids = lines.map { $0.split(separator: " ").compactMap { Int32($0) } }
        return (texts, ids)
    }
}
