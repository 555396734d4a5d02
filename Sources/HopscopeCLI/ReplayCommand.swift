// `hopscope replay`: plays a recorded explorer transcript back on screen, for demos.
import Analysis
import ArgumentParser
import Explorer
import Foundation

/// Plays back a `--transcript` recording: the recorded keys and the recorded results, at their
/// recorded times (divided by `--speed`). No model is loaded and nothing is recomputed, so a replay
/// shows exactly what the session showed, on any machine, in seconds.
///
/// ```
/// $ hopscope explore --transcript toyota.jsonl      # explore, then q
/// $ hopscope replay toyota.jsonl --speed 4
/// ```
public struct ReplayCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay a recorded explorer transcript (keys and results, no model needed).",
        discussion: """
        The transcript is the JSONL file written by `hopscope explore --transcript F.jsonl` (schema: \
        Sources/Explorer/Transcript.swift). Recorded results are shown as they were computed; the \
        sample-query list is read again from sample-queries/ so that `/` selections match. Press q to stop.
        """)

    @Argument(help: ArgumentHelp("The transcript to play.", valueName: "F.jsonl"))
    public var file: String

    @Option(name: .long, help: ArgumentHelp("Playback speed: 2 = twice as fast.", valueName: "X"))
    public var speed: Double = 1

    @Option(name: .long, help: ArgumentHelp("Colour theme: dark, light, high-contrast, monochrome, or a .toml file.", valueName: "name"))
    public var theme: String = "dark"

    @Option(name: .long, help: ArgumentHelp("Also record the screen as an asciicast v2 file.", valueName: "F.cast"))
    public var record: String?

    public init() {}

    public func validate() throws {
        guard speed > 0 else { throw ValidationError("--speed must be positive, got \(speed)") }
    }

    public func run() throws {
        let transcript: Transcript
        do { transcript = try Transcript(path: file) } catch { throw ExploreError(description: "\(error)") }
        let s = transcript.session
        var samples: [TwoHopQuery] = []
        if let folder = SampleQueryFiles.folder() { samples = SampleQueryFiles.load(folder: folder).queries }
        let backend = ReplayBackend(model: ModelSummary(name: (s.model ?? "model") + " (replay)", layers: s.layers ?? 0, dim: s.dim ?? 0),
                                    samples: samples.map(SampleQuery.init))
        var options = ExplorerApp.Options(theme: theme, recordPath: record)
        options.replay = transcript
        options.replaySpeed = speed
        options.mouse = MouseSetting.resolve(flag: nil)
        try ExplorerApp(backend: backend, options: options).run()
    }
}

/// The backend of a replay: the recorded model's summary and the sample list; it computes nothing.
struct ReplayBackend: ExplorerBackend {
    let model: ModelSummary
    let samples: [SampleQuery]
    func sampleQueries() -> [SampleQuery] { samples }
    func analyze(query: String) throws -> AnalysisViewModel { throw ExploreError(description: "a replay computes nothing") }
    func backPatch(query: String, position: TokenPosition, source: Int, target: Int) throws -> BackPatchResult {
        throw ExploreError(description: "a replay computes nothing")
    }
    func grid(_ request: GridRequest, cancellation: Cancellation, progress: @Sendable (BackPatchResult) -> Void) throws {
        throw ExploreError(description: "a replay computes nothing")
    }
}
