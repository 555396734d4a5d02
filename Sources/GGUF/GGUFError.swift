/// Why a GGUF file could not be read: every case names the offending key, tensor or field.
public struct GGUFError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The class of problem, for tests and callers that react differently.
    public enum Kind: String, Sendable {
        case io, notGGUF, version, truncated, badValue, badTensor, duplicate, missing, unsupported, tooLarge
    }
    public let kind: Kind
    public let message: String
    /// The file, when known (errors from in-memory buffers have none).
    public var path: String?

    public init(_ kind: Kind, _ message: String, path: String? = nil) {
        self.kind = kind
        self.message = message
        self.path = path
    }

    public var description: String {
        if let path { return "\(path): \(message)" }
        return message
    }
}
