import GGUF

/// Reads a family's `{arch}.*` metadata keys and remembers which were read.
///
/// Silent ignoring is impossible by construction: after a family decoded its config,
/// `refuseUnread()` fails the load naming any `{arch}.*` key that no code read, unless it is on
/// `MetadataReader.inert` (keys shown not to change the computation). Keys outside the prefix
/// (`general.*`: names and licences; `tokenizer.*`: read by the tokenizer) are not tracked here.
final class MetadataReader {
    let file: GGUFFile
    let architecture: String
    private(set) var read: Set<String> = []

    /// Keys under `{arch}.` that do not change the computation, with the reason.
    static let inert: [String: String] = [
        // llama.cpp stores it (hparams.rope_finetuned) and never reads it in a forward pass.
        "rope.scaling.finetuned": "informational",
    ]

    init(file: GGUFFile, architecture: String) {
        self.file = file
        self.architecture = architecture
    }

    /// The full key of `key` (`"rope.freq_base"` → `"llama.rope.freq_base"`).
    func full(_ key: String) -> String { architecture + "." + key }

    func has(_ key: String) -> Bool { file.value(full(key)) != nil }

    func int(_ key: String) throws(ModelError) -> Int? {
        read.insert(full(key))
        do { return try file.int(full(key)) } catch { throw .gguf(error) }
    }

    func requireInt(_ key: String) throws(ModelError) -> Int {
        read.insert(full(key))
        do { return try file.requireInt(full(key)) } catch { throw .gguf(error) }
    }

    func double(_ key: String) throws(ModelError) -> Double? {
        read.insert(full(key))
        do { return try file.double(full(key)) } catch { throw .gguf(error) }
    }

    func bool(_ key: String) throws(ModelError) -> Bool? {
        read.insert(full(key))
        do { return try file.bool(full(key)) } catch { throw .gguf(error) }
    }

    func string(_ key: String) throws(ModelError) -> String? {
        read.insert(full(key))
        do { return try file.string(full(key)) } catch { throw .gguf(error) }
    }

    /// An integer or a per-layer array of integers (`head_count` may be either in GGUF); an array
    /// whose values differ is refused by name: hopscope's blocks all have one shape.
    func uniformInt(_ key: String, layers: Int) throws(ModelError) -> Int? {
        read.insert(full(key))
        guard let v = file.value(full(key)) else { return nil }
        if let a = v.array {
            guard let ints = a.ints, ints.count == layers else {
                throw .badConfig("'\(full(key))' is an array of \(a.count) values, expected one integer or \(layers) integers")
            }
            guard let first = ints.first, ints.allSatisfy({ $0 == first }) else {
                throw .unsupported("'\(full(key))' differs between layers (\(ints.map(String.init).joined(separator: ", "))): blocks of different shapes are not implemented")
            }
            return first
        }
        return try int(key)
    }

    /// A per-layer array of booleans or integers (`attention.sliding_window_pattern`), as booleans.
    func layerFlags(_ key: String, layers: Int) throws(ModelError) -> [Bool]? {
        read.insert(full(key))
        guard let a = file.value(full(key))?.array else { return nil }
        if case .bool(let b) = a, b.count == layers { return b }
        if let ints = a.ints, ints.count == layers { return ints.map { $0 != 0 } }
        throw .badConfig("'\(full(key))' has \(a.count) values, expected \(layers) booleans")
    }

    /// Fails naming every `{arch}.*` key present in the file that no code read.
    func refuseUnread() throws(ModelError) {
        let prefix = architecture + "."
        let unread = file.metadataKeys.filter {
            $0.hasPrefix(prefix) && !read.contains($0) && MetadataReader.inert[String($0.dropFirst(prefix.count))] == nil
        }
        guard unread.isEmpty else {
            throw .unsupported("\(file.path): metadata key\(unread.count > 1 ? "s" : "") \(unread.map { "'\($0)'" }.joined(separator: ", ")) "
                + "\(unread.count > 1 ? "are" : "is") not implemented by hopscope's \(architecture) family (it would change the computation or is unknown)")
        }
    }
}
