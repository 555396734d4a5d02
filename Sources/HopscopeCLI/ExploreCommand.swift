// `hopscope explore`: the interactive terminal explorer.
import ArgumentParser
import Analysis
import Explorer
import Foundation

/// Opens the explorer: type a two-hop query, step through the layers, back-patch hidden states.
///
/// ```
/// $ hopscope                                       # the default model, the Toyota currency query
/// $ hopscope explore --model llama-3-8b.Q4_0.gguf --query "The capital of the country of Sony is | Sony | Japan | Tokyo"
/// $ hopscope explore --demo
/// $ hopscope explore --demo --query "The capital of the country of origin of Toyota is" --theme light
/// $ hopscope explore --demo --record session.cast     # replay with: asciinema play session.cast
/// $ hopscope explore --connect /run/hopscope/workshop.sock --follow teacher
/// ```
public struct ExploreCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "explore",
        abstract: "Explore a two-hop query layer by layer in the terminal (the default command).",
        discussion: """
        Keys: j/k move between layers, s/t mark a back-patch source/target, b runs it, x opens the \
        back-patch grid, p switches between positions t1 and t2, e edits the query, / lists sample \
        queries, : opens the command line (:theme NAME, :query TEXT, :quit), ? shows every key, q quits. \
        The mouse: click a layer row (click it again to open its detail), a grid cell, a sample; the wheel scrolls. \
        A query that is not in sample-queries/ names its entities: "PROMPT | e1 | e2 | e3". \
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

    @Option(name: .long, help: ArgumentHelp("Use the workshop server on this Unix socket instead of loading a model (hopscope serve).", valueName: "path"))
    public var connect: String?

    @Option(name: .long, help: ArgumentHelp("With --connect: the server's model to use (default: its first).", valueName: "name"))
    public var serverModel: String?

    @Option(name: .long, help: ArgumentHelp("With --connect: this session's name on the server (default: $HOPSCOPE_SESSION, then $USER).", valueName: "name"))
    public var name: String?

    @Option(name: .long, help: ArgumentHelp("With --connect: publish this session's view; others follow it by this name.", valueName: "name"))
    public var present: String?

    @Option(name: .long, help: ArgumentHelp("With --connect: show the named presenter's view live, read-only (d: your own session, q quits).", valueName: "name"))
    public var follow: String?

    @Flag(name: .long, help: ArgumentHelp(
        "With --connect, as an SSH ForceCommand: the name from $HOPSCOPE_SESSION, the role from $HOPSCOPE_ROLE "
        + "(student or presenter), the action from $SSH_ORIGINAL_COMMAND: empty, `follow NAME`, or `present` (presenters only)."))
    public var ssh = false

    @Flag(inversion: .prefixedNo, help: ArgumentHelp(
        "Click a layer, a grid cell or a sample; the wheel scrolls (default on; also HOPSCOPE_MOUSE=0|1). "
        + "While on, select text with Shift-drag; --no-mouse gives the terminal its plain selection back."))
    public var mouse: Bool?

    public init() {}

    public func validate() throws {
        if connect == nil, serverModel != nil || name != nil || present != nil || follow != nil || ssh {
            throw ValidationError("--server-model, --name, --present, --follow and --ssh need --connect")
        }
        if connect != nil, demo || model != nil { throw ValidationError("--connect uses the server's model: drop --model / --demo") }
        if present != nil, follow != nil { throw ValidationError("--present and --follow exclude each other") }
    }

    /// What an SSH session asks for (`--ssh`): the session name, and present / follow from the command.
    static func sshAction(env: [String: String]) throws -> (name: String?, present: String?, follow: String?) {
        let name = env["HOPSCOPE_SESSION"].flatMap { $0.isEmpty ? nil : $0 }
        let role = env["HOPSCOPE_ROLE"] ?? "student"
        let words = (env["SSH_ORIGINAL_COMMAND"] ?? "").split(separator: " ").map(String.init)
        switch (words.first, words.count) {
        case (nil, _): return (name, nil, nil)
        case ("follow"?, 2): return (name, nil, words[1])
        case ("present"?, 1):
            guard role == "presenter" else { throw ExploreError(description: "only a presenter's key may present (this key's role: \(role))") }
            guard let name else { throw ExploreError(description: "present needs a session name (HOPSCOPE_SESSION)") }
            return (name, name, nil)
        default:
            throw ExploreError(description: "this account runs the hopscope explorer: ssh … (your own session), ssh … follow NAME, or ssh … present")
        }
    }

    public func run() throws {
        var options = ExplorerApp.Options(query: query, theme: theme, recordPath: record, transcriptPath: transcript)
        options.mouse = MouseSetting.resolve(flag: mouse)
        if let socket = connect {
            let env = ProcessInfo.processInfo.environment
            var (who, presentAs, followName) = (name ?? env["HOPSCOPE_SESSION"] ?? env["USER"], present, follow)
            if ssh {
                let a = try Self.sshAction(env: env)
                (who, presentAs, followName) = (a.name ?? who, a.present, a.follow)
            }
            let backend: RemoteBackend
            do { backend = try RemoteBackend(path: socket, name: who, model: serverModel) } catch {
                throw ExploreError(description: "\(error)")
            }
            options.present = presentAs
            options.follow = followName
            if ssh {
                // Every student shares the account: no file of theirs is read or written.
                guard record == nil, transcript == nil, !theme.contains("/") else {
                    throw ExploreError(description: "--record, --transcript and theme files are not available with --ssh")
                }
                options.restricted = true
            }
            do { try ExplorerApp(backend: backend, options: options).run() } catch { throw ExploreError(description: "\(error)") }
            fflush(stdout); fflush(stderr)
            _exit(0)
        }
        if demo {
            var backend = DemoBackend()
            if let ms = ProcessInfo.processInfo.environment["HOPSCOPE_DEMO_CELL_MS"], let v = Double(ms) { backend.cellDelay = v / 1000 }
            try ExplorerApp(backend: backend, options: options).run()
            return
        }
        let path = ModelPaths.resolve(model)
        guard FileManager.default.fileExists(atPath: path) else {
            throw ExploreError(description: "no model at \(path): pass --model, set HOPSCOPE_MODEL, run `make setup`, or try `hopscope explore --demo`")
        }
        // Loading takes a second or two (mmap, tokenizer, dense weight copies); the UI opens when it is done.
        FileHandle.standardError.write(Data("hopscope: loading \(path) …\n".utf8))
        let backend: ModelBackend
        do { backend = try ModelBackend.load(path: path) } catch {
            throw ExploreError(description: "cannot load the model \(path): \(error)")
        }
        var opts = options
        opts.loadBackend = { path in try ModelBackend.load(path: path) }
        try ExplorerApp(backend: backend, options: opts).run()
        // The terminal is restored and every file closed. A grid batch may still be running on its queue;
        // a normal exit would wait for it in OpenBLAS's exit handler, so leave at once.
        fflush(stdout); fflush(stderr)
        _exit(0)
    }
}

/// A one-line explorer error (ArgumentParser prints it as "Error: …" and exits non-zero).
struct ExploreError: Error, CustomStringConvertible {
    var description: String
}
