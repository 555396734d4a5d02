/// Splitting text into words before byte-level BPE, as llama.cpp's `unicode.cpp` does it.
///
/// The pre-tokenizer regexes of GPT-2 and Llama 3 are implemented by hand, as scanners over
/// Unicode scalars, following llama.cpp's own hand-written matchers (which are what decide its
/// tokens, not a regex engine). Character classes are Unicode general categories:
/// `\p{L}` = Lu Ll Lt Lm Lo, `\p{N}` = Nd Nl No, and `\s` = the White_Space property — the same
/// tables llama.cpp generates from UnicodeData.txt (`scripts/gen-unicode-data.py`), as of the
/// Unicode version of those tables (`UnicodeFlags.llamaUnicodeVersion`, 15.1). The pre-tokenizers that
/// llama.cpp runs through std::regex instead (deepseek-coder, falcon) follow its "collapsed" classes
/// (`Collapsed`, below), or std::wregex on the scalars themselves (deepseek-llm's explicit ranges).
/// Each is checked against llama.cpp's own test vectors (TokenizerVectorTests).
public enum PreTokenizer: String, Sendable, CaseIterable {
    /// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
    case gpt2 = "gpt-2"
    /// Every `\p{N}` alone first, then `gpt-2` within the pieces (SmolLM, StarCoder).
    case smollm
    /// Llama 3: `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
    /// ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`; whole words in the vocabulary skip merging.
    case llama3 = "llama-bpe"
    /// Qwen 2: Llama 3's expression with single digits (`\p{N}`).
    case qwen2
    /// Qwen 3.5: Qwen 2's expression with combining marks inside letter runs: `[\p{L}\p{M}]+`, and
    /// `[^\s\p{L}\p{M}\p{N}]` for the rest (llama.cpp's unicode_regex_split_custom_qwen35).
    case qwen35
    /// DeepSeek Coder: llama.cpp applies five expressions in turn, each splitting every piece into its
    /// matches and the text between them: `[\r\n]`, `\s?\p{L}+`, `\s?\p{P}+`, `[一-龥ࠀ-一가-퟿]+`, `\p{N}`
    /// (std::regex over its "collapsed" text: see `splitDeepseekCoder`).
    case deepseekCoder = "deepseek-coder"
    /// Falcon: `[\p{P}\$\+<=>\^~\|`]+`, then GPT-2's expression, then `[0-9][0-9][0-9]`, in turn.
    case falcon
    /// DeepSeek LLM: six expressions in turn: `[\r\n]`, `\s?` + a run of its listed letters,
    /// `\s?[!-/:-~！-／：-～‘-‟　-。]+`, `\s+$`, `[一-龥ࠀ-一가-퟿]+`, `\p{N}+` (see `splitDeepseekLLM`).
    case deepseekLLM = "deepseek-llm"

    /// The pre-tokenizer for a `tokenizer.ggml.pre` value, with the aliases llama.cpp accepts.
    public init?(ggufName name: String) {
        switch name {
        case "gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v2-es", "jina-v2-de", "a.x-4.0",
             "mellum", "modern-bert", "mpt", "olmo", "jais", "trillion", "granite-docling", "exaone4":
            self = .gpt2
        case "smollm", "starcoder", "refact", "command-r", "codeshell", "exaone", "minerva-7b", "mellum2":
            self = .smollm
        case "llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2",
             "jina-v5-nano", "dbrx", "smaug-bpe":
            self = .llama3
        case "qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2", "stablelm2", "megrez", "hunyuan", "solar-open":
            self = .qwen2
        case "qwen35":
            self = .qwen35
        case "deepseek-coder":
            self = .deepseekCoder
        case "falcon":
            self = .falcon
        case "deepseek-llm":
            self = .deepseekLLM
        default:
            return nil
        }
    }

    /// Word boundaries of `scalars`: the end offset (exclusive) of each word, in scalars.
    func split(_ scalars: [UInt32]) -> [Int] {
        var ends: [Int] = []
        ends.reserveCapacity(scalars.count / 3 + 1)
        scalars.withUnsafeBufferPointer { cps in
            switch self {
            case .gpt2:
                splitGPT2(cps, 0, cps.count, &ends)
            case .smollm:
                // `\p{N}` through std::regex: each number alone, the stretches between kept whole.
                var start = 0
                for i in 0 ..< cps.count where UnicodeFlags.of(cps[i]).contains(.number) {
                    if i > start { splitGPT2(cps, start, i, &ends) }
                    ends.append(i + 1)
                    start = i + 1
                }
                if start < cps.count { splitGPT2(cps, start, cps.count, &ends) }
            case .llama3:
                splitLlama3(cps, 0, cps.count, maxDigits: 3, letters: .letter, &ends)
            case .qwen2:
                splitLlama3(cps, 0, cps.count, maxDigits: 1, letters: .letter, &ends)
            case .qwen35:
                splitLlama3(cps, 0, cps.count, maxDigits: 1, letters: [.letter, .mark], &ends)
            case .deepseekCoder:
                splitDeepseekCoder(cps, &ends)
            case .falcon:
                splitFalcon(cps, &ends)
            case .deepseekLLM:
                splitDeepseekLLM(cps, &ends)
            }
        }
        return ends
    }
}

/// The character classes the pre-tokenizers use.
struct UnicodeFlags: OptionSet, Sendable {
    let rawValue: UInt8
    static let letter = UnicodeFlags(rawValue: 1)
    static let number = UnicodeFlags(rawValue: 2)
    static let whitespace = UnicodeFlags(rawValue: 4)
    /// Set for every scalar inside the current piece; empty flags mean "past the end".
    static let present = UnicodeFlags(rawValue: 8)
    /// `\p{M}`: Mn Mc Me (llama.cpp's ACCENT_MARK).
    static let mark = UnicodeFlags(rawValue: 16)
    /// `\p{P}`: Pc Pd Ps Pe Pi Pf Po.
    static let punctuation = UnicodeFlags(rawValue: 32)

    private static let ascii: [UnicodeFlags] = (0 ..< 128).map { compute(UInt32($0)) }

    @inline(__always)
    static func of(_ cp: UInt32) -> UnicodeFlags {
        cp < 128 ? ascii[Int(cp)] : compute(cp)
    }

    /// The Unicode version of llama.cpp's character tables (`unicode-data.cpp`). Swift's own tables
    /// are newer; characters assigned after this version are unassigned to llama.cpp, so they are
    /// here too (checked on every code point against llama-cpp-python 0.3.36).
    static let llamaUnicodeVersion = (major: 15, minor: 1)

    static func compute(_ cp: UInt32) -> UnicodeFlags {
        guard let s = Unicode.Scalar(cp), let age = s.properties.age,
              age.major < llamaUnicodeVersion.major
                || (age.major == llamaUnicodeVersion.major && age.minor <= llamaUnicodeVersion.minor)
        else { return .present }
        var f: UnicodeFlags = .present
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            f.insert(.letter)
        case .decimalNumber, .letterNumber, .otherNumber:
            f.insert(.number)
        case .nonspacingMark, .spacingMark, .enclosingMark:
            f.insert(.mark)
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            f.insert(.punctuation)
        default:
            break
        }
        if s.properties.isWhitespace { f.insert(.whitespace) }
        return f
    }
}

// MARK: - Scanners

/// A window [start, end) of the scalars; reads outside it give `outOfRange` and empty flags.
private struct Window {
    let cps: UnsafeBufferPointer<UInt32>
    let start: Int
    let end: Int
    static let outOfRange: UInt32 = 0xFFFF_FFFF

    @inline(__always) func cp(_ i: Int) -> UInt32 { i >= start && i < end ? cps[i] : Self.outOfRange }
    @inline(__always) func flags(_ i: Int) -> UnicodeFlags { i >= start && i < end ? UnicodeFlags.of(cps[i]) : [] }
}

private let apostrophe = UInt32(UInt8(ascii: "'"))
private let space = UInt32(UInt8(ascii: " "))
private let cr = UInt32(UInt8(ascii: "\r"))
private let lf = UInt32(UInt8(ascii: "\n"))

/// The length of a contraction ('s 't 'm 'd 're 've 'll) at `pos`, or 0.
@inline(__always)
private func contraction(_ w: Window, _ pos: Int, caseInsensitive: Bool) -> Int {
    guard w.cp(pos) == apostrophe, pos + 1 < w.end else { return 0 }
    func lower(_ c: UInt32) -> UInt32 {
        caseInsensitive && c >= 0x41 && c <= 0x5A ? c + 32 : c
    }
    let c1 = lower(w.cp(pos + 1))
    switch c1 {
    case 0x73, 0x74, 0x6D, 0x64: return 2  // s t m d
    default: break
    }
    guard pos + 2 < w.end else { return 0 }
    let c2 = lower(w.cp(pos + 2))
    if (c1 == 0x72 && c2 == 0x65) || (c1 == 0x76 && c2 == 0x65) || (c1 == 0x6C && c2 == 0x6C) { return 3 }  // re ve ll
    return 0
}

/// GPT-2: `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`.
func splitGPT2(_ cps: UnsafeBufferPointer<UInt32>, _ start: Int, _ end: Int, _ ends: inout [Int]) {
    let w = Window(cps: cps, start: start, end: end)
    var pos = start
    var prevEnd = start
    func emit(_ e: Int) {
        if e > prevEnd { ends.append(e) }
        prevEnd = e
    }
    while pos < end {
        let c = w.cp(pos)
        let flags = w.flags(pos)

        let n = contraction(w, pos, caseInsensitive: false)
        if n > 0 {
            pos += n
            emit(pos)
            continue
        }

        // An optional leading space, then a run of one class.
        var f2 = c == space ? w.flags(pos + 1) : flags
        if f2.contains(.letter) {
            if c == space { pos += 1 }
            while f2.contains(.letter) { pos += 1; f2 = w.flags(pos) }
            emit(pos)
            continue
        }
        if f2.contains(.number) {
            if c == space { pos += 1 }
            while f2.contains(.number) { pos += 1; f2 = w.flags(pos) }
            emit(pos)
            continue
        }
        if f2.isDisjoint(with: [.whitespace, .letter, .number]) && f2.contains(.present) {
            if c == space { pos += 1 }
            while f2.isDisjoint(with: [.whitespace, .letter, .number]) && f2.contains(.present) {
                pos += 1
                f2 = w.flags(pos)
            }
            emit(pos)
            continue
        }

        var spaces = 0
        while w.flags(pos + spaces).contains(.whitespace) { spaces += 1 }
        // \s+(?!\S): leave the last whitespace for the next word.
        if spaces > 1 && w.cp(pos + spaces) != Window.outOfRange {
            pos += spaces - 1
            emit(pos)
            continue
        }
        if spaces > 0 {
            pos += spaces
            emit(pos)
            continue
        }
        pos += 1
        emit(pos)
    }
}

/// Llama 3 (maxDigits 3) and Qwen 2 (maxDigits 1).
/// `letters`: the classes of a letter run (`\p{L}`, or `[\p{L}\p{M}]` for qwen35).
private func splitLlama3(_ cps: UnsafeBufferPointer<UInt32>, _ start: Int, _ end: Int, maxDigits: Int,
                         letters: UnicodeFlags, _ ends: inout [Int]) {
    let w = Window(cps: cps, start: start, end: end)
    var pos = start
    var prevEnd = start
    func emit(_ e: Int) {
        if e > prevEnd { ends.append(e) }
        prevEnd = e
    }
    while pos < end {
        let c = w.cp(pos)
        let flags = w.flags(pos)

        let n = contraction(w, pos, caseInsensitive: true)
        if n > 0 {
            pos += n
            emit(pos)
            continue
        }

        // [^\r\n\p{L}\p{N}]?\p{L}+  (qwen35: [\p{L}\p{M}]+)
        if !(c == cr || c == lf || flags.contains(.number)) {
            if !flags.isDisjoint(with: letters) || !w.flags(pos + 1).isDisjoint(with: letters) {
                pos += 1
                while !w.flags(pos).isDisjoint(with: letters) { pos += 1 }
                emit(pos)
                continue
            }
        }

        // \p{N}{1,maxDigits}
        if flags.contains(.number) {
            var groupStart = pos
            while w.flags(pos).contains(.number) {
                pos += 1
                if pos - groupStart >= maxDigits {
                    emit(pos)
                    groupStart = pos
                }
            }
            emit(pos)
            continue
        }

        // ' ?[^\s\p{L}\p{N}]+[\r\n]*' (the first test reads this scalar's presence, as llama.cpp does)
        var f2 = c == space ? w.flags(pos + 1) : flags
        let other = letters.union([.whitespace, .number])
        if f2.isDisjoint(with: other) && flags.contains(.present) {
            if c == space { pos += 1 }
            while f2.isDisjoint(with: other) && f2.contains(.present) {
                pos += 1
                f2 = w.flags(pos)
            }
            while w.cp(pos) == cr || w.cp(pos) == lf { pos += 1 }
            emit(pos)
            continue
        }

        var spaces = 0
        var lastNewlineEnd = 0
        while w.flags(pos + spaces).contains(.whitespace) {
            let c2 = w.cp(pos + spaces)
            if c2 == cr || c2 == lf { lastNewlineEnd = pos + spaces + 1 }
            spaces += 1
        }
        // \s*[\r\n]+
        if lastNewlineEnd > 0 {
            pos = lastNewlineEnd
            emit(pos)
            continue
        }
        // \s+(?!\S)
        if spaces > 1 && w.cp(pos + spaces) != Window.outOfRange {
            pos += spaces - 1
            emit(pos)
            continue
        }
        if spaces > 0 {
            pos += spaces
            emit(pos)
            continue
        }
        pos += 1
        emit(pos)
    }
}

// MARK: - GPT-2 byte ↔ unicode table

/// GPT-2's reversible map from bytes to printable characters: printable Latin-1 maps to itself,
/// the other 68 bytes to U+0100 onwards in order (space → Ġ U+0120, newline → Ċ U+010A).
enum ByteUnicode {
    /// The scalar standing for each byte.
    static let scalarOfByte: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 256)
        var next: UInt32 = 256
        for b in 0 ..< 256 {
            let printable = (0x21 ... 0x7E).contains(b) || (0xA1 ... 0xAC).contains(b) || (0xAE ... 0xFF).contains(b)
            if printable {
                table[b] = UInt32(b)
            } else {
                table[b] = next
                next += 1
            }
        }
        return table
    }()

    /// The UTF-8 encoding of each byte's scalar (one or two bytes).
    static let utf8OfByte: [[UInt8]] = scalarOfByte.map { Array(String(Unicode.Scalar($0)!).utf8) }

    /// The byte a scalar stands for, or nil.
    static func byte(of scalar: UInt32) -> UInt8? {
        if scalar < 0x100 {
            let b = Int(scalar)
            let printable = (0x21 ... 0x7E).contains(b) || (0xA1 ... 0xAC).contains(b) || (0xAE ... 0xFF).contains(b)
            return printable ? UInt8(b) : nil
        }
        return byteOfHighScalar[scalar]
    }

    private static let byteOfHighScalar: [UInt32: UInt8] = {
        var d: [UInt32: UInt8] = [:]
        for b in 0 ..< 256 where scalarOfByte[b] >= 0x100 { d[scalarOfByte[b]] = UInt8(b) }
        return d
    }()
}
