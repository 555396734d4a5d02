import Model

/// Why an analysis could not run; every case names the query, entity or option at fault.
public enum AnalysisError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The query text is empty (or only whitespace).
    case emptyQuery
    /// An entity label is empty; the associated value names which one ("e1", "e3"…).
    case emptyEntity(String)
    /// e1 does not occur in the query text.
    case entityNotInQuery(entity: String, query: String)
    /// e1 occurs in the text but no token boundary could be matched to it after tokenization.
    case entityNotInTokens(entity: String, query: String)
    /// An option is outside its range ("layer 31 is outside 0..<30").
    case badOption(String)
    /// A query file line could not be decoded.
    case badQuery(String)
    /// The model refused the input.
    case model(ModelError)
    /// The caller cancelled the work.
    case cancelled

    public var description: String {
        switch self {
        case .emptyQuery: return "the query is empty"
        case .emptyEntity(let which): return "the \(which) label is empty"
        case .entityNotInQuery(let e, let q): return "e1 '\(e)' does not occur in the query '\(q)'"
        case .entityNotInTokens(let e, let q): return "e1 '\(e)' could not be matched to tokens of the query '\(q)'"
        case .badOption(let m): return m
        case .badQuery(let m): return m
        case .model(let e): return e.description
        case .cancelled: return "cancelled"
        }
    }
}
