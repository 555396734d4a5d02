// `hopscope explore`: the interactive terminal explorer.
import ArgumentParser
import Explorer
import Foundation

/// Opens the explorer: type a two-hop query, step through the layers, back-patch hidden states.
///
/// ```
/// $ hopscope explore --demo
/// $ hopscope explore --demo --query "The capital of the country of origin of Toyota is" --theme light
/// $ hopscope explore --demo --record session.cast     # replay with: asciinema play session.cast
/// ```
public struct ExploreCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "explore",
        abstract: "Explore a two-hop query layer by layer in the terminal (the default command).",
        discussion: """
        Keys: j/k move between layers, s/t mark a back-patch source/target, b runs it, x opens the \
        back-patch grid, p switches between positions t1 and t2, e edits the query, / lists sample \
        queries, : opens the command line (:theme NAME, :query TEXT, :quit), ? shows every key, q quits.
        The terminal needs at least 80×24; NO_COLOR=1 gives a monochrome screen.
        """)

    @Option(name: .long, help: ArgumentHelp("GGUF model file (default: $HOPSCOPE_MODEL, then the installed default model).", valueName: "path"))
    public var model: String?

    @Option(name: .long, help: ArgumentHelp("The two-hop query to open with.", valueName: "text"))
    public var query: String?

    @Option(name: .long, help: ArgumentHelp("Colour theme: dark, light, high-contrast, monochrome, or a .toml file.", valueName: "name"))
    public var theme: String = "dark"

    @Option(name: .long, help: ArgumentHelp("Record the screen as an asciicast v2 file (asciinema play F.cast).", valueName: "F.cast"))
    public var record: String?

    @Option(name: .long, help: ArgumentHelp("Write a JSONL transcript of keys, requests and results.", valueName: "F.jsonl"))
    public var transcript: String?

    @Flag(name: .long, help: "Use synthetic demo data instead of a model (no model file needed).")
    public var demo = false

    public init() {}

    public func run() throws {
        guard demo else {
            throw ExploreError(description: "the explorer is not wired to a model yet; run `hopscope explore --demo` for the synthetic demo")
        }
        var backend = DemoBackend()
        if let ms = ProcessInfo.processInfo.environment["HOPSCOPE_DEMO_CELL_MS"], let v = Double(ms) { backend.cellDelay = v / 1000 }
        let app = ExplorerApp(backend: backend, options: .init(query: query, theme: theme, recordPath: record, transcriptPath: transcript))
        try app.run()
    }
}

/// A one-line explorer error (ArgumentParser prints it as "Error: …" and exits non-zero).
struct ExploreError: Error, CustomStringConvertible {
    var description: String
}
