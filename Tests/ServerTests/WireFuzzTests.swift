import Foundation
import GGUF
import Testing
import Wire

/// The protocol parser and the server on generated lines: ≥ 10,000 each, no crash, every bad line
/// answered with an error object.
@Suite struct WireFuzzTests {
    /// A deterministic generator of choices (GGUF's SplitMix64).
    struct Gen {
        var rng: SplitMix
        init(state: UInt64) { rng = SplitMix(seed: state) }
        mutating func int(_ n: Int) -> Int { Int(rng.next() % UInt64(max(n, 1))) }
        mutating func pick<T>(_ a: [T]) -> T { a[int(a.count)] }
    }

    static let templates = [
        #"{"id":1,"op":"hello","protocol":1,"name":"alice"}"#,
        #"{"id":2,"op":"analyze","query":"The capital of the country of Sony is | Sony | Japan | Tokyo","detail":true}"#,
        #"{"id":3,"op":"cell","query":"q","position":"t2","source":5,"target":2,"metric":"generation"}"#,
        #"{"id":4,"op":"grid","query":"q","position":"t1","metric":"first_token"}"#,
        #"{"id":5,"op":"cancel","request":4}"#,
        #"{"id":6,"op":"present","name":"teacher","reset":true}"#,
        #"{"id":7,"op":"publish","line":{"v":1,"t":0,"type":"key","key":"j"}}"#,
        #"{"id":8,"op":"follow","name":"teacher"}"#,
        #"{"id":9,"op":"ping"}"#, #"{"id":10,"op":"models"}"#, #"{"id":11,"op":"samples","model":"tiny"}"#,
    ]
    static let junk = ["", "{", "}", "[", "]", ":", ",", "\"", "\\", "null", "true", "1e999", "-0", "NaN", "\u{0}", "é", "😀",
                       "\"id\"", "\"op\"", "{\"a\":", "[[[[", "]]]]", "0x10", "1.5", "\"\\u00", "\u{7F}", "\t", "99999999999999999999"]

    /// One generated line (never containing a newline).
    static func line(_ g: inout Gen) -> String {
        var s: String
        switch g.int(6) {
        case 0:   // random bytes as text
            s = String(decoding: (0..<g.int(120)).map { _ in UInt8(g.int(256)) }, as: UTF8.self)
        case 1:   // deep nesting
            let d = g.pick([10, 100, 1000, 20000])
            s = String(repeating: g.pick(["[", "{\"a\":"]), count: d) + String(repeating: g.pick(["]", "}"]), count: g.int(d + 1))
        default:  // a template with edits
            var chars = Array(g.pick(templates))
            for _ in 0..<(1 + g.int(4)) where !chars.isEmpty {
                let i = g.int(chars.count)
                switch g.int(4) {
                case 0: chars.remove(at: i)
                case 1: chars.insert(contentsOf: Array(g.pick(junk)), at: i)
                case 2: chars[i] = Character(UnicodeScalar(UInt8(32 + g.int(95))))
                default:
                    let j = g.int(chars.count)
                    chars.swapAt(i, j)
                }
            }
            s = String(chars)
        }
        // Bytes, not characters: "\r\n" is one Character, which a string replacement of "\n" misses.
        return String(decoding: s.utf8.map { $0 == 0x0A || $0 == 0x0D ? 0x20 : $0 }, as: UTF8.self)
    }

    @Test func parserNeverCrashesAndNamesEveryProblem() {
        var g = Gen(state: 42)
        var ok = 0, bad = 0
        for _ in 0..<12_000 {
            let l = Self.line(&g)
            do {
                let r = try WireRequest.parse(Data(l.utf8))
                ok += 1
                // What parses is a request the server can run: it encodes and parses back the same.
                #expect(try WireRequest.parse(r.data().dropLast()) == r)
            } catch {
                bad += 1
                let message = (error as? WireError)?.message ?? ""
                #expect(message.count > 0, "a WireError naming the problem")
            }
        }
        #expect(ok + bad == 12_000)
        #expect(bad > 10_000, "the generator makes mostly bad lines")
    }

    @Test func serverAnswersEveryBadLineAndStaysUp() throws {
        let f = try ServerFixture()
        let c = try RawConnection(f.socket)
        #expect(c.hello()?["event"] as? String == "result")
        var g = Gen(state: 7)
        var sent = 0, errors = 0, results = 0
        // In chunks, reading the answers after each, so neither side's buffer fills up.
        while sent < 10_000 {
            var chunk = Data(), expected = 0
            for _ in 0..<200 {
                let l = Self.line(&g)
                if l.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }   // blank lines get no answer
                // Lines that happen to be valid compute requests would start work: not sent.
                if let r = try? WireRequest.parse(Data(l.utf8)), ![.ping, .models, .unfollow, .cancel].contains(r.op) { continue }
                chunk.append(Data(l.utf8)); chunk.append(0x0A)
                expected += 1
            }
            c.send(chunk)
            for _ in 0..<expected {
                guard let ev = c.next() else { Issue.record("no answer after \(sent) lines"); return }
                if ev["event"] as? String == "error" {
                    errors += 1
                    let message = ((ev["error"] as? [String: Any])?["message"] as? String) ?? ""
                    #expect(ev.errorCode != nil && message.count > 0)
                } else { results += 1 }
            }
            sent += expected
        }
        #expect(errors > 9_000)
        c.send("{\"id\":424242,\"op\":\"ping\"}\n")
        let pong = c.next()
        if pong?["id"] as? Int != 424242 { Issue.record("after the fuzz lines: \(String(describing: pong)) then \(String(describing: c.next()))") }
        #expect(pong?["id"] as? Int == 424242 && pong?["event"] as? String == "result")
    }
}
