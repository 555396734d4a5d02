import Analysis
import ArgumentParser
import Foundation
import Model

/// `hopscope evaluate`: does the model answer each hop, the composition and the two shortcuts?
///
/// ```
/// hopscope evaluate sample-queries/showcase.jsonl                 # JSONL rows on stdout
/// hopscope evaluate sample-queries/people.jsonl --out eval.jsonl  # appended and fsync'ed row by row
/// ```
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Hop1, hop2, composition and shortcut correctness of every query of a file (JSONL rows).",
        discussion: """
            Greedy 10-token generations of the five prompts of each query: hop1 ("the r1 of e1 is", judged \
            against e2), hop2, the composition and both shortcuts (judged against e3). Correct = the \
            generation contains the label or an alias longer than one character, ignoring case.

            Row: {"id", "hop1_correct", "hop2_correct", "composition_correct", "shortcut_entity_correct", \
            "shortcut_relation_correct", "composition_generation", "generations":{"hop1",…}} \
            Rows go to stdout, or with --out are appended to a file (flushed and fsync'ed per row; \
            --resume skips ids already there). A summary goes to stderr.
            """)

    @OptionGroup var modelOption: ModelOption

    @Argument(help: ArgumentHelp("Query file (JSONL, DESIGN §4).", valueName: "FILE.jsonl"))
    var file: String

    @Option(help: ArgumentHelp("Write rows to this file instead of stdout.", valueName: "RESULTS.jsonl"))
    var out: String?

    @Flag(help: "With --out: skip the ids already in the file.")
    var resume = false

    @Flag(help: "With --out: start the file afresh if it already has rows.")
    var overwrite = false

    @Option(help: ArgumentHelp("Run only part I of N (0-based).", valueName: "I/N"))
    var shard: String?

    @Flag(help: "Skip malformed query lines (each reported with its line number) instead of stopping.")
    var skipBad = false

    @Option(help: "Greedy tokens per generation.")
    var maxTokens = 10

    func validate() throws {
        if (resume || overwrite) && out == nil { throw ValidationError("--resume and --overwrite need --out") }
        if resume && overwrite { throw ValidationError("--resume and --overwrite exclude each other") }
        if maxTokens < 1 { throw ValidationError("--max-tokens must be ≥ 1, got \(maxTokens)") }
    }

    func run() throws {
        let shard = try shard.map { s -> SweepShard in
            do { return try SweepShard(parsing: s) } catch { throw CLIError("\(error)") }
        } ?? .whole
        let runner = try QueryRunner(file: file, shard: shard, skipBad: skipBad, out: out, resume: resume,
                                     overwrite: overwrite, limit: nil, command: "evaluate")
        let lm = try modelOption.load()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var counts = [0, 0, 0, 0, 0]
        var n = 0
        try runner.run { q, progress, cancel in
            let e = try Evaluation.run(model: lm, query: q, maxTokens: maxTokens, progress: progress, cancel: cancel)
            n += 1
            for (i, ok) in [e.hop1Correct, e.hop2Correct, e.compositionCorrect, e.shortcutEntityCorrect, e.shortcutRelationCorrect].enumerated() where ok {
                counts[i] += 1
            }
            return (try encoder.encode(e), nil)
        }
        if n > 0 {
            log("evaluate: of \(n): hop1 \(counts[0]), hop2 \(counts[1]), composition \(counts[2]), shortcut r2-of-e1 \(counts[3]), shortcut r2-of-the-r1 \(counts[4]) correct")
        }
    }
}
