import Foundation
import Testing
@testable import Explorer

/// Checks a file against asciicast v2: a header object, then [time, code, data] events with non-decreasing times.
func validateCast(_ path: String) throws -> (header: [String: Any], events: [[Any]]) {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    let lines = text.split(separator: "\n")
    let header = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
    #expect(header["version"] as? Int == 2)
    #expect((header["width"] as? Int ?? 0) > 0)
    #expect((header["height"] as? Int ?? 0) > 0)
    #expect(header["timestamp"] is Int)
    #expect(header["env"] is [String: Any])
    var events: [[Any]] = []
    var last = -1.0
    for l in lines.dropFirst() {
        let e = try #require(try JSONSerialization.jsonObject(with: Data(l.utf8)) as? [Any])
        #expect(e.count == 3)
        let t = try #require(e[0] as? Double)
        #expect(t >= last, "times increase")
        last = t
        let code = try #require(e[1] as? String)
        #expect(["o", "r", "m", "i"].contains(code))
        #expect(e[2] is String)
        events.append(e)
    }
    return (header, events)
}

@Suite struct RecorderTests {
    @Test func castFileFormat() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("hs-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).cast").path
        let r = try CastRecorder(path: path, cols: 80, rows: 24, environment: ["TERM": "xterm-256color", "SHELL": "/bin/sh"])
        r.output("\u{1b}[H hopscope ")
        // A multi-byte character split across two writes is recorded whole.
        let yen = Array("円".utf8)
        yen[..<2].withUnsafeBufferPointer { r.output($0) }
        yen[2...].withUnsafeBufferPointer { r.output($0) }
        r.resize(cols: 120, rows: 40)
        r.marker("back-patch t2 20→5")
        r.output("\"quoted\"\n")
        r.close()
        let (header, events) = try validateCast(path)
        #expect(header["width"] as? Int == 80)
        #expect((header["env"] as? [String: String])?["TERM"] == "xterm-256color")
        let out = events.filter { $0[1] as? String == "o" }.map { $0[2] as! String }.joined()
        #expect(out == "\u{1b}[H hopscope 円\"quoted\"\n")
        #expect(events.contains { $0[1] as? String == "r" && $0[2] as? String == "120x40" })
        #expect(events.contains { $0[1] as? String == "m" && $0[2] as? String == "back-patch t2 20→5" })
    }

    @Test func transcriptIsOneJSONObjectPerLine() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("hs-\(getpid()).jsonl").path
        let t = try TranscriptWriter(path: path)
        t.session(ModelSummary(name: "m", layers: 30, dim: 576), query: "q")
        t.key(.char("j")); t.key(.ctrl("c")); t.key(.paste("a\nb"))
        t.request(.backPatch(query: "q", position: .t2, source: 20, target: 5))
        let cell = BackPatchResult(position: .t2, source: 20, target: 5, generation: " yen", correct: true,
                                   probBefore: 0.01, probAfter: 0.2, rankAfter: 1)
        t.result(.gridCell(cell, id: 3))
        t.close()
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 6)
        for l in lines {
            let o = try #require(try JSONSerialization.jsonObject(with: Data(l.utf8)) as? [String: Any])
            #expect(o["type"] is String && o["t"] is Double && o["v"] as? Int == 1)
        }
        // It reads back: keys and results round-trip.
        let back = try Transcript(path: path)
        #expect(back.lines.compactMap(\.key).compactMap(Key.init(transcriptName:)) == [.char("j"), .ctrl("c")])
        #expect(back.lines[3].paste == "a\nb")
        guard case .gridCell(let r, let id)? = back.lines[5].result?.event else { Issue.record("no cell"); return }
        #expect(r == cell && id == 3)
    }
}
