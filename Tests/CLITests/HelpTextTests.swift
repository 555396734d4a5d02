// Every `--help` reads correctly at 80 columns: no line too wide, no sentence broken by a hand line break.
import Foundation
import Testing

@Suite(.enabled(if: CLI.available, "needs the built hopscope binary (HOPSCOPE_BIN or .build)"))
struct HelpTextTests {
    static let commands = ["", "explore", "replay", "tokenize", "generate", "logits", "dump", "lens", "analyze", "backpatch",
                           "validate", "evaluate", "sweep", "report", "bench", "synthetic"]

    @Test(arguments: commands)
    func helpWrapsAt80Columns(command: String) throws {
        let args = (command.isEmpty ? [] : [command]) + ["--help"]
        let r = try CLI.run(args, environment: ["COLUMNS": "80"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.components(separatedBy: "\n")
        // The usage line is the argument parser's own and is never wrapped.
        for l in lines where !l.hasPrefix("USAGE:") { #expect(l.count <= 80, "wider than 80 columns: \(l)") }
        // The prose before USAGE is wrapped by the argument parser: a short line is a paragraph's last
        // line (a blank or an example follows) — never a sentence cut by a newline in the source.
        guard let usage = lines.firstIndex(where: { $0.hasPrefix("USAGE:") }) else { Issue.record("no USAGE in \(command)"); return }
        for i in 0..<max(0, usage - 1) {
            let l = lines[i], next = lines[i + 1]
            let indented = { (s: String) in s.hasPrefix(" ") }
            guard !l.isEmpty, !indented(l), !next.isEmpty, !indented(next) else { continue }
            #expect(l.count >= 50, "`hopscope \(command) --help` breaks a sentence after “\(l)”")
        }
    }
}
