import QuireTensor

/// The seeded generator for test inputs (SplitMix64): the same seed gives the same values on every
/// machine. Usable wherever Swift wants a `RandomNumberGenerator`.
///
/// ```swift
/// var rng = TestRNG(seed: 7)
/// let x = rng.tensor([2, 3], -1, 1)
/// let i = Int.random(in: 0..<10, using: &rng)
/// ```
public struct TestRNG: RandomNumberGenerator {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A Double uniform in [lo, hi).
    public mutating func uniform(_ lo: Double, _ hi: Double) -> Double { lo + (hi - lo) * Double(next() >> 11) / Double(1 << 53) }
    /// An Int in `range`.
    public mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(next() % UInt64(range.count)) }
    public mutating func bool() -> Bool { next() & 1 == 1 }

    /// A float64 tensor with entries in [lo, hi], each at least `gap` away from 0 in magnitude when given.
    public mutating func tensor(_ shape: [Int], _ lo: Double = -2, _ hi: Double = 2, awayFromZero gap: Double = 0) -> Tensor {
        let n = shape.reduce(1, *)
        let values = (0..<n).map { _ -> Double in
            var v = uniform(lo, hi)
            if gap > 0 && Swift.abs(v) < gap { v = v < 0 ? v - gap : v + gap }
            return v
        }
        return Tensor(values, shape: shape)
    }
}
