/// Keys and values of every layer for one sequence, optionally on top of a shared prefix.
///
/// A cache made with `prefix:` reads positions `< prefixLength` from the prefix cache (which must
/// not change afterwards) and stores only its own positions: the back-patching grid runs hundreds of
/// sequences that share the prompt's first positions without copying them.
public final class KVCache: @unchecked Sendable {
    public let layers: Int
    public let kvDim: Int
    public let prefix: KVCache?
    public let prefixLength: Int
    /// Positions this cache can hold in its own storage before it grows.
    public private(set) var capacity: Int
    /// Own storage per layer: (capacity, kvDim), position p at row p − prefixLength.
    private var k: [UnsafeMutablePointer<Float>]
    private var v: [UnsafeMutablePointer<Float>]

    /// An empty cache for `capacity` positions (it grows on demand).
    public init(layers: Int, kvDim: Int, capacity: Int = 64, prefix: KVCache? = nil, prefixLength: Int = 0) {
        precondition(prefix == nil || prefixLength >= 0)
        self.layers = layers
        self.kvDim = kvDim
        self.prefix = prefix
        self.prefixLength = prefix == nil ? 0 : prefixLength
        self.capacity = max(capacity, 1)
        k = (0..<layers).map { _ in UnsafeMutablePointer<Float>.allocate(capacity: max(capacity, 1) * kvDim) }
        v = (0..<layers).map { _ in UnsafeMutablePointer<Float>.allocate(capacity: max(capacity, 1) * kvDim) }
    }

    /// A cache sharing `base`'s first `length` positions.
    public convenience init(sharing base: KVCache, length: Int, capacity: Int = 32) {
        self.init(layers: base.layers, kvDim: base.kvDim, capacity: capacity, prefix: base, prefixLength: length)
    }

    deinit {
        k.forEach { $0.deallocate() }
        v.forEach { $0.deallocate() }
    }

    /// Makes room for own positions up to `position` (absolute).
    func reserve(through position: Int) {
        let needed = position - prefixLength + 1
        guard needed > capacity else { return }
        let newCapacity = max(needed, capacity * 2)
        for l in 0..<layers {
            for isKey in [true, false] {
                let old = isKey ? k[l] : v[l]
                let new = UnsafeMutablePointer<Float>.allocate(capacity: newCapacity * kvDim)
                new.update(from: old, count: capacity * kvDim)
                old.deallocate()
                if isKey { k[l] = new } else { v[l] = new }
            }
        }
        capacity = newCapacity
    }

    /// Key vector (kvDim,) of `layer` at absolute `position`.
    @inline(__always) func key(_ layer: Int, _ position: Int) -> UnsafeMutablePointer<Float> {
        if position < prefixLength { return prefix!.key(layer, position) }
        return k[layer] + (position - prefixLength) * kvDim
    }

    /// Value vector (kvDim,) of `layer` at absolute `position`.
    @inline(__always) func value(_ layer: Int, _ position: Int) -> UnsafeMutablePointer<Float> {
        if position < prefixLength { return prefix!.value(layer, position) }
        return v[layer] + (position - prefixLength) * kvDim
    }

    /// Calls `body` for each contiguous run of `positions` in storage (a prefix's, then this cache's own):
    /// the run's first position, its length, and the key and value of that first position — position
    /// `first + i` is at `key + i·kvDim`. Lets attention walk keys with plain pointer steps.
    @inline(__always)
    func forEachRun(_ layer: Int, _ positions: Range<Int>,
                    _ body: (_ first: Int, _ count: Int, _ key: UnsafePointer<Float>, _ value: UnsafePointer<Float>) -> Void) {
        guard !positions.isEmpty else { return }
        let split = min(max(positions.lowerBound, prefixLength), positions.upperBound)
        if positions.lowerBound < split { prefix!.forEachRun(layer, positions.lowerBound..<split, body) }
        if split < positions.upperBound {
            let offset = (split - prefixLength) * kvDim
            body(split, positions.upperBound - split, k[layer] + offset, v[layer] + offset)
        }
    }

    /// Copies `layers` × `positions` of keys and values from `other` into this cache's own storage.
    public func copy(from other: KVCache, layers: Range<Int>, positions: Range<Int>) {
        guard let last = positions.last else { return }
        reserve(through: last)
        for l in layers {
            for p in positions {
                key(l, p).update(from: other.key(l, p), count: kvDim)
                value(l, p).update(from: other.value(l, p), count: kvDim)
            }
        }
    }
}
