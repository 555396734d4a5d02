// `hopscope serve`: the workshop server.
import ArgumentParser
import Analysis
import Foundation
import Server
import Wire

/// Holds the models once and serves many explorers (and scripts) over a Unix socket.
///
/// ```
/// $ hopscope serve --socket /run/hopscope/workshop.sock --model llama2-7b=/models/llama-2-7b.Q4_0.gguf
/// $ hopscope explore --connect /run/hopscope/workshop.sock
/// ```
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the explorer (and scripts) from one loaded model over a Unix socket.",
        discussion: """
        One process holds each model, prepared once, and runs every request of every client through \
        one scheduler that is fair between clients. Clients connect with `hopscope explore --connect \
        PATH` or speak the line-delimited JSON protocol of docs/protocol.md (a Python example is in \
        docs/examples/workshop_client.py). Clients name models by the server's names (NAME=PATH, or \
        the file name without .gguf); they can never make the server open a path. The socket is made \
        with mode 0660: share it with a group. Ctrl-C or SIGTERM stops the server and removes the socket. \
        See docs/workshop.md for running a workshop over SSH.
        """)

    @Option(help: ArgumentHelp("The Unix socket to listen on.", valueName: "path")) var socket: String
    @Option(name: .long, help: ArgumentHelp("A model to serve, as PATH or NAME=PATH (repeat for more; default: the installed default model).", valueName: "model"))
    var model: [String] = []
    @Option(help: "Clients at once; more are refused with a message.") var maxClients = 32
    @Option(help: ArgumentHelp("Seconds without a request before an idle client is closed (followers and presenters are not idle).", valueName: "s"))
    var idleTimeout: Double = 3600
    @Option(help: "Requests one client may have queued or running at once.") var queueLimit = 8
    @Option(help: ArgumentHelp("Megabytes of results that may wait for one client before it is dropped.", valueName: "MB"))
    var clientMemory = 64
    @Option(help: ArgumentHelp("Cells per grid batch (default: a batch's KV cache under 128 MB, at most 64).", valueName: "n"))
    var gridBatch: Int?
    @Option(help: ArgumentHelp("Append the server's events as JSON lines to this file.", valueName: "file")) var log: String?
    @Flag(help: "Also print the events on stderr.") var verbose = false

    func validate() throws {
        guard maxClients >= 1, queueLimit >= 1, clientMemory >= 1, idleTimeout > 0 else {
            throw ValidationError("--max-clients, --queue-limit and --client-memory must be at least 1, --idle-timeout positive")
        }
        if let b = gridBatch, b < 1 { throw ValidationError("--grid-batch must be at least 1") }
    }

    /// NAME=PATH, or PATH named by its file name without .gguf.
    static func split(_ spec: String) -> (name: String, path: String) {
        if let eq = spec.firstIndex(of: "="), !spec[..<eq].contains("/") {
            return (String(spec[..<eq]), String(spec[spec.index(after: eq)...]))
        }
        var name = (spec as NSString).lastPathComponent
        if name.hasSuffix(".gguf") { name = String(name.dropLast(5)) }
        return (name, spec)
    }

    func run() throws {
        var models: [WorkshopServer.Model] = []
        for spec in model.isEmpty ? [ModelPaths.resolve(nil)] : model {
            let (name, path) = Self.split(spec)
            guard FileManager.default.fileExists(atPath: path) else { throw CLIError("no model at \(path)") }
            FileHandle.standardError.write(Data("hopscope serve: loading \(name) (\(path)) …\n".utf8))
            do { models.append(.init(name: name, session: try AnalysisSession.load(path: path, prepareNow: true))) }
            catch { throw CLIError("cannot load the model \(path): \(error)") }
        }
        // Requests run on threads of their own; glibc would give each its own malloc arena and keep
        // their freed memory. One engine computes at a time, so two arenas lose nothing.
        _ = glibcMallopt(-8 /* M_ARENA_MAX */, 2)
        var options = WorkshopServer.Options(socketPath: socket)
        options.maxClients = maxClients
        options.idleTimeout = idleTimeout
        options.queueLimit = queueLimit
        options.clientMemory = clientMemory << 20
        options.gridBatch = gridBatch
        let server = try WorkshopServer(options: options, models: models, log: try ServerLog(path: log, echo: verbose))
        signal(SIGPIPE, SIG_IGN)
        var sources: [DispatchSourceSignal] = []
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let s = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            s.setEventHandler { server.stop() }
            s.resume()
            sources.append(s)
        }
        do {
            try server.run {
                FileHandle.standardError.write(Data("hopscope serve: ready on \(socket) (models: \(models.map(\.name).joined(separator: ", ")))\n".utf8))
            }
        } catch let e as UnixSocket.Failure { throw CLIError(e.description) }
        FileHandle.standardError.write(Data("hopscope serve: stopped\n".utf8))
        _ = sources
        fflush(stderr)
        _exit(0)
    }
}

/// glibc's mallopt(3) (not in the Swift Glibc module).
@_silgen_name("mallopt") private func glibcMallopt(_ param: Int32, _ value: Int32) -> Int32
