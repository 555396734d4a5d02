// The architecture's one-way flow, checked on the sources: the explorer talks to Analysis only.
import Foundation
import Testing

@Suite struct LayeringTests {
    @Test func theExplorerNeverImportsModelOrGGUF() throws {
        let dir = Fixture.packageRoot.appendingPathComponent("Sources/Explorer")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".swift") }
        #expect(!files.isEmpty)
        for f in files {
            let text = try String(contentsOf: dir.appendingPathComponent(f), encoding: .utf8)
            for line in text.split(separator: "\n") where line.hasPrefix("import ") {
                #expect(!["import Model", "import GGUF", "import CKernels"].contains(line.trimmingCharacters(in: .whitespaces)),
                        "\(f): \(line) (the explorer calls Analysis only, DESIGN §1)")
            }
        }
    }
}
