import Analysis
import ArgumentParser
import Foundation

/// `hopscope report`: the paper's summaries of one or more sweep result files (shards are merged).
///
/// ```
/// hopscope report results.jsonl
/// hopscope report shard-*.jsonl --queries sample-queries/showcase.jsonl --svg figures/
/// ```
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Summarise sweep results: hops known, composition after shortcut filtering, back-patching, stages.",
        discussion: """
            Merges the rows of every file by id (shards of one sweep, or a resumed one) and prints: how \
            many queries have both hops known; of those, how many the paper's shortcut filtering leaves out \
            (the entity or relation shortcut already gives e3) and, of the rest, how many compositions are \
            correct and incorrect; the fraction of incorrect cases that back-patching fixes at t1, at t2 \
            and at either; heat maps of the success rate per (ℓs, ℓt); and the layer distributions of the \
            stages (first hop, propagation, second hop) for correct and incorrect cases.

            --json prints the same numbers as one object; --svg DIR writes backpatch-t1.svg, \
            backpatch-t2.svg and stages.svg; --merged FILE writes the merged rows (one per id) as JSONL; \
            --queries FILE names the query file and lists the ids that have no row yet.
            """)

    @Argument(help: ArgumentHelp("Sweep result files (JSONL).", valueName: "RESULTS.jsonl"))
    var files: [String]

    @Option(help: ArgumentHelp("Write SVG figures into this directory (created if needed).", valueName: "DIR"))
    var svg: String?

    @Option(help: ArgumentHelp("Write the merged rows (one per id) to this JSONL file.", valueName: "FILE"))
    var merged: String?

    @Option(help: ArgumentHelp("The query file the sweep ran on: report the ids with no row.", valueName: "FILE.jsonl"))
    var queries: String?

    @Flag(help: "Print one JSON object instead of tables.")
    var json = false

    @Flag(help: "Draw tables with ASCII only (default: Unicode when the locale is UTF-8).")
    var ascii = false

    struct Output: Encodable {
        var files: [String]
        var report: SweepReport
        var missingIDs: [String]?
        enum CodingKeys: String, CodingKey { case files, report, missingIDs = "missing_ids" }
    }

    func run() throws {
        let rows: [SweepRow]
        do { rows = try SweepReport.read(paths: files, warn: log) } catch { throw CLIError("\(error)") }
        let merge = SweepReport.merge(rows)
        let report = SweepReport(rows: rows)

        var missing: [String]?
        if let queries {
            let qf: QueryFile
            do { qf = try QueryFile(path: queries) } catch { throw CLIError("\(error)") }
            let have = Set(merge.rows.map(\.id))
            missing = qf.load().queries.map(\.query.id).filter { !have.contains($0) }
        }

        if let merged {
            var data = Data()
            for r in merge.rows { data += try r.jsonLine() + Data("\n".utf8) }
            guard FileManager.default.createFile(atPath: merged, contents: data) else {
                throw CLIError("\(merged): cannot write the merged rows")
            }
        }
        if let svg {
            do { try FileManager.default.createDirectory(atPath: svg, withIntermediateDirectories: true) } catch {
                throw CLIError("\(svg): cannot create the directory: \(error.localizedDescription)")
            }
            for (name, text) in report.svgFigures().sorted(by: { $0.key < $1.key }) {
                let path = URL(fileURLWithPath: svg).appendingPathComponent(name).path
                guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8)) else {
                    throw CLIError("\(path): cannot write")
                }
                log("wrote \(path)")
            }
        }
        if json {
            try printJSON(Output(files: files, report: report, missingIDs: missing))
            return
        }
        var text = report.text(.init(unicode: !ascii && Self.utf8Locale, files: files))
        if let missing, let queries {
            text += "\n"
            if missing.isEmpty {
                text += "Every query of \(queries) has a row.\n"
            } else {
                text += "\(missing.count) quer\(missing.count == 1 ? "y" : "ies") of \(queries) have no row yet: "
                text += missing.prefix(8).joined(separator: ", ") + (missing.count > 8 ? ", …" : "") + "\n"
            }
        }
        print(text, terminator: "")
    }

    /// Whether the locale's character set is UTF-8 (LC_ALL, then LC_CTYPE, then LANG).
    static var utf8Locale: Bool {
        let env = ProcessInfo.processInfo.environment
        let value = [env["LC_ALL"], env["LC_CTYPE"], env["LANG"]].compactMap { $0 }.first { !$0.isEmpty } ?? ""
        let v = value.lowercased()
        return v.contains("utf-8") || v.contains("utf8")
    }
}
