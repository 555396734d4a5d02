import Model

/// The one place Analysis turns text into tokens and back (prompts are tokenized as the GGUF says).
extension LanguageModel {
    /// Token ids of `text`, with the model's BOS when its metadata asks for one.
    func encode(_ text: String, addSpecial: Bool = true) -> [Int32] {
        shimEncode(text, addSpecial: addSpecial)
    }

    /// The text of `ids` (special tokens rendered as their text).
    func decode(_ ids: [Int32]) -> String {
        shimDecode(ids)
    }

    /// The display piece of one token.
    func piece(_ id: Int32) -> String { tokenizer.piece(id) }

    /// Throws `.model` when `ids` cannot run (empty, out of vocabulary, too long).
    func check(_ ids: [Int32], extra: Int = 0) throws(AnalysisError) {
        do { try checkTokens(ids, extra: extra) } catch { throw .model(error) }
    }
}
