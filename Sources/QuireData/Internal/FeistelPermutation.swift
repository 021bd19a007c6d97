import QuireTensor

/// A pseudo-random permutation of `0..<count`, computed one index at a time without a table: a
/// balanced Feistel network over the smallest even number of bits covering `count`, with
/// cycle-walking (re-encrypt until the value falls inside the range). Encryption is a bijection on
/// `0..<2^bits`, and cycle-walking restricts it to a bijection on `0..<count`; since
/// `2^bits < 4 * count`, a lookup averages under four encryptions.
///
/// The six round keys come from Threefry (`key.randomBits`); the round function is a 64-bit
/// multiply–xorshift mixer of the half-block and the round key (cheap, and the rounds rather than the
/// mixer carry the permutation's quality). A new `key` gives an unrelated permutation: the shuffle
/// folds the epoch into its seed's key for a new order every epoch.
struct FeistelPermutation: Sendable {
    let count: Int
    private let halfBits: UInt64
    private let halfMask: UInt64
    private let keys: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)

    init(count: Int, key: PRNGKey) {
        precondition(count >= 0, "FeistelPermutation: negative count \(count)")
        self.count = count
        var bits = 2
        while bits < 62 && (1 << bits) < count { bits += 2 }
        halfBits = UInt64(bits / 2)
        halfMask = (1 << halfBits) - 1
        let w = key.randomBits(count: 12).map(UInt64.init)
        keys = (w[0] << 32 | w[1], w[2] << 32 | w[3], w[4] << 32 | w[5],
                w[6] << 32 | w[7], w[8] << 32 | w[9], w[10] << 32 | w[11])
    }

    @inline(__always)
    private func round(_ x: UInt64, _ k: UInt64) -> UInt64 {
        var z = (x ^ k) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 31)) &* 0x94D0_49BB_1331_11EB
        return (z ^ (z >> 29)) & halfMask
    }

    @inline(__always)
    private func encrypt(_ x: UInt64) -> UInt64 {
        var l = x >> halfBits, r = x & halfMask
        (l, r) = (r, l ^ round(r, keys.0))
        (l, r) = (r, l ^ round(r, keys.1))
        (l, r) = (r, l ^ round(r, keys.2))
        (l, r) = (r, l ^ round(r, keys.3))
        (l, r) = (r, l ^ round(r, keys.4))
        (l, r) = (r, l ^ round(r, keys.5))
        return l << halfBits | r
    }

    /// The image of `index` (in `0..<count`).
    @inline(__always)
    func callAsFunction(_ index: Int) -> Int {
        var x = encrypt(UInt64(index))
        let n = UInt64(count)
        while x >= n { x = encrypt(x) }
        return Int(x)
    }
}
