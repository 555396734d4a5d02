// End-to-end tests: the built `hopscope explore --demo` in a detached tmux session, driven by send-keys
// and read with capture-pane. Skipped when tmux or the binary is missing.
import Foundation
import Testing

enum E2E {
    /// The binary under test: $HOPSCOPE_BIN, else <package>/.build/{release,debug}/hopscope.
    static let binary: String? = {
        if let b = ProcessInfo.processInfo.environment["HOPSCOPE_BIN"], FileManager.default.isExecutableFile(atPath: b) { return b }
        for config in ["release", "debug"] {
            let p = Fixture.packageRoot.appendingPathComponent(".build/\(config)/hopscope").path
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }()
    static let tmux: String? = ["/usr/bin/tmux", "/usr/local/bin/tmux", "/bin/tmux"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static var available: Bool { binary != nil && tmux != nil }
    static let skipReason: Comment = "needs tmux and a built hopscope (set HOPSCOPE_BIN or run `swift build`)"
}

/// One tmux server + session running the explorer from a shell that saves `stty -g` before and after.
final class TmuxSession {
    let socket: String
    let dir: URL
    private(set) var closed = false

    init(cols: Int, rows: Int, args: String = "", env: String = "LANG=C.UTF-8", demo: Bool = true, command: String = "explore") throws {
        socket = "hs-e2e-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        dir = FileManager.default.temporaryDirectory.appendingPathComponent(socket)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let d = dir.path
        let args = args.replacingOccurrences(of: "TRANSCRIPT", with: "\(d)/transcript.jsonl")
        // The shell traps INT (a handler, so the explorer starts with default dispositions) so that
        // a Ctrl-C that ends the explorer does not end the script before it records `stty -g`.
        let script = """
        trap 'true' INT
        stty -g > \(d)/before
        \(env) \(demo ? "HOPSCOPE_DEMO_CELL_MS=15 " : "")'\(E2E.binary!)' \(command) \(demo ? "--demo " : "")\(args) 2> \(d)/stderr
        echo $? > \(d)/exit
        stty -g > \(d)/after
        sleep 600
        """
        try script.write(toFile: d + "/run.sh", atomically: true, encoding: .utf8)
        try run(["new-session", "-d", "-x", "\(cols)", "-y", "\(rows)", "-s", "e2e", "sh \(d)/run.sh"])
        serverPID = Int32(try run(["display-message", "-p", "-t", "e2e", "#{pid}"], output: true).trimmingCharacters(in: .whitespacesAndNewlines))
    }
    private var serverPID: Int32?

    deinit { close() }

    func close() {
        guard !closed else { return }
        closed = true
        _ = try? run(["kill-server"])
        // Belt and braces: the server this session started, by its pid.
        if let pid = serverPID, pid > 1 {
            for _ in 0..<20 where kill(pid, 0) == 0 { Thread.sleep(forTimeInterval: 0.05) }
            if kill(pid, 0) == 0 { kill(pid, SIGKILL) }
        }
        try? FileManager.default.removeItem(at: dir)
    }

    @discardableResult
    func run(_ args: [String], output: Bool = false) throws -> String {
        let outFile = dir.appendingPathComponent("out-\(UInt32.random(in: 0...UInt32.max))").path
        defer { try? FileManager.default.removeItem(atPath: outFile) }
        var env = ProcessInfo.processInfo.environment
        env["TERM"] = "xterm-256color"
        env.removeValue(forKey: "TMUX")
        env.removeValue(forKey: "NO_COLOR")     // colour is tested; tests that want none set it in the pane
        let status = spawnAndWait([E2E.tmux!, "-L", socket, "-f", "/dev/null"] + args, stdout: output ? outFile : "/dev/null", environment: env)
        if status != 0 && output { return "" }
        return output ? ((try? String(contentsOfFile: outFile, encoding: .utf8)) ?? "") : ""
    }

    func screen() -> String { (try? run(["capture-pane", "-p", "-t", "e2e"], output: true)) ?? "" }

    /// The screen with its SGR colour escapes.
    func screenWithEscapes() -> String { (try? run(["capture-pane", "-p", "-e", "-t", "e2e"], output: true)) ?? "" }

    func keys(_ k: String...) throws { try run(["send-keys", "-t", "e2e"] + k) }

    func resize(_ cols: Int, _ rows: Int) throws { try run(["resize-window", "-t", "e2e", "-x", "\(cols)", "-y", "\(rows)"]) }

    /// Polls the pane until `predicate` holds; returns the last screen either way.
    @discardableResult
    func wait(timeout: Double = 10, _ what: String = "", until predicate: (String) -> Bool) -> String {
        let end = Date().addingTimeInterval(timeout)
        var s = screen()
        while !predicate(s) && Date() < end {
            Thread.sleep(forTimeInterval: 0.1)
            s = screen()
        }
        if !predicate(s) { Issue.record("timed out waiting for \(what); screen:\n\(s)") }
        return s
    }

    @discardableResult
    func wait(for text: String, timeout: Double = 10) -> String { wait(timeout: timeout, "“\(text)”") { $0.contains(text) } }

    func file(_ name: String) -> String? { try? String(contentsOfFile: dir.appendingPathComponent(name).path, encoding: .utf8) }

    /// Waits for the explorer to exit; returns (exit status, stty before, stty after).
    func waitForExit(timeout: Double = 10) -> (String?, String?, String?) {
        let end = Date().addingTimeInterval(timeout)
        while file("after") == nil && Date() < end { Thread.sleep(forTimeInterval: 0.1) }
        Thread.sleep(forTimeInterval: 0.1)
        return (file("exit")?.trimmingCharacters(in: .whitespacesAndNewlines), file("before"), file("after"))
    }

    /// Waits for the explorer to exit and expects exit status `status` and the terminal as it was
    /// before (`stty -g` before and after).
    func expectExit(_ status: String, _ why: Comment? = nil, timeout: Double = 10,
                    sourceLocation: SourceLocation = #_sourceLocation) {
        let (exit, before, after) = waitForExit(timeout: timeout)
        #expect(exit == status, why, sourceLocation: sourceLocation)
        #expect(before != nil && before == after, "stty -g before and after", sourceLocation: sourceLocation)
    }

    /// The pid of the explorer process (the child of the pane's shell).
    func explorerPID() throws -> Int32? {
        let shell = try run(["list-panes", "-t", "e2e", "-F", "#{pane_pid}"], output: true).trimmingCharacters(in: .whitespacesAndNewlines)
        let outFile = dir.appendingPathComponent("pgrep").path
        _ = spawnAndWait(["/usr/bin/pgrep", "-P", shell], stdout: outFile, environment: ProcessInfo.processInfo.environment)
        return ((try? String(contentsOfFile: outFile, encoding: .utf8)) ?? "").split(separator: "\n").first.flatMap { Int32($0) }
    }
}

/// Runs a program with stdout to a file and waits for it with waitpid. (Foundation's Process.waitUntilExit
/// can miss the exit of a child that forks a daemon, as `tmux new-session -d` does.)
func spawnAndWait(_ argv: [String], stdout path: String, environment: [String: String]) -> Int32 {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    let cargs = argv.map { strdup($0) } + [nil]
    let cenv = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { cargs.forEach { free($0) }; cenv.forEach { free($0) } }
    // A clean signal mask and default dispositions: the test runner's threads block some signals,
    // and a tmux server inheriting that mask would never see kill-server's signals.
    var attr = posix_spawnattr_t()
    posix_spawnattr_init(&attr)
    defer { posix_spawnattr_destroy(&attr) }
    var none = sigset_t(), all = sigset_t()
    sigemptyset(&none); sigfillset(&all)
    posix_spawnattr_setsigmask(&attr, &none)
    posix_spawnattr_setsigdefault(&attr, &all)
    posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    var pid: pid_t = 0
    guard posix_spawn(&pid, argv[0], &actions, &attr, cargs, cenv) == 0 else { return -1 }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    return status
}

@Suite(.serialized, .enabled(if: E2E.available, E2E.skipReason))
struct TmuxEndToEndTests {
    @Test func layerViewKeysHelpBackPatchGridResizeAndQuit() throws {
        let t = try TmuxSession(cols: 120, rows: 40)
        defer { t.close() }
        // Layer rows.
        var s = t.wait(for: "analyzed:")
        #expect(s.contains("hopscope · SmolLM2-135M-Instruct"))
        for l in [0, 9, 14, 22, 28] { #expect(s.contains("│" + String(repeating: " ", count: 4 - String(l).count) + "\(l) "), "row \(l)") }
        #expect(s.contains("① hop 1"))
        #expect(s.contains("t1 ▔▔▔"))
        // The dark theme's 256-colour bridge colour (81) reaches the terminal.
        #expect(t.screenWithEscapes().contains("38;5;81"))
        #expect(!s.contains("(mono)"))

        // j/k move: the detail overlay names the selected layer.
        try t.keys("j", "j", "j", "Enter")
        t.wait(for: "┌ layer 2 ")
        try t.keys("Escape", "k", "Enter")
        t.wait(for: "┌ layer 1 ")
        try t.keys("Escape")
        t.wait(timeout: 5, "detail closed") { !$0.contains("┌ layer 1 ") }

        // Help.
        try t.keys("?")
        s = t.wait(for: "Esc / ? closes")
        #expect(s.contains("mark source / target"))
        try t.keys("Escape")
        t.wait(timeout: 5, "help closed") { !$0.contains("┌ keys ") }

        // Back-patch ℓ20 → ℓ5 at t2 by keys: G = layer 29, 9 up = 20; g = embedding row, 6 down = layer 5.
        try t.keys("G", "k", "k", "k", "k", "k", "k", "k", "k", "k", "s")
        t.wait(for: "source ℓ20")
        try t.keys("g", "j", "j", "j", "j", "j", "j", "t")
        t.wait(for: "target ℓ5")
        try t.keys("b")
        s = t.wait(for: "✓ correct")
        #expect(s.contains("\" Japanese yen. The"))

        // Grid: fills, Esc stops it, a second Esc goes back.
        try t.keys("x")
        s = t.wait(timeout: 10, "grid progress") { scr in
            guard let r = scr.range(of: #"grid t2: (\d+)/435"#, options: .regularExpression) else { return false }
            let n = Int(scr[r].dropFirst(9).prefix { $0.isNumber }) ?? 0
            return n >= 20
        }
        #expect(s.contains("back-patch grid · position t2"))
        try t.keys("Escape")
        s = t.wait(for: "stopped")
        let stoppedAt = s.range(of: #"\d+/435"#, options: .regularExpression).map { String(s[$0]) }
        Thread.sleep(forTimeInterval: 0.5)
        let later = t.screen()
        #expect(later.range(of: #"\d+/435"#, options: .regularExpression).map { String(later[$0]) } == stoppedAt, "no cells after Esc")
        #expect(stoppedAt != "435/435")
        try t.keys("Escape")
        t.wait(for: "┌ layers ")

        // Resize: compact at 80×24, roomy at 200×60, a message when too small.
        try t.resize(80, 24)
        s = t.wait(for: " back-patch t2(p)")
        #expect(!s.contains("┌ back-patch"))
        #expect(s.contains("q quit"))
        try t.resize(200, 60)
        s = t.wait(for: "┌ back-patch")
        #expect(s.contains("│  29 "), "all rows at 200×60")
        try t.resize(70, 20)
        t.wait(for: "terminal too small: need 80×24, have 70×20")
        try t.resize(120, 40)
        t.wait(for: "┌ layers ")

        // Quit restores the terminal.
        try t.keys("q")
        t.expectExit("0")
        #expect(t.file("stderr") == "")
    }

    @Test func sigtermRestoresTheTerminal() throws {
        let t = try TmuxSession(cols: 100, rows: 30)
        defer { t.close() }
        t.wait(for: "analyzed:")
        let pid = try #require(try t.explorerPID())
        kill(pid, SIGTERM)
        t.expectExit("143", "killed by SIGTERM")
    }

    @Test func ctrlCAndSighupRestoreTheTerminal() throws {
        let t = try TmuxSession(cols: 100, rows: 30)
        defer { t.close() }
        t.wait(for: "analyzed:")
        try t.keys("C-c")
        t.expectExit("130", "killed by SIGINT")

        let u = try TmuxSession(cols: 100, rows: 30)
        defer { u.close() }
        u.wait(for: "analyzed:")
        try u.keys("x")                  // mid-grid, with a background thread running
        u.wait(for: "back-patch grid")
        let pid = try #require(try u.explorerPID())
        kill(pid, SIGHUP)
        u.expectExit("129", "killed by SIGHUP")
    }

    @Test func queryFormWithUnicodeAndBracketedPaste() throws {
        let t = try TmuxSession(cols: 120, rows: 40)
        defer { t.close() }
        t.wait(for: "analyzed:")
        // Typed: wide characters and a combining accent, then edited with Ctrl-W and Backspace.
        try t.keys("e", "C-u")
        try t.run(["send-keys", "-t", "e2e", "-l", "Le yen 日本 cafe\u{301} xyz"])
        try t.keys("C-w", "BSpace")
        var s = t.wait(for: "prompt   Le yen 日本 café")
        #expect(!s.contains("xyz"))
        try t.keys("Escape")
        t.wait(for: "query  The currency of the country of origin of Toyota is")
        // Pasted: tmux wraps the buffer in ESC[200~ … ESC[201~ because the explorer asked for it;
        // the newline inside must not submit the query.
        try t.keys("e", "C-u")
        try t.run(["set-buffer", "The capital of the country of origin of Toyota is\nIGNORED"])
        try t.run(["paste-buffer", "-p", "-t", "e2e"])
        s = t.wait(for: "of Toyota is IGNORED")
        #expect(!s.contains("analyzing"))
        try t.keys("C-w", "BSpace", "Enter")
        s = t.wait(for: "analyzed:")
        #expect(s.contains("query  The capital of the country of origin of Toyota is"))
        #expect(s.contains("e3 Tokyo"))
        try t.keys("q")
        #expect(t.waitForExit().0 == "0")
    }

    @Test func queryFormAt80x24() throws {
        let t = try TmuxSession(cols: 80, rows: 24)
        defer { t.close() }
        t.wait(for: "analyzed:")
        // A prompt of the samples' shape that is not a sample: analysed with the proposed e1 at once.
        // Typed straight after `e`: the current query is replaced by what is typed, not appended to.
        try t.keys("e")
        var s = t.wait(for: "typing replaces the prompt")
        try t.run(["send-keys", "-t", "e2e", "-l", "The capital of the country of origin of Skoda is"])
        s = t.wait(for: "from the prompt")
        #expect(s.contains("prompt   The capital of the country of origin of Skoda is"))
        let promptLine = s.split(separator: "\n").first { $0.contains("prompt   ") } ?? ""
        #expect(!promptLine.contains("Toyota"), "typed onto the current query: \(promptLine)")
        #expect(s.contains("Skoda"))
        try t.keys("Enter")
        t.wait(for: "e1 Skoda")
        s = t.wait(for: "analyzed:")
        #expect(s.contains("query  The capital of the country of origin of Skoda is"))
        // No findable e1: the message is inside the form.
        try t.keys("e", "C-u")
        try t.run(["send-keys", "-t", "e2e", "-l", "Hello there"])
        try t.keys("Enter")
        s = t.wait(for: "no entity found")
        #expect(s.contains("┌ query"))
        #expect(s.contains("type e1 below"))
        // Tab through the fields and type the entities by hand (the message put the focus on e1).
        try t.keys("BTab", "C-u")
        try t.run(["send-keys", "-t", "e2e", "-l", "The capital of the homeland of Sony is"])
        try t.keys("Tab", "C-u")
        try t.run(["send-keys", "-t", "e2e", "-l", "Sony"])
        try t.keys("Tab")
        try t.run(["send-keys", "-t", "e2e", "-l", "Japan"])
        try t.keys("Tab")
        try t.run(["send-keys", "-t", "e2e", "-l", "Tokyo"])
        try t.keys("Enter")
        s = t.wait(for: "e1 Sony")
        #expect(s.contains("e3 Tokyo"))
        try t.keys("q")
        #expect(t.waitForExit().0 == "0")
    }

    @Test func recordsAnAsciicast() throws {
        let cast = FileManager.default.temporaryDirectory.appendingPathComponent("hs-e2e-\(getpid()).cast").path
        let t = try TmuxSession(cols: 100, rows: 30, args: "--record \(cast)")
        defer { t.close(); try? FileManager.default.removeItem(atPath: cast) }
        t.wait(for: "analyzed:")
        try t.keys("j", "j")
        try t.resize(120, 40)
        t.wait(for: "┌ back-patch")
        try t.keys(":", "source 20", "Enter", ":", "target 5", "Enter", "b")
        t.wait(for: "✓ correct")
        try t.keys("q")
        _ = t.waitForExit()
        let (header, events) = try validateCast(cast)
        #expect(header["width"] as? Int == 100)
        #expect(header["height"] as? Int == 30)
        #expect(events.contains { $0[1] as? String == "r" && $0[2] as? String == "120x40" })
        #expect(events.contains { $0[1] as? String == "m" && ($0[2] as? String ?? "").hasPrefix("back-patch t2 20") })
        let out = events.filter { $0[1] as? String == "o" }.map { $0[2] as! String }.joined()
        #expect(out.contains("hopscope"))
        #expect(out.contains("correct"))
    }

    @Test func asciiLocaleAndNoColor() throws {
        let t = try TmuxSession(cols: 100, rows: 30, env: "LANG=C LC_ALL=C NO_COLOR=1")
        defer { t.close() }
        let s = t.wait(for: "analyzed:")
        #expect(s.contains("+ layers -"))
        #expect(s.contains("t1 ^^^"))
        #expect(s.contains("(mono)"))
        #expect(!s.contains("│"))
        let allASCII = s.allSatisfy { $0.isASCII }
        #expect(allASCII)
        try t.keys("q")
        #expect(t.waitForExit().0 == "0")
    }

    @Test func eightColourTerminalUsesTheC8Fallbacks() throws {
        let t = try TmuxSession(cols: 100, rows: 30, env: "LANG=C.UTF-8 TERM=xterm")
        defer { t.close() }
        t.wait(for: "analyzed:")
        let s = t.screenWithEscapes()
        #expect(s.contains("36m"), "bridge in basic cyan")
        #expect(!s.contains("38;5;"), "no 256-colour indices")
        try t.keys("q")
        #expect(t.waitForExit().0 == "0")
    }

    @Test func badThemeWarnsAndFallsBack() throws {
        let bad = FileManager.default.temporaryDirectory.appendingPathComponent("hs-bad-\(getpid()).toml").path
        try "[roles]\nbridge = { c8 = \"teal\" }\n".write(toFile: bad, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: bad) }
        let t = try TmuxSession(cols: 200, rows: 30, args: "--theme \(bad)")
        defer { t.close() }
        let s = t.wait(for: "default theme")
        #expect(s.contains("line 2"))
        #expect(s.contains("roles.bridge.c8"))
        try t.keys(":", "theme light", "Enter")
        t.wait(for: "theme light")
        try t.keys("q")
        #expect(t.waitForExit().0 == "0")
    }
}
