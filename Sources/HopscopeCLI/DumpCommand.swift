import ArgumentParser
import Foundation
import GGUF
import Model

/// `hopscope dump`: every block's output for every prompt token, as a NumPy array.
///
/// ```
/// $ hopscope dump --out h.npy "The capital of France is"
/// $ python3 -c "import numpy; print(numpy.load('h.npy').shape)"    # (30, 5, 576)
/// ```
struct DumpCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dump",
        abstract: "Write the residual stream after every block as float32 [layers, tokens, dim] .npy.",
        discussion: "Row ℓ is the output of decoder block ℓ (the embedding is not included).")

    @OptionGroup var model: ModelOption
    @Option(name: .long, help: ArgumentHelp("Output .npy file.", valueName: "file")) var out: String
    @Argument(help: "The prompt.") var prompt: String

    func run() throws {
        let m = try model.load()
        let ids = try tokenize(m, prompt)
        let L = m.config.layers, dim = m.config.dim
        let (result, _) = try m.run(ids, hooks: .recordingResidualStream(layers: L), logits: .none)
        var values: [Float] = []
        values.reserveCapacity(L * ids.count * dim)
        for l in 0..<L { values += result.recorded[.block(l)]! }
        let data = NPY.encode(values, shape: [L, ids.count, dim])
        do { try data.write(to: URL(fileURLWithPath: out), options: .atomic) } catch {
            throw CLIError("\(out): cannot write: \((error as NSError).localizedDescription)")
        }
        log("wrote \(out): [\(L), \(ids.count), \(dim)] float32")
    }
}
