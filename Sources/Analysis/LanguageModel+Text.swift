import Model

/// The one place Analysis turns text into tokens and back (prompts are tokenized as the GGUF says).
extension LanguageModel {
    /// Token ids of `text`, with the model's BOS when its metadata asks for one; special tokens written
    /// in the text are recognised (DESIGN §6).
    func encode(_ text: String, addSpecial: Bool = true) -> [Int32] {
        tokenizer.encode(text, addSpecial: addSpecial, parseSpecial: true)
    }

    /// The text of `ids`.
    func decode(_ ids: [Int32]) -> String { tokenizer.decode(ids) }

    /// The display piece of one token.
    func piece(_ id: Int32) -> String { tokenizer.piece(id) }

    /// Throws `.model` when `ids` cannot run (empty, out of vocabulary, too long).
    func check(_ ids: [Int32], extra: Int = 0) throws(AnalysisError) {
        do { try checkTokens(ids, extra: extra) } catch { throw .model(error) }
    }
}
