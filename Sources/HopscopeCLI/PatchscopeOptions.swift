import Analysis
import ArgumentParser
import Foundation

extension PatchscopeSettings.Layers: ExpressibleByArgument {}
extension Knockout.Keys: ExpressibleByArgument {}

/// The Patchscope and knockout options shared by `analyze` and `sweep` (DESIGN §2).
///
/// ```
/// hopscope analyze … --patchscope-layers grid --patchscope-samples 3 --seed 0 --patchscope-prompt repeat
/// ```
struct PatchscopeOptions: ParsableArguments {
    @Option(name: .customLong("patchscope-prompt"),
            help: ArgumentHelp("Target prompt: description, repeat, paper-description, paper-repeat, a FILE holding one, or the prompt itself (ending in the placeholder x).",
                               valueName: "NAME|FILE|TEXT"))
    var prompt: String = "description"

    @Option(name: .customLong("patchscope-layers"),
            help: "Cells: diagonal (ℓt = ℓs, one per layer) or grid (every ℓs × ℓt, the paper's). Default: diagonal for analyze, grid for sweep.")
    var layers: PatchscopeSettings.Layers?

    @Option(name: .customLong("patchscope-samples"),
            help: "0 = greedy; N = N sampled generations per cell (top-k 50, temperature 1), pooled as the paper does (it uses 3).")
    var samples: Int = 0

    @Option(help: "Seed of the first sample (sample i uses seed + i).")
    var seed: UInt64 = 0

    @Option(name: .customLong("knockout-keys"),
            help: "Keys t2 may no longer attend to: t1 (the last token of e1, the paper's) or e1 (every e1 token).")
    var knockoutKeys: Knockout.Keys = .t1

    func validate() throws {
        if samples < 0 { throw ValidationError("--patchscope-samples must be ≥ 0, got \(samples)") }
    }

    /// The settings, with `defaultLayers` when --patchscope-layers was not given.
    func settings(defaultLayers: PatchscopeSettings.Layers) throws -> PatchscopeSettings {
        PatchscopeSettings(layers: layers ?? defaultLayers, samples: samples, seed: seed, prompt: try Self.resolve(prompt))
    }

    /// A named prompt, the contents of a file, or the text itself.
    static func resolve(_ value: String) throws -> String {
        if let named = Patchscope.namedPrompts.first(where: { $0.name == value }) { return named.prompt }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: value, isDirectory: &isDirectory), !isDirectory.boolValue {
            guard let data = FileManager.default.contents(atPath: value), let text = String(data: data, encoding: .utf8) else {
                throw CLIError("--patchscope-prompt \(value): cannot read the file as UTF-8")
            }
            let prompt = text.trimmingCharacters(in: .newlines)
            if prompt.trimmingCharacters(in: .whitespaces).isEmpty { throw CLIError("--patchscope-prompt \(value): the file is empty") }
            return prompt
        }
        return value
    }
}
