import Analysis
import ArgumentParser
import Foundation
import Model

/// A one-line error for the user: what went wrong and which file, key, option or line.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}

/// `--model`: the GGUF to load (default `$HOPSCOPE_MODEL`, then the model `make setup` installed).
struct ModelOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("GGUF model file (default: $HOPSCOPE_MODEL, then the installed SmolLM2-135M-Instruct Q4_1).", valueName: "path"))
    var model: String?

    var path: String { ModelPaths.resolve(model) }

    /// Loads the model, turning every failure into one line naming the file.
    func load() throws -> LanguageModel {
        try opening { try LanguageModel(path: $0) }
    }

    /// Loads only the tokenizer (no weights): what `tokenize` needs.
    func loadTokenizer() throws -> Tokenizer {
        try opening { try Tokenizer(path: $0) }
    }

    private func opening<T>(_ open: (String) throws -> T) throws -> T {
        let path = self.path
        guard FileManager.default.fileExists(atPath: path) else {
            if model == nil && ProcessInfo.processInfo.environment["HOPSCOPE_MODEL"] == nil {
                throw CLIError("\(path): default model not installed; run `make setup` (or pass --model)")
            }
            throw CLIError("\(path): no such file")
        }
        do { return try open(path) } catch {
            throw CLIError("\(error)".hasPrefix(path) ? "\(error)" : "\(path): \(error)")
        }
    }
}

/// Writes one JSON value to stdout (sorted keys, one line, UTF-8 unescaped).
func printJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    let data = try encoder.encode(value)
    FileHandle.standardOutput.write(data)
    FileHandle.standardOutput.write(Data("\n".utf8))
}

/// Progress and logs go to stderr, never stdout.
func log(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// A token id with its display piece.
struct TokenJSON: Encodable {
    let id: Int32
    let piece: String
}

/// Encodes a prompt as the model's metadata says (BOS per `add_bos_token`, special tokens parsed).
func tokenize(_ model: LanguageModel, _ text: String) throws -> [Int32] {
    if let bad = QueryTokens.controlCharacter(in: text) { throw CLIError("the prompt contains \(bad); remove it") }
    let ids = model.tokenizer.encode(text)
    guard !ids.isEmpty else { throw CLIError("the prompt is empty") }
    return ids
}
