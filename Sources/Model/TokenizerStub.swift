import GGUF
// TEMPORARY until the tokenizer branch lands.
public final class Tokenizer: @unchecked Sendable {
    let tokens: [String]
    let eos: Int32
    public init(gguf: GGUFFile) throws {
        tokens = try gguf.requireArray("tokenizer.ggml.tokens").strings!
        eos = Int32(try gguf.int("tokenizer.ggml.eos_token_id") ?? -1)
    }
    public func isEndOfGeneration(_ id: Int32) -> Bool { id == eos }
    public func piece(_ id: Int32) -> String { tokens[Int(id)].replacingOccurrences(of: "Ġ", with: " ").replacingOccurrences(of: "▁", with: " ") }
}
extension Tokenizer { public func decode(_ ids: [Int32]) -> String { ids.map { piece($0) }.joined() } }
