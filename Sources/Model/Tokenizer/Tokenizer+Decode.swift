extension Tokenizer {
    /// The bytes one token stands for, as llama.cpp's `token_to_piece`.
    ///
    /// Normal tokens: GPT-2 characters mapped back to bytes (BPE), or ▁ turned into a space
    /// (SentencePiece). Byte tokens (`<0x0A>`): that byte. Control, unknown and user-defined tokens:
    /// their text, except control and unknown ones when `special` is false. Anything else: nothing.
    public func pieceBytes(_ id: Int32, special: Bool = true) -> [UInt8] {
        guard id >= 0, Int(id) < vocabSize else { return [] }
        let attr = attributes[Int(id)]
        if !special && !attr.isDisjoint(with: [.unknown, .control]) { return [] }
        let text = symbols.bytes(id)
        if !attr.isDisjoint(with: [.unknown, .control, .userDefined]) { return Array(text) }
        if attr.contains(.normal) {
            switch algorithm {
            case .sentencePiece, .escapedBytePair: return unescapeSpaces(text)
            case .bytePair: return decodeGPT2(text)
            }
        }
        if attr.contains(.byte) {
            // "<0xXX>"
            guard text.count >= 5, let v = UInt8(String(decoding: text.dropFirst(3).prefix(2), as: UTF8.self), radix: 16)
            else { return [] }
            return [v]
        }
        return []
    }

    /// Display text of one token (" Paris", "\n", "<|im_start|>"). A token holding part of a
    /// UTF-8 sequence shows U+FFFD for the incomplete part.
    public func piece(_ id: Int32) -> String {
        String(decoding: pieceBytes(id), as: UTF8.self)
    }

    /// Text of a token sequence, as llama.cpp's `llama_detokenize`.
    ///
    /// The pieces' bytes are concatenated, then read as UTF-8; ill-formed sequences (a character
    /// cut between tokens, a stray byte token) become U+FFFD, one per maximal ill-formed subpart —
    /// what Python's `bytes.decode("utf-8", "replace")` gives for llama.cpp's output.
    ///
    /// - Parameters:
    ///   - removeSpecial: drop a leading BOS (when the model adds one) and a trailing EOS (when it
    ///     adds one).
    ///   - unparseSpecial: write control tokens as their text (`<|im_end|>`); otherwise omit them.
    ///
    /// `decode(encode(s)) == s` for valid text, wherever llama.cpp's own round trip holds.
    public func decode(_ ids: [Int32], removeSpecial: Bool = true, unparseSpecial: Bool = true) -> String {
        String(decoding: decodeBytes(ids, removeSpecial: removeSpecial, unparseSpecial: unparseSpecial), as: UTF8.self)
    }

    /// The bytes of `decode`, before UTF-8 decoding.
    public func decodeBytes(_ ids: [Int32], removeSpecial: Bool = true, unparseSpecial: Bool = true) -> [UInt8] {
        var ids = ids[...]
        var removeSpace = addSpacePrefix
        if removeSpecial && addBOS, let first = ids.first, first == bos {
            removeSpace = false
            ids = ids.dropFirst()
        }
        if removeSpecial && addEOS, let last = ids.last, last == eos {
            ids = ids.dropLast()
        }
        var out: [UInt8] = []
        for id in ids {
            var p = pieceBytes(id, special: unparseSpecial)[...]
            if removeSpace, p.first == 0x20 { p = p.dropFirst() }
            removeSpace = false
            out.append(contentsOf: p)
        }
        return cleanSpaces ? Self.cleanUpSpaces(out) : out
    }

    /// llama.cpp's `clean_spaces`: " ?" " !" " ." " ," lose the space; " ' " loses both spaces;
    /// " 's" " 'm" " 're" " 've" lose the space.
    static func cleanUpSpaces(_ text: [UInt8]) -> [UInt8] {
        let sp: UInt8 = 0x20, q: UInt8 = 0x27
        var t = text
        // Pass 1: space before ? ! . ,
        var n = t.isEmpty ? 0 : 1
        if t.count > 1 {
            for i in 1 ..< t.count {
                let x = t[i]
                if t[i - 1] == sp && (x == 0x3F || x == 0x21 || x == 0x2E || x == 0x2C) { n -= 1 }
                t[n] = x
                n += 1
            }
        }
        t.removeLast(t.count - n)
        // Pass 2: a lone apostrophe between spaces.
        n = t.isEmpty ? 0 : 1
        var i = 1
        let total2 = t.count
        while i < total2 {
            let x = t[i]
            if x == q && i + 1 < total2 && t[i - 1] == sp && t[i + 1] == sp {
                n -= 1
                t[i + 1] = 0  // as llama.cpp: the next space becomes NUL and is skipped below
                i += 1
            }
            t[n] = x
            n += 1
            i += 1
        }
        t.removeLast(t.count - n)
        // Pass 3: contractions.
        n = t.isEmpty ? 0 : 1
        let total3 = t.count
        if total3 > 1 {
            for i in 1 ..< total3 {
                let x = t[i]
                if t[i - 1] == sp && x == q && i + 1 < total3 {
                    let x1 = t[i + 1]
                    if x1 == 0x73 || x1 == 0x6D {  // 's 'm
                        n -= 1
                    } else if x1 != 0x74 && x1 != 0x64 && i + 2 < total3 {
                        let x2 = t[i + 2]
                        if (x1 == 0x72 && x2 == 0x65) || (x1 == 0x76 && x2 == 0x65) { n -= 1 }  // 're 've
                    }
                }
                t[n] = x
                n += 1
            }
        }
        t.removeLast(t.count - n)
        return t
    }

    private func unescapeSpaces(_ text: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.count)
        var i = text.startIndex
        while i < text.endIndex {
            if text[i] == 0xE2 && i + 2 < text.endIndex && text[i + 1] == 0x96 && text[i + 2] == 0x81 {
                out.append(0x20)
                i += 3
            } else {
                out.append(text[i])
                i += 1
            }
        }
        return out
    }

    /// GPT-2 characters back to bytes; a character outside the table is written as llama.cpp
    /// writes it: `[UNK_BYTE_0x<utf8 hex><token text>]`.
    private func decodeGPT2(_ text: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.count)
        for scalar in String(decoding: text, as: UTF8.self).unicodeScalars {
            if let b = ByteUnicode.byte(of: scalar.value) {
                out.append(b)
            } else {
                out.append(contentsOf: Array("[UNK_BYTE_0x".utf8))
                for u in String(scalar).utf8 {
                    let h = String(u, radix: 16)
                    out.append(contentsOf: Array((h.count < 2 ? "0" + h : h).utf8))
                }
                out.append(contentsOf: text)
                out.append(0x5D)
            }
        }
        return out
    }
}
