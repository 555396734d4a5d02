import Analysis
import ArgumentParser
import Model

/// `hopscope tokenize`: the token ids and pieces of a text, exactly as the model's tokenizer makes them.
///
/// ```
/// $ hopscope tokenize --json "Hello world! 123"
/// {"ids":[19556,905,17,216,33,34,35],"pieces":["Hello"," world","!"," ","1","2","3"]}
/// ```
struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tokenize", abstract: "Show the token ids and pieces of a text.")

    @OptionGroup var model: ModelOption
    @Flag(help: "Print JSON: {\"ids\":[Int], \"pieces\":[String]}.") var json = false
    @Argument(help: "The text (special tokens such as <|im_start|> are recognised).") var text: String

    struct Output: Encodable { let ids: [Int32]; let pieces: [String] }

    func run() throws {
        let tokenizer = try model.loadTokenizer()
        let ids = tokenizer.encode(text)
        let out = Output(ids: ids, pieces: ids.map { tokenizer.piece($0) })
        if json { try printJSON(out); return }
        for (id, piece) in zip(out.ids, out.pieces) { print(String(id).padding(toLength: 8, withPad: " ", startingAt: 0) + piece.debugDescription) }
    }
}

/// `hopscope generate`: greedy continuation of a prompt.
///
/// ```
/// $ hopscope generate --max-tokens 5 "The capital of France is"
///  Paris.
/// ```
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "generate", abstract: "Greedy-generate a continuation of a prompt.")

    @OptionGroup var model: ModelOption
    @Option(name: .long, help: "Tokens to generate (stops early at end-of-sequence).") var maxTokens = 10
    @Flag(help: "Print JSON: {\"ids\":[Int], \"text\":String}.") var json = false
    @Argument(help: "The prompt.") var prompt: String

    struct Output: Encodable { let ids: [Int32]; let text: String }

    func validate() throws {
        guard maxTokens >= 0 else { throw ValidationError("--max-tokens must be ≥ 0") }
    }

    func run() throws {
        let m = try model.load()
        let ids = try tokenize(m, prompt)
        let out = try m.generate(ids, maxTokens: maxTokens)
        let text = m.tokenizer.decode(out)
        if json { try printJSON(Output(ids: out, text: text)) } else { print(text) }
    }
}

/// `hopscope logits`: the raw next-token logits after a prompt, top K.
struct LogitsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "logits", abstract: "Show the next-token logits after a prompt (raw, pre-softmax).")

    @OptionGroup var model: ModelOption
    @Option(name: .long, help: "How many top tokens to show.") var top = 10
    @Flag(help: "Print JSON: {\"ids\":[Int], \"top\":[{\"id\", \"piece\", \"logit\", \"prob\"}]}.") var json = false
    @Argument(help: "The prompt.") var prompt: String

    struct Entry: Encodable { let id: Int; let piece: String; let logit: Float; let prob: Float }
    struct Output: Encodable { let ids: [Int32]; let top: [Entry] }

    func validate() throws {
        guard top >= 1 else { throw ValidationError("--top must be ≥ 1") }
    }

    func run() throws {
        let m = try model.load()
        let ids = try tokenize(m, prompt)
        let dist = Distribution(logits: try m.nextLogits(ids))
        let entries = dist.top(top) { m.tokenizer.piece($0) }.map {
            Entry(id: Int($0.id), piece: $0.piece, logit: dist.logits[Int($0.id)], prob: $0.prob)
        }
        if json { try printJSON(Output(ids: ids, top: entries)); return }
        for e in entries {
            print(String(format: "%7d  %9.4f  %6.4f  ", e.id, e.logit, e.prob) + e.piece.debugDescription)
        }
    }
}
