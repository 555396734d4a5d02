/// How an analysis runs its Patchscopes, written next to its results so a reader knows (DESIGN §2).
///
/// - `layers`: `.diagonal` runs the cells (ℓ, ℓ) — one per layer, fast, the explorer's default;
///   `.grid` runs every (ℓs, ℓt) — L² cells, the paper's, the sweeps' default. A stage takes the
///   earliest ℓs over all the ℓt that were run.
/// - `samples`: 0 = greedy (one generation per cell); N > 0 = N sampled generations per cell with
///   seeds `seed`, `seed + 1`, …, pooled: a cell decodes an entity when any of its samples does (the
///   paper samples with 3 seeds).
/// - `prompt`: the target prompt; `promptName` its name ("description", "repeat", "paper-description",
///   "paper-repeat", or "custom").
///
/// ```json
/// {"layers":"grid","samples":3,"seed":0,"prompt":"description"}
/// ```
public struct PatchscopeSettings: Codable, Sendable, Equatable, CustomStringConvertible {
    public enum Layers: String, Codable, Sendable, CaseIterable {
        case diagonal, grid
    }

    public var layers: Layers
    public var samples: Int
    public var seed: UInt64
    public var prompt: String

    public init(layers: Layers = .diagonal, samples: Int = 0, seed: UInt64 = 0, prompt: String = Patchscope.defaultTargetPrompt) {
        self.layers = layers
        self.samples = samples
        self.seed = seed
        self.prompt = prompt
    }

    public var promptName: String { Patchscope.promptName(prompt) }

    /// The cells (ℓs, ℓt) of this mode over `L` layers, ℓs-major.
    public func cells(layers L: Int) -> [(source: Int, target: Int)] {
        switch layers {
        case .diagonal: return (0..<L).map { ($0, $0) }
        case .grid: return (0..<L).flatMap { s in (0..<L).map { (s, $0) } }
        }
    }

    /// "grid, 3 samples (seeds 0–2), description" / "diagonal, greedy, repeat".
    public var description: String {
        let decoding = samples == 0 ? "greedy" : "\(samples) sample\(samples == 1 ? "" : "s") (seed\(samples == 1 ? " \(seed)" : "s \(seed)–\(seed + UInt64(samples) - 1)"))"
        return "\(layers.rawValue), \(decoding), \(promptName) prompt"
    }

    enum CodingKeys: String, CodingKey { case layers, samples, seed, prompt, promptText = "prompt_text" }

    /// Named prompts are written by name; a custom prompt also with its text.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(layers, forKey: .layers)
        try c.encode(samples, forKey: .samples)
        try c.encode(seed, forKey: .seed)
        try c.encode(promptName, forKey: .prompt)
        if promptName == "custom" { try c.encode(prompt, forKey: .promptText) }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        layers = try c.decode(Layers.self, forKey: .layers)
        samples = try c.decode(Int.self, forKey: .samples)
        seed = try c.decode(UInt64.self, forKey: .seed)
        let name = try c.decode(String.self, forKey: .prompt)
        if let named = Patchscope.namedPrompts.first(where: { $0.name == name }) {
            prompt = named.prompt
        } else {
            prompt = try c.decodeIfPresent(String.self, forKey: .promptText) ?? name
        }
    }
}

/// What the Patchscopes from one source layer ℓs decoded, over every target layer and sample run.
///
/// `generation`/`decoded` are one representative generation: the diagonal cell (ℓs, ℓs), sample 0,
/// when it was run, else the first cell run. `decodedAny` lists every entity decoded by any cell of
/// ℓs (pooled over ℓt and samples, in the order e1, e2, e3, other): the stages read it.
public struct PatchscopePooled: Codable, Sendable, Equatable {
    public var generation: String
    public var decoded: DecodedEntity
    public var target: Int
    public var decodedAny: [DecodedEntity]
    /// Cells (ℓt, sample) pooled.
    public var cells: Int

    public init(generation: String, decoded: DecodedEntity, target: Int, decodedAny: [DecodedEntity], cells: Int) {
        self.generation = generation
        self.decoded = decoded
        self.target = target
        self.decodedAny = decodedAny
        self.cells = cells
    }

    enum CodingKeys: String, CodingKey { case generation, decoded, target, decodedAny = "decoded_any", cells }

    /// Whether any pooled cell decoded `entity`.
    public func decodes(_ entity: DecodedEntity) -> Bool { decodedAny.contains(entity) }

    /// One reading per source layer 0..<L from the cells run (layers with no cell get nil).
    public static func pool(_ cells: [PatchscopeCell], layers L: Int) -> [PatchscopePooled?] {
        var bySource = [[PatchscopeCell]](repeating: [], count: L)
        for c in cells where (0..<L).contains(c.source) { bySource[c.source].append(c) }
        return bySource.enumerated().map { s, group in
            guard !group.isEmpty else { return nil }
            let rep = group.first { $0.target == s && $0.sample == 0 } ?? group[0]
            let any = DecodedEntity.allCases.filter { e in group.contains { $0.decoded == e } }
            return PatchscopePooled(generation: rep.generation, decoded: rep.decoded, target: rep.target,
                                     decodedAny: any, cells: group.count)
        }
    }
}
