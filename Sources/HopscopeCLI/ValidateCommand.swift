import Analysis
import ArgumentParser
import Foundation

/// `hopscope validate`: schema and sanity of query files, each problem with its line number.
///
/// ```
/// $ hopscope validate sample-queries/showcase.jsonl
/// sample-queries/showcase.jsonl: 37 queries, no problems
/// $ hopscope validate broken.jsonl
/// broken.jsonl:3: duplicate id 'showcase-toyota-currency' (first on line 1)
/// broken.jsonl:5: hop1 "The country of Toyota is": expected "The country of origin of Toyota is"
/// broken.jsonl: 6 lines, 2 problems
/// ```
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check query files: schema, duplicate ids, e1 in the query, prompts equal to their templates.",
        discussion: """
            Each line must be one JSON object with exactly the fields id, e1, r1, e2, r2, e3, e1_aliases, \
            e2_aliases, e3_aliases, query, hop1, hop2, shortcut_entity, shortcut_relation (DESIGN §4): \
            non-empty strings and lists of non-empty strings; ids unique; e1 inside query; and the prompts \
            equal to their templates — query "The {r2} of the {r1} of {e1} is", hop1 "The {r1} of {e1} is", \
            hop2 "The {r2} of {e2} is", shortcut_entity "The {r2} of {e1} is", shortcut_relation \
            "The {r2} of the {r1} is" — where a prompt may name an entity with an article ("the United \
            States" for United States), the same way in every prompt. Blank lines are ignored.

            Prints FILE:LINE: PROBLEM lines and a summary per file to stdout (--json: one object per file, \
            {"file", "lines", "queries", "problems":[{"line", "id", "message"}]}); exits 1 if any file has a problem.
            """)

    @Argument(help: ArgumentHelp("Query files.", valueName: "FILE.jsonl"))
    var files: [String]

    @Flag(help: "One JSON object per file instead of text.")
    var json = false

    struct Output: Encodable {
        var file: String
        var lines: Int
        var queries: Int
        var problems: [QueryFile.Problem]
    }

    func run() throws {
        var failed = false
        for file in files {
            let qf: QueryFile
            do { qf = try QueryFile(path: file) } catch { throw CLIError("\(error)") }
            let problems = qf.validate()
            let badLines = Set(problems.map(\.line)).count
            if !problems.isEmpty { failed = true }
            if json {
                try printJSON(Output(file: file, lines: qf.lines.count, queries: qf.lines.count - badLines, problems: problems))
            } else {
                for p in problems { print("\(file):\(p.line): \(p.message)") }
                if problems.isEmpty {
                    print("\(file): \(qf.lines.count) quer\(qf.lines.count == 1 ? "y" : "ies"), no problems")
                } else {
                    print("\(file): \(qf.lines.count) non-blank line\(qf.lines.count == 1 ? "" : "s"), \(problems.count) problem\(problems.count == 1 ? "" : "s") on \(badLines) line\(badLines == 1 ? "" : "s")")
                }
            }
        }
        if failed { throw ExitCode(1) }
    }
}
