// TEMPORARY: a minimal byte-level BPE so Analysis can run on SmolLM2 before the tokenizer branch lands.
// Delete this file when merging `tok` (it declares encode/decode on the stub Tokenizer).
import Foundation
import GGUF
import Model

private final class ShimBPE: @unchecked Sendable {
    let tokens: [String]
    let ids: [String: Int32]
    let ranks: [String: Int]
    let byteToChar: [Character]
    var charToByte: [Character: UInt8] = [:]
    let addBOS: Bool
    let bos: Int32

    init(_ f: GGUFFile) {
        tokens = (try? f.requireArray("tokenizer.ggml.tokens").strings) ?? []
        var ids: [String: Int32] = [:]
        for (i, t) in tokens.enumerated() where ids[t] == nil { ids[t] = Int32(i) }
        self.ids = ids
        let merges = (try? f.requireArray("tokenizer.ggml.merges").strings) ?? []
        var ranks: [String: Int] = [:]
        for (i, m) in merges.enumerated() { ranks[m] = i }
        self.ranks = ranks
        var bs: [Int] = Array(33...126) + Array(161...172) + Array(174...255)
        var cs = bs
        var n = 0
        for b in 0..<256 where !bs.contains(b) { bs.append(b); cs.append(256 + n); n += 1 }
        var map = [Character](repeating: " ", count: 256)
        for (b, c) in zip(bs, cs) { map[b] = Character(Unicode.Scalar(UInt32(c))!) }
        byteToChar = map
        for (b, c) in map.enumerated() { charToByte[c] = UInt8(b) }
        addBOS = (try? f.bool("tokenizer.ggml.add_bos_token")) ?? nil ?? false
        bos = Int32((try? f.int("tokenizer.ggml.bos_token_id")) ?? nil ?? 0)
    }

    func chunks(_ s: String) -> [String] {
        var out: [String] = []
        var cur = ""
        func kind(_ c: Character) -> Int { c.isLetter ? 0 : c.isNumber ? 1 : c.isWhitespace ? 2 : 3 }
        let chars = Array(s)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c == " ", i + 1 < chars.count, kind(chars[i + 1]) != 2 {
                cur = " "; i += 1
            } else { cur = "" }
            let k = kind(chars[i])
            if k == 1 { cur.append(chars[i]); i += 1; out.append(cur); continue }
            while i < chars.count && kind(chars[i]) == k { cur.append(chars[i]); i += 1 }
            out.append(cur)
        }
        return out
    }

    func bpe(_ word: String) -> [Int32] {
        var parts = word.utf8.map { String(byteToChar[Int($0)]) }
        while parts.count > 1 {
            var best = Int.max, at = -1
            for j in 0..<(parts.count - 1) {
                if let r = ranks[parts[j] + " " + parts[j + 1]], r < best { best = r; at = j }
            }
            if at < 0 { break }
            parts[at] += parts[at + 1]
            parts.remove(at: at + 1)
        }
        return parts.map { ids[$0] ?? 0 }
    }

    func decode(_ ids: [Int32]) -> String {
        var bytes: [UInt8] = []
        for id in ids { for c in tokens[Int(id)] { if let b = charToByte[c] { bytes.append(b) } } }
        return String(decoding: bytes, as: UTF8.self)
    }
}

nonisolated(unsafe) private var shims: [ObjectIdentifier: ShimBPE] = [:]
private let shimLock = NSLock()

extension LanguageModel {
    fileprivate var shim: ShimBPE {
        shimLock.lock(); defer { shimLock.unlock() }
        if let s = shims[ObjectIdentifier(tokenizer)] { return s }
        let s = ShimBPE(file)
        shims[ObjectIdentifier(tokenizer)] = s
        return s
    }
}

/// Stand-in for the tokenizer branch's API, reached through the model (the stub cannot see the file).
extension LanguageModel {
    public func shimEncode(_ text: String, addSpecial: Bool = true) -> [Int32] {
        let s = shim
        return (addSpecial && s.addBOS ? [s.bos] : []) + s.chunks(text).flatMap { s.bpe($0) }
    }
    public func shimDecode(_ ids: [Int32]) -> String { shim.decode(ids) }
}
