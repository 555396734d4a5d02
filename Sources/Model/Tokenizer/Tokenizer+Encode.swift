extension Tokenizer {
    /// Token ids of `text`.
    ///
    /// - Parameters:
    ///   - addSpecial: start with BOS (and end with EOS) when the model's metadata asks for it.
    ///   - parseSpecial: recognise control tokens written in the text (`<|im_start|>`,
    ///     `<start_of_turn>`, `<bos>`) as llama.cpp's command line does. User-defined tokens are
    ///     recognised either way, as in llama.cpp.
    public func encode(_ text: String, addSpecial: Bool = true, parseSpecial: Bool = true) -> [Int32] {
        let bytes = Array(text.utf8)
        var out: [Int32] = []
        out.reserveCapacity(bytes.count / 3 + 2)
        if addSpecial && addBOS, let bos { out.append(bos) }
        let fragments = bytes.isEmpty ? [] : partition(bytes, parseSpecial: parseSpecial)
        bytes.withUnsafeBufferPointer { all in
            switch algorithm {
            case .bytePair(let pre):
                for f in fragments {
                    switch f {
                    case .token(let t): out.append(t)
                    case .text(let r): encodeBytePair(UnsafeBufferPointer(rebasing: all[r]), pre, &out)
                    }
                }
            case .escapedBytePair:
                for f in fragments {
                    switch f {
                    case .token(let t): out.append(t)
                    case .text(let r): encodeEscapedBytePair(UnsafeBufferPointer(rebasing: all[r]), &out)
                    }
                }
            case .sentencePiece:
                var afterSpecial = true
                for f in fragments {
                    switch f {
                    case .token(let t):
                        out.append(t)
                        afterSpecial = true
                    case .text(let r):
                        // Spaces become ▁ (U+2581, E2 96 81); a space prefix after a special token.
                        var escaped: [UInt8] = []
                        escaped.reserveCapacity(r.count * 2 + 3)
                        if addSpacePrefix && afterSpecial { escaped.append(contentsOf: [0xE2, 0x96, 0x81]) }
                        for b in all[r] {
                            if b == 0x20 { escaped.append(contentsOf: [0xE2, 0x96, 0x81]) } else { escaped.append(b) }
                        }
                        escaped.withUnsafeBufferPointer { encodeSentencePiece($0, &out) }
                        afterSpecial = false
                    }
                }
            }
        }
        if addSpecial && addEOS, let eos { out.append(eos) }
        return out
    }

    // MARK: Special tokens

    enum Fragment: Equatable {
        case token(Int32)
        case text(Range<Int>)
    }

    /// Splits special tokens out of the text, as llama.cpp's `tokenizer_st_partition`: each special
    /// token in turn, longest first, cuts every remaining text fragment at each of its occurrences.
    func partition(_ bytes: [UInt8], parseSpecial: Bool) -> [Fragment] {
        let present = specialTokensPresent(in: bytes, parseSpecial: parseSpecial)
        var fragments: [Fragment] = [.text(0 ..< bytes.count)]
        if present.isEmpty { return fragments }
        for t in specialTokens where present.contains(t) {
            let needle = Array(symbols.bytes(t))
            var next: [Fragment] = []
            next.reserveCapacity(fragments.count + 2)
            for f in fragments {
                guard case .text(let r) = f else { next.append(f); continue }
                var start = r.lowerBound
                var i = r.lowerBound
                while i + needle.count <= r.upperBound {
                    if bytes[i] == needle[0] && bytes[i ..< i + needle.count].elementsEqual(needle) {
                        if i > start { next.append(.text(start ..< i)) }
                        next.append(.token(t))
                        i += needle.count
                        start = i
                    } else {
                        i += 1
                    }
                }
                if start < r.upperBound { next.append(.text(start ..< r.upperBound)) }
            }
            fragments = next
        }
        return fragments
    }

    /// The special tokens that occur anywhere in `bytes` (found through the vocabulary index,
    /// trying only the lengths of special tokens that start with each byte).
    private func specialTokensPresent(in bytes: [UInt8], parseSpecial: Bool) -> Set<Int32> {
        var found = Set<Int32>()
        bytes.withUnsafeBufferPointer { b in
            for i in 0 ..< b.count {
                let first = Int(b[i])
                var mask = specialLengths[first]
                let long = specialLongLengths[first]
                if mask == 0 && long.isEmpty { continue }
                func check(_ len: Int) {
                    guard i + len <= b.count,
                          let t = vocabID(UnsafeBufferPointer(rebasing: b[i ..< i + len])) else { return }
                    let a = attributes[Int(t)]
                    if a.isDisjoint(with: [.control, .userDefined, .unknown]) { return }
                    if !parseSpecial && !a.isDisjoint(with: [.control, .unknown]) { return }
                    found.insert(t)
                }
                while mask != 0 {
                    let len = mask.trailingZeroBitCount
                    mask &= mask - 1
                    check(len)
                }
                for len in long { check(len) }
            }
        }
        return found
    }

    // MARK: Byte-level BPE

    private func encodeBytePair(_ text: UnsafeBufferPointer<UInt8>, _ pre: PreTokenizer, _ out: inout [Int32]) {
        // Scalars, and where each starts in the UTF-8 (the text is valid UTF-8: it came from a String).
        var scalars: [UInt32] = []
        var starts: [Int] = []
        scalars.reserveCapacity(text.count)
        starts.reserveCapacity(text.count + 1)
        var i = 0
        while i < text.count {
            let b0 = UInt32(text[i])
            starts.append(i)
            if b0 < 0x80 {
                scalars.append(b0); i += 1
            } else if b0 < 0xE0 {
                scalars.append((b0 & 0x1F) << 6 | UInt32(text[i + 1] & 0x3F)); i += 2
            } else if b0 < 0xF0 {
                scalars.append((b0 & 0x0F) << 12 | UInt32(text[i + 1] & 0x3F) << 6 | UInt32(text[i + 2] & 0x3F)); i += 3
            } else {
                scalars.append((b0 & 0x07) << 18 | UInt32(text[i + 1] & 0x3F) << 12
                    | UInt32(text[i + 2] & 0x3F) << 6 | UInt32(text[i + 3] & 0x3F)); i += 4
            }
        }
        starts.append(text.count)

        var work = BytePairWork()
        var wordStart = 0
        for wordEnd in pre.split(scalars) {
            let word = UnsafeBufferPointer(rebasing: text[starts[wordStart] ..< starts[wordEnd]])
            mergeWord(word, &work, &out)
            wordStart = wordEnd
        }
    }

    /// Gemma 4: spaces become ▁, the text is cut into runs of newlines and runs of other bytes
    /// (`[^\n]+|[\n]+`), a run of newlines that is a token stays whole, the rest merges by rank over
    /// UTF-8 characters (llama.cpp's LLAMA_VOCAB_PRE_TYPE_GEMMA4, byte_encode off).
    private func encodeEscapedBytePair(_ text: UnsafeBufferPointer<UInt8>, _ out: inout [Int32]) {
        var escaped: [UInt8] = []
        escaped.reserveCapacity(text.count * 2)
        for b in text {
            if b == 0x20 { escaped.append(contentsOf: [0xE2, 0x96, 0x81]) } else { escaped.append(b) }
        }
        var work = BytePairWork()
        escaped.withUnsafeBufferPointer { e in
            var start = 0
            while start < e.count {
                let newlines = e[start] == 0x0A
                var end = start + 1
                while end < e.count && (e[end] == 0x0A) == newlines { end += 1 }
                let word = UnsafeBufferPointer(rebasing: e[start ..< end])
                if newlines, let t = vocabID(word) {
                    out.append(t)
                } else {
                    mergeWord(word, &work, &out, characters: true)
                }
                start = end
            }
        }
    }

    /// Merges one word: each byte starts as the symbol of its GPT-2 character (or, with `characters`,
    /// each UTF-8 character as itself); the adjacent pair of lowest rank merges first (leftmost on
    /// ties), as llama.cpp's `llm_tokenizer_bpe_session`.
    private func mergeWord(_ word: UnsafeBufferPointer<UInt8>, _ w: inout BytePairWork, _ out: inout [Int32],
                           characters: Bool = false) {
        // The word in GPT-2 characters; symbol k covers encoded[start[k] ..< start[k] + len[k]].
        w.reset()
        if characters {
            w.encoded.append(contentsOf: word)
            var i = 0
            while i < word.count {
                let l = min(utf8Length(word[i]), word.count - i)
                w.start.append(Int32(i))
                w.len.append(Int32(l))
                w.sym.append(symbols.find(UnsafeBufferPointer(rebasing: word[i ..< i + l])) ?? -1)
                i += l
            }
        } else {
            for b in word {
                w.start.append(Int32(w.encoded.count))
                let enc = ByteUnicode.utf8OfByte[Int(b)]
                w.encoded.append(contentsOf: enc)
                w.len.append(Int32(enc.count))
                w.sym.append(byteSymbols[Int(b)])
            }
        }
        let count = w.sym.count
        if count == 0 { return }

        if ignoreMerges, let t = w.encoded.withUnsafeBufferPointer({ vocabID($0) }) {
            out.append(t)
            return
        }
        for k in 0 ..< count {
            w.prev.append(Int32(k - 1))
            w.next.append(k + 1 < count ? Int32(k + 1) : -1)
        }

        func pushPair(_ left: Int32, _ right: Int32, _ w: inout BytePairWork) {
            guard left >= 0, right >= 0 else { return }
            let l = w.sym[Int(left)], r = w.sym[Int(right)]
            guard l >= 0, r >= 0, let m = merges[UInt64(UInt32(l)) << 32 | UInt64(UInt32(r))] else { return }
            w.heap.push(BytePairCandidate(key: (m >> 32) << 32 | UInt64(UInt32(left)), right: right,
                                          leftSym: l, rightSym: r, merged: Int32(truncatingIfNeeded: m)))
        }
        for k in 1 ..< count { pushPair(Int32(k - 1), Int32(k), &w) }

        while let c = w.heap.pop() {
            let left = Int(UInt32(truncatingIfNeeded: c.key)), right = Int(c.right)
            // Stale: one side already merged away, or changed since the pair was queued.
            guard w.len[left] > 0, w.len[right] > 0, w.sym[left] == c.leftSym, w.sym[right] == c.rightSym else { continue }
            w.len[left] += w.len[right]
            w.len[right] = 0
            w.sym[left] = c.merged
            w.next[left] = w.next[right]
            if w.next[right] >= 0 { w.prev[Int(w.next[right])] = Int32(left) }
            pushPair(w.prev[left], Int32(left), &w)
            pushPair(Int32(left), w.next[left], &w)
        }

        // Symbols outside the vocabulary fall back to single-byte tokens of their text (`<0xXX>`
        // tokens for characters).
        var k: Int32 = 0
        while k >= 0 {
            let s = w.sym[Int(k)]
            if s >= 0 && Int(s) < vocabSize {
                out.append(s)
            } else {
                let start = Int(w.start[Int(k)]), end = start + Int(w.len[Int(k)])
                w.encoded.withUnsafeBufferPointer { e in
                    for j in start ..< end {
                        let t = characters ? byteToken(e[j]) : vocabID(UnsafeBufferPointer(rebasing: e[j ..< j + 1]))
                        if let t { out.append(t) }
                    }
                }
            }
            k = w.next[Int(k)]
        }
    }

    // MARK: SentencePiece BPE

    /// SentencePiece BPE over UTF-8 characters, as llama.cpp's `llm_tokenizer_spm_session`: the
    /// adjacent pair whose concatenation is the highest-scoring token merges first (leftmost on
    /// ties); symbols left outside the vocabulary become `<0xXX>` byte tokens.
    private func encodeSentencePiece(_ text: UnsafeBufferPointer<UInt8>, _ out: inout [Int32]) {
        let n = text.count
        if n == 0 { return }
        var start: [Int32] = [], len: [Int32] = [], prev: [Int32] = [], next: [Int32] = []
        var offset = 0
        while offset < n {
            let l = min(utf8Length(text[offset]), n - offset)
            let index = Int32(start.count)
            start.append(Int32(offset))
            len.append(Int32(l))
            prev.append(index - 1)
            offset += l
            next.append(offset == n ? -1 : index + 1)
        }

        var heap = BinaryHeap<SentencePieceCandidate>()
        func tryPair(_ left: Int32, _ right: Int32) {
            guard left >= 0, right >= 0 else { return }
            let s = Int(start[Int(left)]), size = Int(len[Int(left)] + len[Int(right)])
            guard let t = vocabID(UnsafeBufferPointer(rebasing: text[s ..< s + size])) else { return }
            heap.push(SentencePieceCandidate(score: scores[Int(t)], left: left, right: right, size: Int32(size)))
        }
        for k in 1 ..< start.count { tryPair(Int32(k - 1), Int32(k)) }

        while let c = heap.pop() {
            let l = Int(c.left), r = Int(c.right)
            guard len[l] > 0, len[r] > 0, len[l] + len[r] == c.size else { continue }
            len[l] += len[r]
            len[r] = 0
            next[l] = next[r]
            if next[r] >= 0 { prev[Int(next[r])] = c.left }
            tryPair(prev[l], c.left)
            tryPair(c.left, next[l])
        }

        var k: Int32 = 0
        while k >= 0 {
            let s = Int(start[Int(k)]), e = s + Int(len[Int(k)])
            if let t = vocabID(UnsafeBufferPointer(rebasing: text[s ..< e])) {
                out.append(t)
            } else {
                for j in s ..< e { if let t = byteToken(text[j]) { out.append(t) } }
            }
            k = next[Int(k)]
        }
    }

    /// The length of the UTF-8 sequence a byte starts, from its high nibble (as llama.cpp).
    @inline(__always)
    private func utf8Length(_ b: UInt8) -> Int {
        switch b >> 4 {
        case 0xC, 0xD: return 2
        case 0xE: return 3
        case 0xF: return 4
        default: return 1
        }
    }

    /// The token of one byte: `<0xXX>`, else the byte itself as a one-byte token.
    func byteToken(_ b: UInt8) -> Int32? {
        let hex = Array("0123456789ABCDEF".utf8)
        let name: [UInt8] = [0x3C, 0x30, 0x78, hex[Int(b >> 4)], hex[Int(b & 15)], 0x3E]
        if let t = name.withUnsafeBufferPointer({ vocabID($0) }) { return t }
        return [b].withUnsafeBufferPointer { vocabID($0) }
    }
}

// MARK: - Work space

/// Per-word buffers of the BPE merge loop, reused across the words of one text.
struct BytePairWork {
    var encoded: [UInt8] = []
    var start: [Int32] = []
    var len: [Int32] = []
    var sym: [Int32] = []
    var prev: [Int32] = []
    var next: [Int32] = []
    var heap = BinaryHeap<BytePairCandidate>()

    mutating func reset() {
        encoded.removeAll(keepingCapacity: true)
        start.removeAll(keepingCapacity: true)
        len.removeAll(keepingCapacity: true)
        sym.removeAll(keepingCapacity: true)
        prev.removeAll(keepingCapacity: true)
        next.removeAll(keepingCapacity: true)
        heap.removeAll()
    }
}

protocol HeapElement {
    /// True when `a` must come out of the queue before `b`.
    static func precedes(_ a: Self, _ b: Self) -> Bool
}

/// A BPE merge candidate: key = rank << 32 | left index, so lower rank, then leftmost, comes first.
struct BytePairCandidate: HeapElement {
    var key: UInt64
    var right: Int32
    var leftSym: Int32
    var rightSym: Int32
    var merged: Int32
    static func precedes(_ a: Self, _ b: Self) -> Bool { a.key < b.key }
}

/// A SentencePiece merge candidate: higher score first, then leftmost.
struct SentencePieceCandidate: HeapElement {
    var score: Float
    var left: Int32
    var right: Int32
    var size: Int32
    static func precedes(_ a: Self, _ b: Self) -> Bool {
        a.score > b.score || (a.score == b.score && a.left < b.left)
    }
}

/// A binary min-heap ordered by `Element.precedes`.
struct BinaryHeap<Element: HeapElement> {
    private var items: [Element] = []

    mutating func removeAll() { items.removeAll(keepingCapacity: true) }

    mutating func push(_ e: Element) {
        items.append(e)
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard Element.precedes(items[i], items[parent]) else { break }
            items.swapAt(i, parent)
            i = parent
        }
    }

    mutating func pop() -> Element? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            let n = items.count
            while true {
                let l = 2 * i + 1, r = l + 1
                var best = i
                if l < n && Element.precedes(items[l], items[best]) { best = l }
                if r < n && Element.precedes(items[r], items[best]) { best = r }
                if best == i { break }
                items.swapAt(i, best)
                i = best
            }
        }
        return top
    }
}

extension Tokenizer {
    /// The tokens of `answer` as it is tokenized after `prompt` (DESIGN §6: the answer's first token
    /// is the first of these, with its leading space: " Berlin").
    ///
    /// Both texts are encoded together; the tokens shared with the prompt's own encoding are
    /// dropped. When a token straddles the boundary, the tokens from it on are returned.
    public func continuation(of prompt: String, _ answer: String, parseSpecial: Bool = true) -> [Int32] {
        let whole = encode(prompt + answer, addSpecial: true, parseSpecial: parseSpecial)
        let head = encode(prompt, addSpecial: true, parseSpecial: parseSpecial)
        var i = 0
        while i < head.count && i < whole.count && head[i] == whole[i] { i += 1 }
        return Array(whole[i...])
    }
}
