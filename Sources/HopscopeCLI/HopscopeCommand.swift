import ArgumentParser

/// The `hopscope` command line: the explorer by default, analysis subcommands for scripts.
public struct HopscopeCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "hopscope",
        abstract: "Watch a language model answer a two-hop question, layer by layer.",
        subcommands: [ExploreCommand.self],
        defaultSubcommand: ExploreCommand.self
    )
    public init() {}
}
