/// The pre-tokenizers llama.cpp runs as several expressions in turn, through std::regex or
/// std::wregex instead of a hand-written matcher (deepseek-coder, deepseek-llm, falcon).

// MARK: - Sequential expressions (llama.cpp's std::regex path)

/// DeepSeek Coder's five expressions in turn (see `Collapsed` for the classes).
func splitDeepseekCoder(_ cps: UnsafeBufferPointer<UInt32>, _ ends: inout [Int]) {
    let c = Collapsed(cps: cps)
    let newline: Collapsed.Matcher = { r in r.filter { cps[$0] == 13 || cps[$0] == 10 }.map { $0..<($0 + 1) } }
    let digit: Collapsed.Matcher = { r in r.filter { c.isNumber(cps[$0]) }.map { $0..<($0 + 1) } }
    let cjk = c.runs { Collapsed.isCJK(Collapsed.wide($0)) }
    c.split([newline, c.spaceThenRun(c.isLetter), c.spaceThenRun(c.isPunct), cjk, digit], &ends)
}

/// DeepSeek LLM's six expressions in turn. The first five have no `\p{…}`, so llama.cpp runs them
/// through std::wregex on the scalars (non-ASCII whitespace read as \v, `Collapsed.wide`): its letters
/// are the explicit ranges `DeepseekLLMClasses.letters` (Latin, Greek, Cyrillic, Armenian, Georgian,
/// Cherokee, Glagolitic, Coptic, fullwidth Latin, Deseret, Osage, Old Hungarian, Warang Citi, Adlam —
/// not CJK, Arabic or Indic letters), `\s+$` is the whitespace ending a piece; the last, `\p{N}+`,
/// runs on the collapsed text.
func splitDeepseekLLM(_ cps: UnsafeBufferPointer<UInt32>, _ ends: inout [Int]) {
    let c = Collapsed(cps: cps)
    let newline: Collapsed.Matcher = { r in r.filter { cps[$0] == 13 || cps[$0] == 10 }.map { $0..<($0 + 1) } }
    let letters = c.spaceThenRun { DeepseekLLMClasses.letters.contains(Collapsed.wide($0)) }
    let punct = c.spaceThenRun { DeepseekLLMClasses.punctuation.contains(Collapsed.wide($0)) }
    let trailingSpace: Collapsed.Matcher = { r in
        var i = r.upperBound
        while i > r.lowerBound && c.isSpace(cps[i - 1]) { i -= 1 }
        return i < r.upperBound ? [i..<r.upperBound] : []
    }
    let cjk = c.runs { Collapsed.isCJK(Collapsed.wide($0)) }
    c.split([newline, letters, punct, trailingSpace, cjk, c.runs(c.isNumber)], &ends)
}

/// The explicit character classes of DeepSeek LLM's expressions (llama-vocab.cpp), as sorted ranges.
enum DeepseekLLMClasses {
    /// The letters of `\s?[A-Za-zµÀ-ÖØ-öø-ƺ…𞤀-𞥃]+`, range by range as written there.
    static let letters = ScalarRanges([
        0x41...0x5A, 0x61...0x7A, 0xB5...0xB5, 0xC0...0xD6, 0xD8...0xF6, 0xF8...0x1BA, 0x1BC...0x1BF,
        0x1C4...0x293, 0x295...0x2AF, 0x370...0x373, 0x376...0x377, 0x37B...0x37D, 0x37F...0x37F,
        0x386...0x386, 0x388...0x38A, 0x38C...0x38C, 0x38E...0x3A1, 0x3A3...0x3F5, 0x3F7...0x481,
        0x48A...0x52F, 0x531...0x556, 0x10A0...0x10C5, 0x13A0...0x13F5, 0x13F8...0x13FD, 0x1C90...0x1CBA,
        0x1CBD...0x1CBF, 0x1D00...0x1D2B, 0x1D6B...0x1D77, 0x1D79...0x1D9A, 0x1E00...0x1F15,
        0x1F18...0x1F1D, 0x1F20...0x1F45, 0x1F48...0x1F4D, 0x1F50...0x1F57, 0x1F59...0x1F59,
        0x1F5B...0x1F5B, 0x1F5D...0x1F5D, 0x1F5F...0x1F7D, 0x1F80...0x1FB4, 0x1FB6...0x1FBC,
        0x1FBE...0x1FBE, 0x1FC2...0x1FC4, 0x1FC6...0x1FCC, 0x1FD0...0x1FD3, 0x1FD6...0x1FDB,
        0x1FE0...0x1FEC, 0x1FF2...0x1FF4, 0x1FF6...0x1FFC, 0x2102...0x2102, 0x2107...0x2107,
        0x210A...0x2113, 0x2115...0x2115, 0x2119...0x211D, 0x2124...0x2124, 0x2126...0x2126,
        0x2128...0x2128, 0x212A...0x212D, 0x212F...0x2134, 0x2139...0x2139, 0x213C...0x213F,
        0x2145...0x2149, 0x214E...0x214E, 0x2183...0x2184, 0x2C00...0x2C7B, 0x2C7E...0x2CE4,
        0x2CEB...0x2CEE, 0x2CF2...0x2CF3, 0xA640...0xA66D, 0xA680...0xA69B, 0xA722...0xA76F,
        0xA771...0xA787, 0xA78B...0xA78E, 0xAB70...0xABBF, 0xFB00...0xFB06, 0xFB13...0xFB17,
        0xFF21...0xFF3A, 0xFF41...0xFF5A, 0x10400...0x1044F, 0x104B0...0x104D3, 0x104D8...0x104FB,
        0x10C80...0x10CB2, 0x10CC0...0x10CF2, 0x118A0...0x118DF, 0x1E900...0x1E943,
    ])
    /// `[!-/:-~！-／：-～‘-‟　-。]`: ASCII punctuation and symbols — and ASCII letters, which the letter
    /// expression has already cut out — fullwidth forms, curly quotes, CJK space and punctuation.
    static let punctuation = ScalarRanges([
        0x21...0x2F, 0x3A...0x7E, 0xFF01...0xFF0F, 0xFF1A...0xFF5E, 0x2018...0x201F, 0x3000...0x3002,
    ])
}

/// A set of scalars given as closed ranges, looked up by binary search.
struct ScalarRanges: Sendable {
    private let ranges: [ClosedRange<UInt32>]

    init(_ ranges: [ClosedRange<UInt32>]) { self.ranges = ranges.sorted { $0.lowerBound < $1.lowerBound } }

    func contains(_ c: UInt32) -> Bool {
        var lo = 0, hi = ranges.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if ranges[mid].upperBound < c { lo = mid + 1 } else { hi = mid }
        }
        return lo < ranges.count && ranges[lo].contains(c)
    }
}

/// Falcon's three expressions in turn: punctuation and `$+<=>^~|`` runs (collapsed: non-ASCII
/// punctuation counts, non-ASCII symbols do not), GPT-2's expression (llama.cpp's custom GPT-2
/// splitter), then each `[0-9][0-9][0-9]` (on the scalars, left to right).
func splitFalcon(_ cps: UnsafeBufferPointer<UInt32>, _ ends: inout [Int]) {
    let c = Collapsed(cps: cps)
    let symbols: Set<UInt32> = [0x24, 0x2B, 0x3C, 0x3D, 0x3E, 0x5E, 0x7E, 0x7C, 0x60]
    let punct = c.runs { c.isPunct($0) || symbols.contains($0) }
    let gpt2: Collapsed.Matcher = { r in
        var e: [Int] = []
        splitGPT2(cps, r.lowerBound, r.upperBound, &e)
        var out: [Range<Int>] = [], at = r.lowerBound
        for x in e where x > at { out.append(at..<x); at = x }
        return out
    }
    let digits: Collapsed.Matcher = { r in
        var out: [Range<Int>] = [], i = r.lowerBound
        while i + 3 <= r.upperBound {
            if (i..<(i + 3)).allSatisfy({ (48...57).contains(cps[$0]) }) { out.append(i..<(i + 3)); i += 3 } else { i += 1 }
        }
        return out
    }
    c.split([punct, gpt2, digits], &ends)
}

/// The character classes of llama.cpp's std::regex path, and its piece-by-piece splitting.
///
/// llama.cpp runs expressions with `\p{…}` through std::regex on a "collapsed" text: ASCII stays
/// itself, other whitespace becomes \v, and other scalars one byte per category, so `\p{L}` =
/// [A-Za-z] ∪ letters, `\p{P}` = ASCII `!-#%-*,-/:-;?-@[-]_{}` ∪ punctuation, `\p{N}` = [0-9] ∪
/// numbers, `\s` = ASCII [\t-\r ] ∪ other whitespace. Expressions without categories run on the
/// scalars themselves. Each expression splits every piece the previous ones left into its matches
/// and the gaps between them (unicode_regex_split).
private struct Collapsed {
    let cps: UnsafeBufferPointer<UInt32>
    /// Matches of one expression inside a piece, left to right.
    typealias Matcher = (Range<Int>) -> [Range<Int>]

    func flags(_ c: UInt32) -> UnicodeFlags { UnicodeFlags.of(c) }
    func isSpace(_ c: UInt32) -> Bool { c < 128 ? (c == 32 || (9...13).contains(c)) : flags(c).contains(.whitespace) }
    func isLetter(_ c: UInt32) -> Bool {
        c < 128 ? ((65...90).contains(c) || (97...122).contains(c)) : (!isSpace(c) && flags(c).contains(.letter))
    }
    func isPunct(_ c: UInt32) -> Bool {
        if c < 128 {
            return (0x21...0x23).contains(c) || (0x25...0x2A).contains(c) || (0x2C...0x2F).contains(c)
                || (0x3A...0x3B).contains(c) || (0x3F...0x40).contains(c) || (0x5B...0x5D).contains(c)
                || c == 0x5F || c == 0x7B || c == 0x7D
        }
        return !isSpace(c) && flags(c).contains(.punctuation)
    }
    func isNumber(_ c: UInt32) -> Bool { c < 128 ? (48...57).contains(c) : (!isSpace(c) && flags(c).contains(.number)) }
    /// A scalar as llama.cpp's std::wregex path reads it: non-ASCII whitespace becomes \v (0x0B).
    static func wide(_ c: UInt32) -> UInt32 { c > 0x7F && UnicodeFlags.of(c).contains(.whitespace) ? 0x0B : c }
    /// `[一-龥ࠀ-一가-퟿]` (on `wide` scalars).
    static func isCJK(_ c: UInt32) -> Bool { (0x0800...0x9FA5).contains(c) || (0xAC00...0xD7FF).contains(c) }

    /// `\s?X+`: an optional whitespace scalar before a run.
    func spaceThenRun(_ inRun: @escaping (UInt32) -> Bool) -> Matcher {
        { r in
            var out: [Range<Int>] = [], i = r.lowerBound
            while i < r.upperBound {
                var j = i
                if isSpace(cps[i]) && i + 1 < r.upperBound && inRun(cps[i + 1]) { j = i + 1 }
                if inRun(cps[j]) {
                    var k = j
                    while k < r.upperBound && inRun(cps[k]) { k += 1 }
                    out.append(i..<k)
                    i = k
                } else {
                    i += 1
                }
            }
            return out
        }
    }

    /// `X+`.
    func runs(_ inRun: @escaping (UInt32) -> Bool) -> Matcher {
        { r in
            var out: [Range<Int>] = [], i = r.lowerBound
            while i < r.upperBound {
                guard inRun(cps[i]) else { i += 1; continue }
                var k = i
                while k < r.upperBound && inRun(cps[k]) { k += 1 }
                out.append(i..<k)
                i = k
            }
            return out
        }
    }

    /// Applies the expressions in turn and appends the end of every final piece.
    func split(_ matchers: [Matcher], _ ends: inout [Int]) {
        var pieces: [Range<Int>] = cps.isEmpty ? [] : [0..<cps.count]
        for match in matchers {
            var next: [Range<Int>] = []
            for p in pieces {
                var at = p.lowerBound
                for m in match(p) {
                    if m.lowerBound > at { next.append(at..<m.lowerBound) }
                    next.append(m)
                    at = m.upperBound
                }
                if at < p.upperBound { next.append(at..<p.upperBound) }
            }
            pieces = next
        }
        ends += pieces.map(\.upperBound)
    }
}
