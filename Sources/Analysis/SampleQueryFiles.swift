// The `/` browser's queries: every `sample-queries/*.jsonl` file, read with the Analysis schema.

import Foundation

/// Finds and reads the sample-query files.
///
/// The folder is the first that exists of: `$HOPSCOPE_QUERIES`, `./sample-queries`, and the package's
/// own `sample-queries` (located from this source file's path at build time). `showcase.jsonl` comes
/// first, the other files follow by name (`*-measurements.jsonl`, recorded results rather than queries,
/// are not read); the query named by `opening.json` (`{"id": …}`, chosen by
/// `scripts/queries/stage_showcase.py`) is moved to the front: it is the explorer's opening screen. A
/// line that does not decode is skipped with a warning naming file and line.
public enum SampleQueryFiles {
    /// The sample-query folder, if one exists.
    public static func folder(environment env: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        var candidates: [String] = []
        if let q = env["HOPSCOPE_QUERIES"], !q.isEmpty { candidates.append(q) }
        candidates.append(FileManager.default.currentDirectoryPath + "/sample-queries")
        // <package>/Sources/Analysis/SampleQueryFiles.swift → <package>/sample-queries
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(root.appendingPathComponent("sample-queries").path)
        var isDir: ObjCBool = false
        return candidates.first { FileManager.default.fileExists(atPath: $0, isDirectory: &isDir) && isDir.boolValue }
    }

    /// Every query of every `.jsonl` file in `folder` (showcase first), and one warning per bad line.
    public static func load(folder: String) -> (queries: [TwoHopQuery], warnings: [String]) {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
            .filter { $0.hasSuffix(".jsonl") && !$0.hasSuffix("-measurements.jsonl") }
            .sorted { ($0 == "showcase.jsonl" ? 0 : 1, $0) < ($1 == "showcase.jsonl" ? 0 : 1, $1) }
        var queries: [TwoHopQuery] = []
        var warnings: [String] = []
        var seen = Set<String>()
        let decoder = JSONDecoder()
        for name in names {
            let path = folder + "/" + name
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                warnings.append("\(path): cannot read the file"); continue
            }
            for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let trimmed = String(line).trimmingCharacters(in: .whitespaces)
                if trimmed.isEmpty { continue }
                do {
                    let q = try decoder.decode(TwoHopQuery.self, from: Data(trimmed.utf8))
                    // The same prompt in two files (e.g. showcase and its measurements) is listed once.
                    if seen.insert(q.query).inserted { queries.append(q) }
                } catch {
                    warnings.append("\(path):\(i + 1): skipped a malformed query (\(Self.reason(error)))")
                }
            }
        }
        if let id = openingID(folder: folder), let i = queries.firstIndex(where: { $0.id == id }) {
            queries.insert(queries.remove(at: i), at: 0)
        }
        return (queries, warnings)
    }

    /// The id in `folder/opening.json`, if the file is there and names one.
    public static func openingID(folder: String) -> String? {
        guard let data = FileManager.default.contents(atPath: folder + "/opening.json"),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        return object["id"] as? String
    }

    static func reason(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): return "missing \"\(key.stringValue)\""
        case DecodingError.typeMismatch(_, let c), DecodingError.valueNotFound(_, let c):
            return "bad \"\(c.codingPath.map(\.stringValue).joined(separator: "."))\""
        case DecodingError.dataCorrupted: return "not JSON"
        default: return "\(error)"
        }
    }
}
