import GGUF

/// Why a tokenizer could not be built: the message names the metadata key at fault.
public struct TokenizerError: Error, Equatable, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The `tokenizer.ggml.*` metadata a tokenizer is built from, as plain values.
///
/// `Tokenizer(gguf:)` reads it from a file; tests build it by hand to exercise vocabularies no
/// model file here has (Llama 3, Qwen 2).
public struct TokenizerMetadata: Sendable {
    /// `tokenizer.ggml.model`: `gpt2` (byte-level BPE) or `llama` (SentencePiece BPE).
    public var model: String
    /// `tokenizer.ggml.pre`: the BPE pre-tokenizer (`gpt-2`, `smollm`, `llama-bpe`, `qwen2`, …).
    public var pre: String?
    /// `tokenizer.ggml.tokens`, by id.
    public var tokens: [String]
    /// `tokenizer.ggml.token_type`: 1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte.
    public var tokenTypes: [Int]?
    /// `tokenizer.ggml.scores` (SentencePiece merge priorities).
    public var scores: [Float]?
    /// `tokenizer.ggml.merges`: "left right", by rank.
    public var merges: [String]?
    /// Special token ids by role, from `tokenizer.ggml.<role>_token_id` (`bos`, `eos`, `unknown`,
    /// `padding`, `eot`, `eom`, `fim_pre`, …).
    public var specialIDs: [String: Int]
    public var addBOS: Bool?
    public var addEOS: Bool?
    public var addSpacePrefix: Bool?

    public init(model: String, pre: String? = nil, tokens: [String], tokenTypes: [Int]? = nil,
                scores: [Float]? = nil, merges: [String]? = nil, specialIDs: [String: Int] = [:],
                addBOS: Bool? = nil, addEOS: Bool? = nil, addSpacePrefix: Bool? = nil) {
        self.model = model
        self.pre = pre
        self.tokens = tokens
        self.tokenTypes = tokenTypes
        self.scores = scores
        self.merges = merges
        self.specialIDs = specialIDs
        self.addBOS = addBOS
        self.addEOS = addEOS
        self.addSpacePrefix = addSpacePrefix
    }

    /// The roles whose ids llama.cpp reads (`tokenizer.ggml.<role>_token_id`).
    static let roles = ["bos", "eos", "eot", "eom", "unknown", "seperator", "padding", "mask",
                        "fim_pre", "fim_suf", "fim_mid", "fim_pad", "fim_rep", "fim_sep",
                        "prefix", "suffix", "middle"]

    /// Reads the metadata of a GGUF file; wrong types are errors naming the key.
    public init(gguf file: GGUFFile) throws {
        let p = "tokenizer.ggml."
        model = try file.requireString(p + "model")
        pre = try file.string(p + "pre")
        guard let toks = try file.requireArray(p + "tokens").strings else {
            throw TokenizerError("metadata key '\(p)tokens' must be an array of strings")
        }
        tokens = toks
        if let v = file.value(p + "token_type") {
            guard let ints = v.array?.ints else {
                throw TokenizerError("metadata key '\(p)token_type' must be an array of integers")
            }
            tokenTypes = ints
        }
        if let v = file.value(p + "scores") {
            guard let f = v.array?.floats else {
                throw TokenizerError("metadata key '\(p)scores' must be an array of numbers")
            }
            scores = f
        }
        if let v = file.value(p + "merges") {
            guard let m = v.array?.strings else {
                throw TokenizerError("metadata key '\(p)merges' must be an array of strings")
            }
            merges = m
        }
        specialIDs = [:]
        for role in Self.roles {
            if let id = try file.int(p + role + "_token_id") { specialIDs[role] = id }
        }
        addBOS = try file.bool(p + "add_bos_token")
        addEOS = try file.bool(p + "add_eos_token")
        addSpacePrefix = try file.bool(p + "add_space_prefix")
    }
}

/// Token attributes, with llama.cpp's bit values (`llama_token_attr`).
public struct TokenAttributes: OptionSet, Sendable, Hashable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let unknown = TokenAttributes(rawValue: 1 << 0)
    public static let unused = TokenAttributes(rawValue: 1 << 1)
    public static let normal = TokenAttributes(rawValue: 1 << 2)
    public static let control = TokenAttributes(rawValue: 1 << 3)
    public static let userDefined = TokenAttributes(rawValue: 1 << 4)
    public static let byte = TokenAttributes(rawValue: 1 << 5)

    /// The attributes of a GGUF token type (0 undefined, 1 normal, 2 unknown, 3 control,
    /// 4 user-defined, 5 unused, 6 byte).
    init(ggufType: Int) {
        switch ggufType {
        case 1: self = .normal
        case 2: self = .unknown
        case 3: self = .control
        case 4: self = .userDefined
        case 5: self = .unused
        case 6: self = .byte
        default: self = []
        }
    }
}
