import Foundation

/// A problem answered as an error object: `{"id": N, "event": "error", "error": {"code": "…", "message": "…"}}`.
public struct WireError: Error, Codable, Sendable, Equatable, CustomStringConvertible {
    /// The error codes of docs/protocol.md.
    public enum Code: String, Codable, Sendable, CaseIterable {
        case badJSON = "bad_json", badRequest = "bad_request", unknownOp = "unknown_op", lineTooLong = "line_too_long"
        case notHello = "hello_first", protocolVersion = "protocol_version", unknownModel = "unknown_model"
        case queueFull = "queue_full", tooManyClients = "too_many_clients", clientMemory = "client_memory"
        case idle = "idle_timeout", cancelled, analysis, noPresenter = "no_presenter", nameTaken = "name_taken"
        case shuttingDown = "shutting_down", unknownRequest = "unknown_request", disconnected
    }
    public var code: Code
    public var message: String
    /// The request it answers (absent when the line's id could not be read).
    public var id: Int?

    public init(_ code: Code, _ message: String, id: Int? = nil) { self.code = code; self.message = message; self.id = id }

    enum CodingKeys: String, CodingKey { case code, message }

    public var description: String { message }
}
