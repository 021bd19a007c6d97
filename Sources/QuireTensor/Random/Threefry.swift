// Threefry-2x32 with 20 rounds (Salmon, Moraes, Dror, Shaw: "Parallel random numbers: as easy as
// 1, 2, 3", SC 2011), the block function behind JAX's default PRNG. A counter-based generator: the
// output for (key, counter) depends on nothing else, so any element of a random stream can be computed
// independently, in any order, on any thread.

/// The Threefry-2x32 block function (20 rounds).
///
/// ```swift
/// let (a, b) = Threefry.hash(key: (0, 0), counter: (0, 0))   // (0x6b200159, 0x99ba4efe)
/// ```
public enum Threefry {
    /// Encrypts the 64-bit `counter` under the 64-bit `key`; both are pairs of 32-bit words.
    @inlinable @inline(__always)
    public static func hash(key: (UInt32, UInt32), counter: (UInt32, UInt32)) -> (UInt32, UInt32) {
        let k0 = key.0, k1 = key.1
        let k2 = k0 ^ k1 ^ 0x1BD1_1BDA
        var x0 = counter.0 &+ k0
        var x1 = counter.1 &+ k1

        @inline(__always) func round(_ r: UInt32) {
            x0 = x0 &+ x1
            x1 = (x1 << r) | (x1 >> (32 - r))
            x1 ^= x0
        }
        // Rotation constants R_{2x32} from the paper, used four at a time, alternating halves.
        @inline(__always) func roundsA() { round(13); round(15); round(26); round(6) }
        @inline(__always) func roundsB() { round(17); round(29); round(16); round(24) }

        // Five groups of four rounds, each followed by a key injection (key schedule k0, k1, k2).
        roundsA(); x0 = x0 &+ k1; x1 = x1 &+ k2 &+ 1
        roundsB(); x0 = x0 &+ k2; x1 = x1 &+ k0 &+ 2
        roundsA(); x0 = x0 &+ k0; x1 = x1 &+ k1 &+ 3
        roundsB(); x0 = x0 &+ k1; x1 = x1 &+ k2 &+ 4
        roundsA(); x0 = x0 &+ k2; x1 = x1 &+ k0 &+ 5
        return (x0, x1)
    }

    /// The two output words for stream position `index`: the counter is the 64-bit index split into
    /// (high word, low word), as JAX's `iota_2x32_shape` lays it out.
    @inlinable @inline(__always)
    static func block(key: (UInt32, UInt32), index: Int) -> (UInt32, UInt32) {
        let i = UInt64(truncatingIfNeeded: index)
        return hash(key: key, counter: (UInt32(truncatingIfNeeded: i >> 32), UInt32(truncatingIfNeeded: i)))
    }
}
