// The UI benchmark's plumbing (not its timings): every scripted key is measured and the output is a diff.
import Foundation
import Testing
@testable import Explorer

@Suite struct UIBenchmarkTests {
    @Test func everyKeyIsMeasuredAndRedrawsWriteOnlyWhatChanged() throws {
        let r = try UIBenchmark.run(sizes: [(80, 24)], rounds: 1)
        let names = Set(UIBenchmark.script.map(\.name))
        #expect(Set(r.keys.map(\.key)) == names)
        #expect(r.keys.allSatisfy { $0.size == "80×24" && $0.samples >= 1 && $0.max_ms >= $0.median_ms })
        let full = try #require(r.full_repaint_bytes["80×24"])
        #expect(full > 80 * 24, "a full repaint writes every cell")
        func bytes(_ k: String) -> Int { r.keys.first { $0.key == k }?.median_bytes ?? -1 }
        // Moving a cursor rewrites a couple of rows, not the screen.
        for k in ["j", "k", "click layer row", "h (grid)", "click grid cell"] {
            #expect(bytes(k) > 0 && bytes(k) * 5 < full, "\(k): \(bytes(k)) of \(full) bytes")
        }
        // Clicks in the script hit what they aim at (a miss would change nothing and write nothing).
        #expect(bytes("click selected row (detail)") > 0)
    }
}
