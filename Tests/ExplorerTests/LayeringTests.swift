// The architecture's one-way flow, checked on the sources: the explorer talks to Analysis only.
import Foundation
import Testing

@Suite struct LayeringTests {
    /// Every `import` line of the module's sources that names one of `banned`.
    static func forbiddenImports(_ module: String, _ banned: [String]) throws -> [String] {
        let dir = Fixture.packageRoot.appendingPathComponent("Sources/\(module)")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".swift") }
        #expect(!files.isEmpty, "no sources in Sources/\(module)")
        var found: [String] = []
        for f in files {
            let text = try String(contentsOf: dir.appendingPathComponent(f), encoding: .utf8)
            for line in text.split(separator: "\n") where line.hasPrefix("import ")
                && banned.map({ "import \($0)" }).contains(line.trimmingCharacters(in: .whitespaces)) {
                found.append("\(module)/\(f): \(line)")
            }
        }
        return found
    }

    @Test func theExplorerNeverImportsModelOrGGUF() throws {
        #expect(try Self.forbiddenImports("Explorer", ["Model", "GGUF", "CKernels"]) == [],
                "the explorer calls Analysis only, DESIGN §1")
    }

    /// The server and the protocol sit beside the explorer, above Analysis: neither imports the TUI,
    /// and the protocol module reaches the model only through Analysis.
    @Test func serverAndWireImportNeitherTheExplorerNorTheModel() throws {
        #expect(try Self.forbiddenImports("Server", ["Explorer", "Model", "GGUF", "CKernels", "CNCursesW"]) == [])
        #expect(try Self.forbiddenImports("Wire", ["Explorer", "Server", "Model", "GGUF", "CKernels", "CNCursesW"]) == [])
    }
}

/// Every design note the code cites lives in the repository and every reference resolves.
@Suite struct DocReferenceTests {
    @Test func citedDocsAndSectionsExist() throws {
        let root = Fixture.packageRoot
        let design = try String(contentsOf: root.appendingPathComponent("docs/DESIGN.md"), encoding: .utf8)
        let sections = Set(design.split(separator: "\n").compactMap { l -> Int? in
            guard l.hasPrefix("## "), let n = l.dropFirst(3).split(separator: ".").first else { return nil }
            return Int(n)
        })
        #expect(sections.count >= 6)
        var checked = 0
        let fm = FileManager.default
        let designRef = try Regex(#"DESIGN(?:\.md)? §(\d+)"#), docRef = try Regex(#"docs/([A-Za-z0-9_-]+\.md)"#)
        for dir in ["Sources", "Tests", "scripts", "docs"] {
            guard let e = fm.enumerator(atPath: root.appendingPathComponent(dir).path) else { continue }
            for case let f as String in e where [".swift", ".py", ".sh", ".md", ".c", ".h"].contains(where: f.hasSuffix) {
                let text = (try? String(contentsOf: root.appendingPathComponent(dir).appendingPathComponent(f), encoding: .utf8)) ?? ""
                #expect(!text.contains("../" + "shared/"), "\(dir)/\(f) cites a file outside the repository")
                for m in text.matches(of: designRef) {
                    checked += 1
                    let n = m.output[1].substring.map(String.init) ?? ""
                    #expect(Int(n).map(sections.contains) == true, "\(dir)/\(f): DESIGN §\(n) does not exist")
                }
                for m in text.matches(of: docRef) {
                    // ggml's own `docs/gguf.md` (the GGUF specification) is another project's file.
                    let before = text.index(m.range.lowerBound, offsetBy: -12, limitedBy: text.startIndex) ?? text.startIndex
                    if text[before..<m.range.lowerBound].contains("ggml") { continue }
                    let name = m.output[1].substring.map(String.init) ?? ""
                    #expect(fm.fileExists(atPath: root.appendingPathComponent("docs/" + name).path), "\(dir)/\(f): docs/\(name) is missing")
                }
                for name in ["FORMATS.md", "EXPLORER.md", "STYLE.md"] where text.contains(name) {
                    #expect(fm.fileExists(atPath: root.appendingPathComponent("docs/" + name).path), "\(dir)/\(f) cites \(name)")
                }
            }
        }
        #expect(checked > 10, "the scan found the code's DESIGN references")
    }
}
