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
        // Twenty rounds of x0 += x1; x1 = rotl(x1, R) ^ x0 with the paper's rotation constants
        // (13, 15, 26, 6 then 17, 29, 16, 24, alternating), and after every fourth round a key
        // injection from the schedule (k0, k1, k2) plus the injection number. Written out in full
        // so that unoptimized builds run at a useful speed too.
        x0 &+= x1; x1 = (x1 &<< 13 | x1 &>> 19) ^ x0
        x0 &+= x1; x1 = (x1 &<< 15 | x1 &>> 17) ^ x0
        x0 &+= x1; x1 = (x1 &<< 26 | x1 &>> 6) ^ x0
        x0 &+= x1; x1 = (x1 &<< 6 | x1 &>> 26) ^ x0
        x0 &+= k1; x1 &+= k2 &+ 1
        x0 &+= x1; x1 = (x1 &<< 17 | x1 &>> 15) ^ x0
        x0 &+= x1; x1 = (x1 &<< 29 | x1 &>> 3) ^ x0
        x0 &+= x1; x1 = (x1 &<< 16 | x1 &>> 16) ^ x0
        x0 &+= x1; x1 = (x1 &<< 24 | x1 &>> 8) ^ x0
        x0 &+= k2; x1 &+= k0 &+ 2
        x0 &+= x1; x1 = (x1 &<< 13 | x1 &>> 19) ^ x0
        x0 &+= x1; x1 = (x1 &<< 15 | x1 &>> 17) ^ x0
        x0 &+= x1; x1 = (x1 &<< 26 | x1 &>> 6) ^ x0
        x0 &+= x1; x1 = (x1 &<< 6 | x1 &>> 26) ^ x0
        x0 &+= k0; x1 &+= k1 &+ 3
        x0 &+= x1; x1 = (x1 &<< 17 | x1 &>> 15) ^ x0
        x0 &+= x1; x1 = (x1 &<< 29 | x1 &>> 3) ^ x0
        x0 &+= x1; x1 = (x1 &<< 16 | x1 &>> 16) ^ x0
        x0 &+= x1; x1 = (x1 &<< 24 | x1 &>> 8) ^ x0
        x0 &+= k1; x1 &+= k2 &+ 4
        x0 &+= x1; x1 = (x1 &<< 13 | x1 &>> 19) ^ x0
        x0 &+= x1; x1 = (x1 &<< 15 | x1 &>> 17) ^ x0
        x0 &+= x1; x1 = (x1 &<< 26 | x1 &>> 6) ^ x0
        x0 &+= x1; x1 = (x1 &<< 6 | x1 &>> 26) ^ x0
        x0 &+= k2; x1 &+= k0 &+ 5
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
