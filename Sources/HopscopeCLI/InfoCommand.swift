import ArgumentParser
import Model

/// `hopscope info`: what a model file is and how hopscope will run it.
///
/// ```
/// $ hopscope info --model Llama-3.2-1B-Instruct-Q4_K_M.gguf
/// family      llama
/// shape       16 layers, dim 2048, 32 heads / 8 kv heads, head dim 64, ffn 8192, context 131072
/// rope        adjacent, 64 dims, base 500000.0, scaling none, frequency factors
/// …
/// ```
/// With `--json`, one object (ModelSummary's fields). A file hopscope cannot run fails with the
/// reason, naming the key or tensor.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info", abstract: "Show a model's family, shape, RoPE, tokenizer, tensor types, kernels and memory.")

    @OptionGroup var model: ModelOption
    @Flag(help: "Print JSON (one object).") var json = false

    func run() throws {
        let m = try model.load()
        if json { try printJSON(m.summary); return }
        for line in m.summary.lines { print(line) }
    }
}
