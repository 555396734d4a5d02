/// An interning table of byte strings: each distinct string gets the next integer id, and lookups
/// go by the raw bytes.
///
/// Token texts must be compared byte for byte, as llama.cpp does: Swift `String` equality is
/// canonical equivalence, and Gemma-3's vocabulary holds tokens that differ only in normalisation
/// (714 of them are not in NFC). All strings live in one buffer, and the open-addressing index
/// holds only ids, so a 262,144-token vocabulary loads in a few milliseconds.
struct ByteStringTable: Sendable {
    /// The bytes of every string, back to back.
    private(set) var storage: [UInt8] = []
    /// String `i` is `storage[offsets[i] ..< offsets[i + 1]]`.
    private(set) var offsets: [Int32] = [0]
    /// Open addressing with linear probing; capacity is a power of two. Each slot holds the high
    /// half of the string's hash above its id, so that most probes never touch the strings.
    private var slots: [UInt64]
    private static let empty = UInt64.max
    private var mask: Int

    init(capacity: Int = 16) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = Array(repeating: Self.empty, count: size)
        mask = size - 1
        storage.reserveCapacity(capacity * 8)
        offsets.reserveCapacity(capacity + 1)
    }

    var count: Int { offsets.count - 1 }

    /// FNV-1a, 64-bit, with a final mix so that the low bits (the slot) depend on every byte.
    @inline(__always)
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes {
            h = (h ^ UInt64(b)) &* 0x100_0000_01b3
        }
        h ^= h >> 33
        h &*= 0xff51_afd7_ed55_8ccd
        h ^= h >> 33
        return Int(truncatingIfNeeded: h)
    }

    /// The id of `bytes`, or nil.
    func find(_ bytes: UnsafeBufferPointer<UInt8>) -> Int32? {
        let h = Self.hash(bytes)
        let tag = UInt64(UInt32(truncatingIfNeeded: h >> 32)) << 32
        var slot = h & mask
        return slots.withUnsafeBufferPointer { table in
            while true {
                let entry = table[slot]
                if entry == Self.empty { return nil }
                if entry & 0xFFFF_FFFF_0000_0000 == tag {
                    let id = Int32(truncatingIfNeeded: entry)
                    if equals(id, bytes) { return id }
                }
                slot = (slot + 1) & mask
            }
        }
    }

    @inline(__always)
    private func equals(_ id: Int32, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let start = Int(offsets[Int(id)]), end = Int(offsets[Int(id) + 1])
        guard end - start == bytes.count else { return false }
        return storage.withUnsafeBufferPointer { store in
            for i in 0 ..< bytes.count where store[start + i] != bytes[i] { return false }
            return true
        }
    }

    func find(_ bytes: [UInt8]) -> Int32? {
        bytes.withUnsafeBufferPointer { find($0) }
    }

    func find(_ string: String) -> Int32? {
        var s = string
        return s.withUTF8 { find($0) }
    }

    /// Adds `bytes` unless present; returns its id and whether it was new.
    @discardableResult
    mutating func insert(_ bytes: UnsafeBufferPointer<UInt8>) -> (id: Int32, inserted: Bool) {
        if let id = find(bytes) { return (id, false) }
        if (count + 1) * 2 > slots.count { grow() }
        let id = Int32(count)
        storage.append(contentsOf: bytes)
        offsets.append(Int32(storage.count))
        place(id, hash: Self.hash(bytes))
        return (id, true)
    }

    @discardableResult
    mutating func insert(_ bytes: [UInt8]) -> (id: Int32, inserted: Bool) {
        bytes.withUnsafeBufferPointer { insert($0) }
    }

    /// Adds many distinct strings to an empty table; returns the index of the first string equal
    /// to an earlier one, if any (that one is then left out of the index).
    ///
    /// Much faster than one `insert` per string: strings are placed in the order of their home
    /// slots, so the index is written nearly sequentially instead of at 10⁵ random places.
    mutating func insertAll(_ strings: [String]) -> Int? {
        precondition(count == 0, "insertAll needs an empty table")
        var hashes = [Int](repeating: 0, count: strings.count)
        for (i, string) in strings.enumerated() {
            var s = string
            s.withUTF8 { b in
                storage.append(contentsOf: b)
                hashes[i] = Self.hash(b)
            }
            offsets.append(Int32(storage.count))
        }
        var size = slots.count
        while size < strings.count * 2 { size <<= 1 }
        slots = Array(repeating: Self.empty, count: size)
        mask = size - 1

        // Counting sort of the ids by the top bits of their home slot.
        let bucketBits = min(12, size.trailingZeroBitCount)
        let shift = size.trailingZeroBitCount - bucketBits
        var starts = [Int](repeating: 0, count: (1 << bucketBits) + 1)
        for h in hashes { starts[((h & mask) >> shift) + 1] += 1 }
        for b in 0 ..< (1 << bucketBits) { starts[b + 1] += starts[b] }
        var order = [Int32](repeating: 0, count: strings.count)
        for (i, h) in hashes.enumerated() {
            let b = (h & mask) >> shift
            order[starts[b]] = Int32(i)
            starts[b] += 1
        }

        var duplicate: Int?
        storage.withUnsafeBufferPointer { store in
            for id in order {
                let h = hashes[Int(id)]
                let tag = UInt64(UInt32(truncatingIfNeeded: h >> 32)) << 32
                let start = Int(offsets[Int(id)]), end = Int(offsets[Int(id) + 1])
                let bytes = UnsafeBufferPointer(rebasing: store[start ..< end])
                var slot = h & mask
                var isDuplicate = false
                while slots[slot] != Self.empty {
                    let entry = slots[slot]
                    if entry & 0xFFFF_FFFF_0000_0000 == tag && equals(Int32(truncatingIfNeeded: entry), bytes) {
                        isDuplicate = true
                        break
                    }
                    slot = (slot + 1) & mask
                }
                if isDuplicate {
                    duplicate = min(duplicate ?? Int.max, Int(id))
                } else {
                    slots[slot] = tag | UInt64(UInt32(id))
                }
            }
        }
        return duplicate
    }

    /// The bytes of string `id`.
    func bytes(_ id: Int32) -> ArraySlice<UInt8> {
        storage[Int(offsets[Int(id)]) ..< Int(offsets[Int(id) + 1])]
    }

    func length(_ id: Int32) -> Int {
        Int(offsets[Int(id) + 1] - offsets[Int(id)])
    }

    private mutating func place(_ id: Int32, hash: Int) {
        var slot = hash & mask
        while slots[slot] != Self.empty { slot = (slot + 1) & mask }
        slots[slot] = UInt64(UInt32(truncatingIfNeeded: hash >> 32)) << 32 | UInt64(UInt32(id))
    }

    private mutating func grow() {
        let size = slots.count * 2
        slots = Array(repeating: Self.empty, count: size)
        mask = size - 1
        for id in 0 ..< count {
            let start = Int(offsets[id]), end = Int(offsets[id + 1])
            let h = storage.withUnsafeBufferPointer { s in
                Self.hash(UnsafeBufferPointer(rebasing: s[start ..< end]))
            }
            place(Int32(id), hash: h)
        }
    }
}
