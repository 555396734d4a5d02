import ArgumentParser

/// The `hopscope` command line: the explorer by default, analysis subcommands for scripts.
public struct HopscopeCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "hopscope",
        abstract: "Watch a language model answer a two-hop question, layer by layer.",
        discussion: """
            Without a subcommand, opens the explorer on the default model. Every subcommand that \
            prints JSON (--json) writes one object to stdout; progress and errors go to stderr.
            """,
        subcommands: [
            ExploreCommand.self, ReplayCommand.self, TokenizeCommand.self, GenerateCommand.self, LogitsCommand.self,
            DumpCommand.self, LensCommand.self, AnalyzeCommand.self, BackpatchCommand.self, ValidateCommand.self,
            EvaluateCommand.self, SweepCommand.self, ReportCommand.self, BenchCommand.self, InfoCommand.self, SyntheticCommand.self,
            ServeCommand.self,
        ],
        defaultSubcommand: ExploreCommand.self
    )
    public init() {}
}
