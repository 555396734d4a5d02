import Foundation
import GGUF
import Testing
import TestSupport
@testable import Model

// The two default models' tokenizers: known ids, pieces, special tokens, metadata.

// MARK: - SmolLM2 (gpt2, pre smollm)

@Test(.enabled(if: TestModels.available(TestModels.smollm2)))
func smolLM2KnownIDs() throws {
    let tok = try #require(LoadedTokenizers.smollm2)
    #expect(tok.algorithm == .bytePair(.smollm))
    #expect(tok.vocabSize == 49152)
    #expect(tok.addBOS == false)
    #expect(tok.bos == 1)
    #expect(tok.eos == 2)
    // FORMATS.md's check.
    #expect(tok.encode("Hello world! 123") == [19556, 905, 17, 216, 33, 34, 35])
    #expect(tok.encode("") == [])
}

@Test(.enabled(if: TestModels.available(TestModels.smollm2)))
func smolLM2Pieces() throws {
    let tok = try #require(LoadedTokenizers.smollm2)
    #expect(tok.piece(905) == " world")
    #expect(tok.piece(19556) == "Hello")
    #expect(tok.piece(216) == " ")
    #expect(tok.piece(198) == "\n")
    #expect(tok.piece(1) == "<|im_start|>")
    #expect(tok.text(of: 905) == "Ġworld")
    #expect(tok.id(ofToken: "Ġworld") == 905)
    #expect(tok.id(ofToken: "no such token here") == nil)
    #expect(tok.pieceBytes(1, special: false) == [])
    #expect(tok.piece(-1) == "")
    #expect(tok.piece(Int32(tok.vocabSize)) == "")
}

@Test(.enabled(if: TestModels.available(TestModels.smollm2)))
func smolLM2SpecialTokenParsing() throws {
    let tok = try #require(LoadedTokenizers.smollm2)
    let text = "<|im_start|>user\nHi<|im_end|>"
    #expect(tok.encode(text) == [1, 4093, 198, 26843, 2])
    let plain = tok.encode(text, parseSpecial: false)
    #expect(!plain.contains(1) && !plain.contains(2))
    #expect(tok.decode(plain) == text)
    #expect(tok.isSpecial(1) && tok.isSpecial(2) && tok.isSpecial(0))
    #expect(!tok.isSpecial(905))
    #expect(tok.attributes(of: 1) == .control)
    #expect(tok.endOfGeneration.contains(2))
    // Control tokens are written back as text, or left out.
    #expect(tok.decode([1, 4093]) == "<|im_start|>user")
    #expect(tok.decode([1, 4093], unparseSpecial: false) == "user")
}

@Test(.enabled(if: TestModels.available(TestModels.smollm2) && TestModels.available(TestModels.gemma3)))
func answerAsContinuation() throws {
    for tok in [LoadedTokenizers.smollm2, LoadedTokenizers.gemma3] {
        let tok = try #require(tok)
        let ids = tok.continuation(of: "The capital of Germany is", " Berlin")
        #expect(ids.count == 1)
        #expect(tok.piece(ids[0]) == " Berlin")
        #expect(tok.continuation(of: "x", "") == [])
    }
}

// MARK: - Gemma 3 (llama = SentencePiece BPE)

@Test(.enabled(if: TestModels.available(TestModels.gemma3)))
func gemma3KnownIDs() throws {
    let tok = try #require(LoadedTokenizers.gemma3)
    #expect(tok.algorithm == .sentencePiece)
    #expect(tok.vocabSize == 262144)
    #expect(tok.addBOS == true)
    #expect(tok.addSpacePrefix == false)
    #expect(tok.bos == 2)
    #expect(tok.eos == 1)
    #expect(tok.encode("") == [2])
    #expect(tok.encode("", addSpecial: false) == [])
    let hello = tok.encode("Hello world! 123")
    #expect(hello == [2, 9259, 1902, 236888, 236743, 236770, 236778, 236800])
    #expect(tok.encode("Hello world! 123", addSpecial: false) == Array(hello.dropFirst()))
}

@Test(.enabled(if: TestModels.available(TestModels.gemma3)))
func gemma3PiecesAndSpecials() throws {
    let tok = try #require(LoadedTokenizers.gemma3)
    #expect(tok.piece(1902) == " world")
    #expect(tok.piece(107) == "\n")
    #expect(tok.piece(2) == "<bos>")
    #expect(tok.attributes(of: 6) == [.control, .unused])  // "<unused0>", marked by its name as llama.cpp
    #expect(tok.piece(6) == "<unused0>")
    #expect(tok.pieceBytes(2, special: false) == [])
    // Byte tokens: "<0x41>" stands for "A".
    let byteA = try #require(tok.id(ofToken: "<0x41>"))
    #expect(tok.pieceBytes(byteA) == [0x41])
    #expect(tok.attributes(of: byteA) == .byte)
    // A leading BOS is removed by decode; others stay.
    #expect(tok.decode([2, 9259]) == "Hello")
    #expect(tok.decode([2, 9259], removeSpecial: false) == "<bos>Hello")
    // Turn markers are special; with parseSpecial off they are text.
    let turn = "<start_of_turn>user\nHi<end_of_turn>"
    let ids = tok.encode(turn, addSpecial: false)
    #expect(ids.first == 105)
    #expect(ids.last == 106)
    let plain = tok.encode(turn, addSpecial: false, parseSpecial: false)
    #expect(!plain.contains(105) && !plain.contains(106))
    #expect(tok.decode(plain) == turn)
    #expect(tok.endOfGeneration.contains(1) && tok.endOfGeneration.contains(106))
    // User-defined tokens (newline runs) are split out even with parseSpecial off, as llama.cpp.
    #expect(tok.encode("a\n\nb", addSpecial: false, parseSpecial: false).contains(108))
}

// MARK: - Load and encode time (a rough guard; numbers are printed for the record)

@Test(.enabled(if: TestModels.available(TestModels.gemma3) && TestModels.available(TestModels.smollm2)))
func tokenizerLoadsAndEncodesQuickly() throws {
    let clock = ContinuousClock()
    let gemmaFile = try GGUFFile(path: TestModels.gemma3)
    let smolFile = try GGUFFile(path: TestModels.smollm2)
    // Median of five loads (the machine is shared; one load can be unlucky).
    func median(_ f: () throws -> Void) rethrows -> Duration {
        var d: [Duration] = []
        for _ in 0 ..< 5 { d.append(try clock.measure(f)) }
        return d.sorted()[2]
    }
    let loadGemma = try median { _ = try Tokenizer(gguf: gemmaFile) }
    let loadSmol = try median { _ = try Tokenizer(gguf: smolFile) }
    let text = String(repeating: "The currency of the country of origin of Toyota is the yen. ", count: 34)
    let gemma = try #require(LoadedTokenizers.gemma3)
    let smol = try #require(LoadedTokenizers.smollm2)
    let encodeGemma = median { _ = gemma.encode(text) }
    let encodeSmol = median { _ = smol.encode(text) }
    print("tokenizer timing (\(text.count) chars): gemma3 load \(loadGemma), encode \(encodeGemma); "
        + "smollm2 load \(loadSmol), encode \(encodeSmol)")
    #if DEBUG
    let slack = 40.0  // unoptimised code
    #else
    let slack = 1.0
    #endif
    #expect(loadGemma < .seconds(0.5 * slack))
    #expect(loadSmol < .seconds(0.5 * slack))
    #expect(encodeGemma < .seconds(0.02 * slack))
    #expect(encodeSmol < .seconds(0.02 * slack))
}
