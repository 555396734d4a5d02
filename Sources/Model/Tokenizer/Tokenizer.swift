import GGUF

/// Text ⇄ token ids for a GGUF model, token for token as llama.cpp does it.
///
/// Three algorithms, chosen by `tokenizer.ggml.model`:
/// - `gpt2`: byte-level BPE — special tokens split out first, the pre-tokenizer named by
///   `tokenizer.ggml.pre` cuts words, GPT-2's byte→unicode table maps bytes, merges apply by rank.
/// - `llama`: SentencePiece BPE — spaces become ▁, adjacent symbols merge highest score first,
///   characters outside the vocabulary fall back to `<0xXX>` byte tokens.
/// - `gemma4`: SentencePiece-style BPE — spaces become ▁, the text is cut at newline runs, merges
///   apply by rank over UTF-8 characters (no byte mapping), characters outside the vocabulary fall
///   back to `<0xXX>` byte tokens (llama.cpp's LLAMA_VOCAB_PRE_TYPE_GEMMA4).
///
/// ```swift
/// let tok = try Tokenizer(gguf: GGUFFile(path: "SmolLM2-135M-Instruct.Q4_1.gguf"))
/// tok.encode("Hello world! 123")   // [19556, 905, 17, 216, 33, 34, 35]
/// tok.piece(905)                   // " world"
/// ```
///
/// Immutable after construction, so one instance can serve many threads.
public final class Tokenizer: Sendable {
    /// The tokenization algorithm.
    public enum Algorithm: Sendable, Equatable {
        case bytePair(PreTokenizer)
        case sentencePiece
        /// Merges by rank over ▁-escaped UTF-8 characters (gemma4).
        case escapedBytePair
    }

    public static let supportedModels = ["gpt2", "llama", "gemma4"]

    public let algorithm: Algorithm
    /// Number of tokens in the vocabulary (ids are 0 ..< vocabSize).
    public let vocabSize: Int
    /// Beginning-of-sequence token, if the vocabulary has one.
    public let bos: Int32?
    /// End-of-sequence token, if the vocabulary has one.
    public let eos: Int32?
    public let unknown: Int32?
    public let padding: Int32?
    /// `encode(addSpecial: true)` starts with `bos` (tokenizer.ggml.add_bos_token).
    public let addBOS: Bool
    /// `encode(addSpecial: true)` ends with `eos` (tokenizer.ggml.add_eos_token).
    public let addEOS: Bool
    /// SentencePiece: a space is put before text that starts the input or follows a special token.
    public let addSpacePrefix: Bool
    /// Tokens that end generation (eos, end-of-turn, …), found as llama.cpp finds them.
    public let endOfGeneration: Set<Int32>

    /// Token texts (ids < vocabSize) and, for BPE, merge operands missing from the vocabulary.
    let symbols: ByteStringTable
    let attributes: [TokenAttributes]
    let scores: [Float]
    /// BPE: (left symbol << 32 | right symbol) → (rank << 32 | merged symbol).
    let merges: [UInt64: UInt64]
    /// BPE: the symbol of each byte's GPT-2 character (-1 when it is not a symbol).
    let byteSymbols: [Int32]
    /// BPE: whole words in the vocabulary skip merging (Llama 3).
    let ignoreMerges: Bool
    /// Decoding removes spaces before punctuation and contractions (llama.cpp's clean_spaces).
    let cleanSpaces: Bool
    /// Special tokens (control, user-defined, unknown) by decreasing length, then id.
    let specialTokens: [Int32]
    /// Lengths of special tokens, per first byte, as bit masks (bit L set: some token of L bytes).
    let specialLengths: [UInt64]
    let specialLongLengths: [[Int]]

    // MARK: Construction

    /// Reads `tokenizer.ggml.*` from a GGUF file.
    public convenience init(gguf file: GGUFFile) throws {
        try self.init(metadata: TokenizerMetadata(gguf: file))
    }

    /// Reads the tokenizer of the GGUF file at `path` (the weights are mapped, not read).
    public convenience init(path: String) throws {
        try self.init(gguf: GGUFFile(path: path))
    }

    /// Builds a tokenizer from metadata values.
    public init(metadata m: TokenizerMetadata) throws {
        let key = "tokenizer.ggml."
        let n = m.tokens.count
        guard n > 0 else { throw TokenizerError("metadata key '\(key)tokens' is empty") }
        guard n < Int(Int32.max) else { throw TokenizerError("metadata key '\(key)tokens' has too many tokens") }
        vocabSize = n

        // Algorithm and llama.cpp's defaults for it.
        var bosID: Int?, eosID: Int?, unkID: Int?
        var addBOS = false, addSpacePrefix = false
        var ignoreMerges = false, cleanSpaces = false
        switch m.model {
        case "gpt2":
            let preName = m.pre ?? "default"
            guard let pre = PreTokenizer(ggufName: preName) else {
                let found = m.pre.map { "is '\($0)', which is not supported" } ?? "is missing"
                throw TokenizerError("metadata key '\(key)pre' \(found); supported: "
                    + PreTokenizer.allCases.map(\.rawValue).joined(separator: ", "))
            }
            algorithm = .bytePair(pre)
            bosID = 11
            eosID = 11
            cleanSpaces = true
            switch pre {
            case .llama3:
                ignoreMerges = true
                addBOS = true
            case .smollm:
                cleanSpaces = !["smollm", "command-r"].contains(preName)
            case .qwen2:
                cleanSpaces = !["qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2", "hunyuan", "solar-open"].contains(preName)
            case .qwen35:
                cleanSpaces = false
            case .deepseekCoder, .deepseekLLM:
                cleanSpaces = false
            case .falcon:
                break
            case .gpt2:
                cleanSpaces = !["trillion", "granite-docling"].contains(preName)
            }
        case "llama":
            algorithm = .sentencePiece
            bosID = 1
            eosID = 2
            unkID = 0
            addBOS = true
            addSpacePrefix = true
        case "gemma4":
            algorithm = .escapedBytePair
            // llama.cpp turns add_bos on for Gemma 4 even when the file says false.
            addBOS = true
        default:
            throw TokenizerError("metadata key '\(key)model' is '\(m.model)', which is not supported; supported: "
                + Self.supportedModels.joined(separator: ", "))
        }
        if let v = m.addSpacePrefix { addSpacePrefix = v }
        self.addSpacePrefix = addSpacePrefix
        self.ignoreMerges = ignoreMerges
        self.cleanSpaces = cleanSpaces

        if let t = m.tokenTypes, t.count < n {
            throw TokenizerError("metadata key '\(key)token_type' has \(t.count) entries, expected \(n)")
        }
        if let s = m.scores, s.count < n {
            throw TokenizerError("metadata key '\(key)scores' has \(s.count) entries, expected \(n)")
        }

        // The vocabulary, by bytes.
        var table = ByteStringTable(capacity: n + (m.merges?.count ?? 0) / 4)
        let texts = m.tokens.enumerated().map { i, t in t.isEmpty ? "[EMPTY_\(i)]" : t }
        if let dup = table.insertAll(texts) {
            throw TokenizerError("metadata key '\(key)tokens' has a duplicate token '\(texts[dup])' at id \(dup)")
        }
        var attrs = m.tokenTypes.map { $0.prefix(n).map(TokenAttributes.init(ggufType:)) }
            ?? Array(repeating: .normal, count: n)
        scores = m.scores.map { Array($0.prefix(n)) } ?? Array(repeating: 0, count: n)

        // Merges (BPE): operands and results interned as symbols; the first rank of a pair wins.
        var merges: [UInt64: UInt64] = [:]
        if algorithm != .sentencePiece {
            guard let list = m.merges else {
                throw TokenizerError("metadata key '\(key)merges' is missing (required by the \(m.model) tokenizer)")
            }
            merges.reserveCapacity(list.count)
            for (rank, merge) in list.enumerated() {
                var merge = merge
                merge.withUTF8 { b in
                    guard b.count > 1, let sp = b[1...].firstIndex(of: 0x20) else { return }
                    let left = table.insert(UnsafeBufferPointer(rebasing: b[..<sp])).id
                    let right = table.insert(UnsafeBufferPointer(rebasing: b[(sp + 1)...])).id
                    let key = UInt64(UInt32(left)) << 32 | UInt64(UInt32(right))
                    guard merges[key] == nil else { return }
                    var joined = Array(b[..<sp])
                    joined.append(contentsOf: b[(sp + 1)...])
                    let result = table.insert(joined).id
                    merges[key] = UInt64(rank) << 32 | UInt64(UInt32(result))
                }
            }
            byteSymbols = algorithm == .escapedBytePair ? [] : ByteUnicode.utf8OfByte.map { table.find($0) ?? -1 }
        } else {
            byteSymbols = []
        }
        self.merges = merges
        symbols = table

        // Special ids: defaults, replaced by in-range metadata values.
        func resolve(_ role: String, _ fallback: Int?) -> Int32? {
            var id = fallback.flatMap { $0 >= 0 && $0 < n ? $0 : nil }
            if let v = m.specialIDs[role], v >= 0, v < n { id = v }
            return id.map(Int32.init)
        }
        bos = resolve("bos", bosID)
        eos = resolve("eos", eosID)
        unknown = resolve("unknown", unkID)
        padding = resolve("padding", nil)
        self.addBOS = algorithm == .escapedBytePair ? true : (m.addBOS ?? addBOS)
        self.addEOS = m.addEOS ?? false
        if self.addBOS && bos == nil {
            throw TokenizerError("metadata key '\(key)add_bos_token' is true, but '\(key)bos_token_id' is not set")
        }
        if self.addEOS && eos == nil {
            throw TokenizerError("metadata key '\(key)add_eos_token' is true, but '\(key)eos_token_id' is not set")
        }

        // llama.cpp marks tokens by their text: end-of-turn, fill-in-the-middle and end-of-generation
        // tokens become control tokens (so they are parsed as special) even when the file says normal.
        func id(_ text: String) -> Int32? { table.find(text).flatMap { Int($0) < n ? $0 : nil } }
        func makeControl(_ t: Int32) { attrs[Int(t)].insert(.control) }
        var eog = Set<Int32>()
        var roleIDs: [String: Int32] = [:]
        for role in ["eot", "eom", "fim_pre", "fim_suf", "fim_mid", "fim_pad", "fim_rep", "fim_sep"] {
            if let r = resolve(role, nil) { roleIDs[role] = r }
        }
        for (alias, role) in [("prefix", "fim_pre"), ("suffix", "fim_suf"), ("middle", "fim_mid")] {
            if let r = resolve(alias, nil) { roleIDs[role] = r }
        }
        for (role, candidates) in Self.roleCandidates where roleIDs[role] == nil {
            for text in candidates {
                if let t = id(text) {
                    roleIDs[role] = t
                    makeControl(t)
                    break
                }
            }
        }
        // Control tokens named "unused" are unused.
        let unusedBytes = Array("unused".utf8)
        for i in 0 ..< n where attrs[i].contains(.control) && !attrs[i].contains(.unused) {
            let b = table.bytes(Int32(i))
            if b.count >= unusedBytes.count,
               (b.startIndex ... b.endIndex - unusedBytes.count).contains(where: { b[$0 ..< $0 + unusedBytes.count].elementsEqual(unusedBytes) }) {
                attrs[i].insert(.unused)
            }
        }
        for role in ["fim_pad", "fim_rep", "fim_sep"] { if let t = roleIDs[role] { eog.insert(t) } }
        for text in Self.endOfGenerationTexts {
            if let t = id(text) {
                eog.insert(t)
                makeControl(t)
            }
        }
        for text in ["<|channel|>", "<|message|>", "<|start|>", "<|constrain|>"] {
            if let t = id(text) { attrs[Int(t)] = .userDefined }
        }
        for t in [eos, roleIDs["eot"], roleIDs["eom"]] { if let t { eog.insert(t) } }
        // o200k_harmony and solar-open: "<|end|>" does not end generation there.
        let eogTexts = Set(eog.map { String(decoding: table.bytes($0), as: UTF8.self) })
        if let end = id("<|end|>"), eogTexts.contains("<|end|>"),
           (eogTexts.contains("<|return|>") && eogTexts.contains("<|call|>"))
            || (eogTexts.contains("<|calls|>") && eogTexts.contains("<|flush|>")) {
            eog.remove(end)
            attrs[Int(end)] = .userDefined
        }
        if eogTexts.contains("<|tool_response>"), let s = id("</s>"), eog.contains(s) {
            eog.remove(s)
            attrs[Int(s)] = .normal
        }
        endOfGeneration = eog
        attributes = attrs

        // Special tokens, longest first (llama.cpp splits them out of the text in this order).
        let special: [Int32] = (0 ..< n).compactMap { i in
            attrs[i].isDisjoint(with: [.control, .userDefined, .unknown]) ? nil : Int32(i)
        }
        specialTokens = special.sorted { a, b in
            let la = table.length(a), lb = table.length(b)
            return la != lb ? la > lb : a < b
        }
        var lengths = [UInt64](repeating: 0, count: 256)
        var long = [[Int]](repeating: [], count: 256)
        for t in special {
            let b = table.bytes(t)
            guard let first = b.first else { continue }
            if b.count < 64 {
                lengths[Int(first)] |= 1 << UInt64(b.count)
            } else if !long[Int(first)].contains(b.count) {
                long[Int(first)].append(b.count)
            }
        }
        specialLengths = lengths
        specialLongLengths = long
    }

    static let roleCandidates: [(String, [String])] = [
        ("eot", ["<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>",
                 "<EOT>", "_<EOT>", "[EOT]", "<｜end▁of▁sentence｜>", "<end_of_utterance>"]),
        ("eom", ["<|eom_id|>"]),
        ("fim_pre", ["<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<｜fim▁begin｜>", "<PRE>", "▁<PRE>",
                     "<|code_prefix|>", "<|prefix|>"]),
        ("fim_suf", ["<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<｜fim▁hole｜>", "<SUF>", "▁<SUF>",
                     "<|code_suffix|>", "<|suffix|>"]),
        ("fim_mid", ["<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<｜fim▁end｜>", "<MID>", "▁<MID>",
                     "<|code_middle|>", "<|middle|>"]),
        ("fim_pad", ["<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]"]),
        ("fim_rep", ["<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>"]),
        ("fim_sep", ["<|file_sep|>"]),
    ]

    static let endOfGenerationTexts = [
        "<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>", "<|calls|>",
        "<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]",
        "<|end_of_text|>", "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>",
        "<｜end▁of▁sentence｜>", "[e~[",
    ]

    // MARK: Vocabulary

    /// The token's attributes (normal, control, user-defined, byte, …).
    public func attributes(of id: Int32) -> TokenAttributes {
        id >= 0 && Int(id) < vocabSize ? attributes[Int(id)] : []
    }

    /// True for control, user-defined and unknown tokens: those `encode` recognises when written in
    /// the text (user-defined ones even with `parseSpecial: false`, as llama.cpp does).
    public func isSpecial(_ id: Int32) -> Bool {
        !attributes(of: id).isDisjoint(with: [.control, .userDefined, .unknown])
    }

    /// The raw text of a token as stored in the vocabulary ("Ġworld", "▁Paris", "<0x0A>").
    public func text(of id: Int32) -> String {
        guard id >= 0, Int(id) < vocabSize else { return "" }
        return String(decoding: symbols.bytes(id), as: UTF8.self)
    }

    /// The id of the token whose raw text is exactly `text`, compared byte for byte.
    public func id(ofToken text: String) -> Int32? {
        guard let id = symbols.find(text), Int(id) < vocabSize else { return nil }
        return id
    }

    @inline(__always)
    func vocabID(_ bytes: UnsafeBufferPointer<UInt8>) -> Int32? {
        guard let id = symbols.find(bytes), Int(id) < vocabSize else { return nil }
        return id
    }
}

extension Tokenizer {
    /// True for tokens that end greedy generation (end-of-sequence, end-of-turn).
    public func isEndOfGeneration(_ id: Int32) -> Bool { endOfGeneration.contains(id) }
}
