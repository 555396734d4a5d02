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
    /// Open addressing with linear probing; -1 marks an empty slot. Capacity is a power of two.
    private var slots: [Int32]
    private var mask: Int

    init(capacity: Int = 16) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = Array(repeating: -1, count: size)
        mask = size - 1
        storage.reserveCapacity(capacity * 8)
        offsets.reserveCapacity(capacity + 1)
    }

    var count: Int { offsets.count - 1 }

    /// FNV-1a, 64-bit.
    @inline(__always)
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes {
            h = (h ^ UInt64(b)) &* 0x100_0000_01b3
        }
        return Int(truncatingIfNeeded: h ^ (h >> 29))
    }

    /// The id of `bytes`, or nil.
    func find(_ bytes: UnsafeBufferPointer<UInt8>) -> Int32? {
        var slot = Self.hash(bytes) & mask
        return storage.withUnsafeBufferPointer { store in
            offsets.withUnsafeBufferPointer { offs in
                slots.withUnsafeBufferPointer { table in
                    while true {
                        let id = table[slot]
                        if id < 0 { return nil }
                        let start = Int(offs[Int(id)]), end = Int(offs[Int(id) + 1])
                        if end - start == bytes.count {
                            var equal = true
                            var i = 0
                            while i < bytes.count {
                                if store[start + i] != bytes[i] { equal = false; break }
                                i += 1
                            }
                            if equal { return id }
                        }
                        slot = (slot + 1) & mask
                    }
                }
            }
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

    /// The bytes of string `id`.
    func bytes(_ id: Int32) -> ArraySlice<UInt8> {
        storage[Int(offsets[Int(id)]) ..< Int(offsets[Int(id) + 1])]
    }

    func length(_ id: Int32) -> Int {
        Int(offsets[Int(id) + 1] - offsets[Int(id)])
    }

    private mutating func place(_ id: Int32, hash: Int) {
        var slot = hash & mask
        while slots[slot] >= 0 { slot = (slot + 1) & mask }
        slots[slot] = id
    }

    private mutating func grow() {
        let size = slots.count * 2
        slots = Array(repeating: -1, count: size)
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
