/// A splittable random key in the style of JAX (`jax.random.PRNGKey`), for the Threefry-2x32 generator.
///
/// A key is a value: drawing random numbers never changes it. Derive fresh keys with ``split(into:)``
/// or ``fold(in:)-(UInt32)`` and never reuse one key for two purposes. Keys, splits, fold-ins and the
/// bit stream match JAX ≥ 0.5 (`jax_threefry_partitionable=True`, the default) bit for bit.
///
/// ```swift
/// let key = PRNGKey(seed: 0)
/// let (initKey, dropoutKey) = key.splitPair()
/// let w = Tensor.normal(initKey, shape: [3, 4])
/// let step7 = dropoutKey.fold(in: 7)
/// ```
public struct PRNGKey: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The key's two 32-bit words, in JAX's `key_data` order.
    public let word0: UInt32
    public let word1: UInt32

    /// A key from its two words (as printed by `jax.random.key_data`).
    public init(words word0: UInt32, _ word1: UInt32) {
        self.word0 = word0
        self.word1 = word1
    }

    /// The key JAX makes from a 64-bit seed: `[seed >> 32, seed & 0xFFFFFFFF]`.
    ///
    /// ```swift
    /// PRNGKey(seed: 42).words   // [0, 42]
    /// ```
    public init(seed: UInt64) {
        self.init(words: UInt32(truncatingIfNeeded: seed >> 32), UInt32(truncatingIfNeeded: seed))
    }

    /// The key for an `Int` seed, read as its 64-bit two's-complement pattern (JAX with x64 enabled;
    /// for seeds in `0..<2^31` this is also what JAX's default 32-bit mode gives).
    ///
    /// ```swift
    /// PRNGKey(seed: -1).words   // [4294967295, 4294967295]
    /// ```
    public init(seed: Int) {
        self.init(seed: UInt64(bitPattern: Int64(seed)))
    }

    /// The two words as an array `[word0, word1]`.
    public var words: [UInt32] { [word0, word1] }

    var pair: (UInt32, UInt32) { (word0, word1) }

    public var description: String { "PRNGKey(\(word0), \(word1))" }

    /// `count` new independent keys (JAX `split`): key `i` is Threefry(self, counter i).
    ///
    /// ```swift
    /// let keys = PRNGKey(seed: 0).split(into: 3)
    /// ```
    public func split(into count: Int = 2) -> [PRNGKey] {
        tensorCheck(count >= 0, "PRNGKey.split", "count must be non-negative, got \(count)")
        return (0..<count).map { i in
            let (a, b) = Threefry.block(key: pair, index: i)
            return PRNGKey(words: a, b)
        }
    }

    /// `split(into: 2)` as a tuple, for `let (a, b) = key.splitPair()`.
    public func splitPair() -> (PRNGKey, PRNGKey) {
        let k = split(into: 2)
        return (k[0], k[1])
    }

    /// A new key that mixes `data` into this one (JAX `fold_in`), e.g. a step or layer number.
    ///
    /// ```swift
    /// let stepKey = key.fold(in: UInt32(step))
    /// ```
    public func fold(in data: UInt32) -> PRNGKey {
        let (a, b) = Threefry.hash(key: pair, counter: (0, data))
        return PRNGKey(words: a, b)
    }

    /// `fold(in:)` for an `Int`, keeping its low 32 bits (as JAX's conversion to uint32 does).
    ///
    /// ```swift
    /// let layerKey = key.fold(in: 3)
    /// ```
    public func fold(in data: Int) -> PRNGKey {
        fold(in: UInt32(truncatingIfNeeded: data))
    }

    /// The first `count` 32-bit words of this key's random stream (JAX `random_bits(key, 32, (count,))`):
    /// word `i` is the xor of the two halves of Threefry(self, counter i).
    ///
    /// ```swift
    /// PRNGKey(seed: 0).randomBits(count: 2)   // [4070199207, 4202968722]
    /// ```
    public func randomBits(count: Int) -> [UInt32] {
        tensorCheck(count >= 0, "PRNGKey.randomBits", "count must be non-negative, got \(count)")
        let key = pair
        return [UInt32](unsafeUninitializedCapacity: count) { buf, initialized in
            let box = UncheckedSendable(buf.baseAddress)
            Parallelism.forEachChunk(count: count, minimumChunk: 1 << 14) { range in
                let p = box.value!
                for i in range { p[i] = Threefry.bits32(key: key, index: i) }
            }
            initialized = count
        }
    }
}

extension Threefry {
    /// 32 random bits for stream position `index` (JAX's partitionable `random_bits` with width 32;
    /// widths 16 and 8 keep the low bits of this word).
    @inlinable @inline(__always)
    static func bits32(key: (UInt32, UInt32), index: Int) -> UInt32 {
        let (a, b) = block(key: key, index: index)
        return a ^ b
    }

    /// 64 random bits for stream position `index` (JAX width 64: high word first).
    @inlinable @inline(__always)
    static func bits64(key: (UInt32, UInt32), index: Int) -> UInt64 {
        let (a, b) = block(key: key, index: index)
        return UInt64(a) << 32 | UInt64(b)
    }
}
