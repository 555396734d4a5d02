// End to end: `hopscope serve` and explorers connected to it in tmux — a presenter, a follower who
// sees the presenter's cursor move, the server going away and coming back.
import Foundation
import TestSupport
import Testing

/// A `hopscope serve` process on SmolLM2, on a socket in a fresh directory.
final class ServeProcess {
    let socket: String
    let dir = TemporaryDirectory()
    private var process: Process?

    init() throws {
        socket = dir.path("w.sock")
        try start()
    }

    func start() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: E2E.binary!)
        p.arguments = ["serve", "--socket", socket, "--model", TestModels.smollm2, "--log", dir.path("log")]
        p.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try p.run()
        process = p
        let end = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: socket) && Date() < end { Thread.sleep(forTimeInterval: 0.05) }
    }

    func stop() {
        process?.terminate()
        process?.waitUntilExit()
        process = nil
    }

    deinit { stop() }
}

@Suite(.serialized, .enabled(if: E2E.available && TestModels.available(TestModels.smollm2), "needs tmux, a built hopscope and SmolLM2"))
struct TmuxWorkshopTests {
    /// The layer view's selected row ("12", "emb"), read from the colour escapes by
    /// scripts/ssh/figures.py (the one row label drawn in the cursor style), as `make ssh-test` reads it.
    static func selectedLayer(_ screenWithEscapes: String) -> String? {
        let dir = TemporaryDirectory()
        let input = dir.path("screen"), output = dir.path("row")
        try? screenWithEscapes.write(toFile: input, atomically: true, encoding: .utf8)
        let script = Fixture.packageRoot.appendingPathComponent("scripts/ssh/figures.py").path
        _ = spawnAndWait(["/bin/sh", "-c", "python3 '\(script)' cursor < '\(input)'"], stdout: output,
                         environment: ProcessInfo.processInfo.environment)
        let row = ((try? String(contentsOfFile: output, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        return row.isEmpty || row == "none" ? nil : row
    }

    @Test func aFollowerSeesThePresenterAndTheExplorerSurvivesTheServerGoing() throws {
        let server = try ServeProcess()
        #expect(FileManager.default.fileExists(atPath: server.socket), "the server did not start")
        let teacher = try TmuxSession(cols: 120, rows: 34, args: "--connect \(server.socket) --present teacher", demo: false)
        defer { teacher.close() }
        teacher.wait(for: "presenting as teacher", timeout: 20)
        teacher.wait(timeout: 60, "the first analysis") { !$0.contains("analyzing") }
        let student = try TmuxSession(cols: 100, rows: 30, args: "--connect \(server.socket) --name bob --follow teacher", demo: false)
        defer { student.close() }
        student.wait(for: "following teacher", timeout: 20)
        teacher.wait(for: "1 following", timeout: 10)
        // The follower's screen is the presenter's: same analysis on screen.
        let s = student.wait(timeout: 20, "the presenter's analysis") { $0.contains("e1 Frankfurt") && !$0.contains("analyzing") }
        #expect(s.contains("e2 Germany"))
        // The presenter moves down five layers; the follower's cursor follows.
        let before = Self.selectedLayer(student.screenWithEscapes())
        #expect(before != nil, "no selected row found on the follower's screen")
        try teacher.keys("j", "j", "j", "j", "j")
        let moved = Date()
        let end = Date().addingTimeInterval(5)
        var after = before
        while Date() < end {
            after = Self.selectedLayer(student.screenWithEscapes())
            if after != before { break }
            Thread.sleep(forTimeInterval: 0.02)
        }
        #expect(after != before, "the follower's cursor did not move (before \(String(describing: before)))")
        #expect(Date().timeIntervalSince(moved) < 2)
        // Keys of the follower do nothing but say so; q and d work.
        try student.keys("x")
        student.wait(for: "only d (your own session) and q (quit) work here")

        // The server goes away: both explorers say so and keep their screens; it comes back: reconnected.
        server.stop()
        let gone = teacher.wait(for: "has gone", timeout: 10)
        #expect(gone.contains("e1 Frankfurt"), "the screen stays")
        try teacher.keys("b")
        try server.start()
        teacher.wait(for: "reconnected to the server", timeout: 20)
        student.wait(timeout: 20, "the follower reconnected") { $0.contains("reconnected") || $0.contains("following teacher") }
        // "following teacher" is on the follower's screen throughout, so the wait above can pass before
        // the follower has reconnected; its reconnection notice may then replace "your own session now"
        // on the status line (news of the connection is shown as it comes). What detaching means is that
        // the follow label goes and the follower's keys are its own again.
        try student.keys("d")
        student.wait(timeout: 10, "detached") { !$0.contains("following teacher") }
        try student.keys("j")
        Thread.sleep(forTimeInterval: 0.5)
        #expect(!student.screen().contains("only d (your own session) and q (quit) work here"), "a detached follower's keys are its own")
        try student.keys("q")
        student.expectExit("0", timeout: 10)
        try teacher.keys("q")
        teacher.expectExit("0", timeout: 10)
    }

    @Test func connectingToNoServerFailsWithOneLine() throws {
        let dir = TemporaryDirectory()
        let t = try TmuxSession(cols: 100, rows: 30, args: "--connect \(dir.path("none.sock"))", demo: false)
        defer { t.close() }
        t.expectExit("1", timeout: 10)
        #expect(t.file("stderr")?.contains("cannot connect to the hopscope server at") == true)
    }
}
