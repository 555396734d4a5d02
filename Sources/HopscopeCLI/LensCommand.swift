import Analysis
import ArgumentParser
import Model

/// `hopscope lens`: the logit lens — the model's own head read at every layer and position.
///
/// ```
/// $ hopscope lens --top 3 "The capital of France is"
/// layer 29  pos 4 ' is'      ' Paris' .77  ' the' .06  ' London' .01
/// ```
struct LensCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lens",
        abstract: "Logit lens: final norm + unembedding of every block output at every position.",
        discussion: "Layer ℓ is the output of block ℓ; the embedding row is reported separately in JSON.")

    @OptionGroup var model: ModelOption
    @Option(name: .long, help: "Tokens per (layer, position).") var top = 5
    @Flag(help: "Print JSON: {\"ids\", \"layers\":[{\"layer\", \"positions\":[{\"pos\", \"top\":[{\"id\", \"piece\", \"prob\"}]}]}]}.") var json = false
    @Argument(help: "The prompt.") var prompt: String

    func validate() throws {
        guard top >= 1 else { throw ValidationError("--top must be ≥ 1") }
    }

    func run() throws {
        let m = try model.load()
        let ids = try tokenize(m, prompt)
        let lens: LogitLens
        do { lens = try LogitLens.run(model: m, ids: ids, topK: top) } catch { throw CLIError("\(error)") }
        if json { try printJSON(lens); return }
        for (l, positions) in lens.layers.enumerated() {
            for (p, tops) in positions.enumerated() {
                let head = "layer \(l)".padding(toLength: 10, withPad: " ", startingAt: 0)
                    + "pos \(p) ".padding(toLength: 7, withPad: " ", startingAt: 0)
                    + lens.pieces[p].debugDescription.padding(toLength: 12, withPad: " ", startingAt: 0)
                print(head + tops.map { "\($0.piece.debugDescription) \(String(format: "%.2f", $0.prob))" }.joined(separator: "  "))
            }
        }
    }
}

/// `hopscope backpatch`: write a later layer's hidden state back into an earlier layer and see the answer.
///
/// ```
/// $ hopscope backpatch --query "The currency of the country of origin of Toyota is" --e1 Toyota \
///     --e3 "Japanese yen" --e3-alias yen --position t2 --source 29 --target 28
/// t2 29→28  ✓  " currently the Japanese yen…"  p(answer) 0.0005 → 0.0123 (rank 209 → 12)
/// ```
struct BackpatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backpatch",
        abstract: "Back-patch h(source, p) into block target's output at p (one cell, or the whole grid).",
        discussion: """
            p is t1 (the last token of e1) or t2 (the last token). Blocks target+1 … L−1 are recomputed for \
            positions ≥ p, then 10 tokens are generated greedily from the patched cache. A cell succeeds \
            when the generation contains e3 or an alias (generation metric), or when e3's first token is \
            the top next token (first-token metric). The grid is every source > target pair; its cells stop \
            generating once they name e3 ("stopped_once_correct": true, the generation up to there) unless \
            --full-generations.
            """)

    @OptionGroup var model: ModelOption
    @Option(help: "The composition prompt.") var query: String
    @Option(help: "The entity in the query (its last token is t1).") var e1: String
    @Option(help: "The answer.") var e3: String
    @Option(name: .customLong("e3-alias"), help: "Another name of e3 (repeatable).") var e3Aliases: [String] = []
    @Option(help: "t1 or t2.") var position: PatchPosition
    @Option(help: "Source layer ℓs.") var source: Int?
    @Option(help: "Target layer ℓt (< source).") var target: Int?
    @Flag(help: "Every source > target cell.") var grid = false
    @Option(help: "generation (the paper's 10-token criterion) or first-token.") var metric: BackPatchMetric = .generation
    @Flag(help: "Print JSON (one cell object, or the grid object).") var json = false
    @Flag(help: "Compute each cell by the definition (a full re-run per cell): the test oracle, slow.") var naive = false
    @Flag(help: "Generate all 10 tokens of every grid cell, even once a cell has named e3 (slower).") var fullGenerations = false

    func validate() throws {
        if grid {
            guard source == nil, target == nil else { throw ValidationError("--grid takes no --source/--target") }
        } else {
            guard source != nil, target != nil else { throw ValidationError("give --source and --target, or --grid") }
        }
    }

    func run() throws {
        let m = try model.load()
        let patcher: BackPatcher
        do {
            let problem = try BackPatchProblem(model: m, query: query, e1: e1, e3: AnswerMatcher(label: e3, aliases: e3Aliases))
            patcher = try BackPatcher(model: m, problem: problem)
        } catch { throw CLIError("\(error)") }
        let base = patcher.baseAnswer
        if grid {
            let result: BackPatchGrid
            do {
                result = naive ? try patcher.naiveGrid(position, metric: metric)
                    : try patcher.grid(position, metric: metric, untilDecided: !fullGenerations) { _, done, total in
                        log("back-patch grid: \(done)/\(total) cells")
                    }
            } catch { throw CLIError("\(error)") }
            if json { try printJSON(result); return }
            let ok = result.cells.filter(\.correct)
            print("\(position) grid, \(metric.rawValue) metric: \(ok.count)/\(result.cells.count) cells succeed; fixed: \(result.fixed ? "yes" : "no")")
            print(String(format: "unpatched p(answer) %.4g, rank %d", base.prob, base.rank))
            for c in ok.sorted(by: { $0.answerProb > $1.answerProb }).prefix(20) { print(describe(c, base: base)) }
            return
        }
        let cell: BackPatchCell
        do {
            cell = naive ? try patcher.naiveCell(position, source: source!, target: target!, metric: metric)
                : try patcher.cell(position, source: source!, target: target!, metric: metric)
        } catch { throw CLIError("\(error)") }
        if json { try printJSON(cell); return }
        print(describe(cell, base: base))
    }

    func describe(_ c: BackPatchCell, base: (prob: Float, rank: Int)) -> String {
        "\(c.position) \(c.source)→\(c.target)  \(c.correct ? "✓" : "✗")  \(c.generation.debugDescription)\(c.stoppedOnceCorrect ? "…" : "")  "
            + String(format: "p(answer) %.4g → %.4g (rank %d → %d)", base.prob, c.answerProb, base.rank, c.answerRank)
    }
}

extension PatchPosition: ExpressibleByArgument {}
extension BackPatchMetric: ExpressibleByArgument {}
