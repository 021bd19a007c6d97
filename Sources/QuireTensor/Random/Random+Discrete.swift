#if canImport(Glibc)
import Glibc
#endif

// Discrete distributions: bernoulli, randint, categorical, permutation and shuffling. All follow
// jax.random's algorithms step for step, so for the same key they give JAX's results (categorical
// up to the last bit of its log evaluations, which only matters for near-ties).

extension Tensor {
    /// Bool samples that are `true` with the given probability (JAX `jax.random.bernoulli`):
    /// `uniform(key, shape, float32) < probability`.
    ///
    /// ```swift
    /// let keep = Tensor.bernoulli(key, probability: 0.9, shape: [32, 128])   // bool
    /// ```
    public static func bernoulli(_ key: PRNGKey, probability: Double = 0.5, shape: [Int]) -> Tensor {
        let p = Float(probability), k = key.pair
        return generated(shape: shape, as: Bool.self, op: "bernoulli") { i in Float.unit(key: k, index: i) < p }
    }

    /// Bool samples with per-element probabilities, broadcast to `shape` (default: the probability's
    /// shape). The uniform draw uses the probability's float dtype, as in JAX.
    ///
    /// ```swift
    /// let p = Tensor([0.1, 0.5, 0.9] as [Float])
    /// let b = Tensor.bernoulli(key, probability: p, shape: [1000, 3])
    /// ```
    public static func bernoulli(_ key: PRNGKey, probability: Tensor, shape: [Int]? = nil) -> Tensor {
        let op = "bernoulli"
        tensorCheck(probability.dtype.isFloatingPoint, op, "probability must be a float tensor, got \(probability.dtype)")
        let target = shape ?? probability.shape
        let joint = try? broadcastShape(target, probability.shape, op: op)
        tensorCheck(joint == target, op, "probability of shape \(shapeString(probability.shape)) cannot be broadcast to shape \(shapeString(target))")
        let u = uniform(key, shape: target, dtype: probability.dtype)
        return u .< probability.broadcast(to: target)
    }

    /// Random integers in `[low, high)` as int32 (JAX `jax.random.randint`, bit for bit).
    ///
    /// Like JAX it draws two 32-bit words per element (from the two halves of `key.split()`) and reduces
    /// their 64-bit value modulo the span, so the bias for spans that are not powers of two is at most
    /// about span/2^32. `high <= low` gives `low` everywhere.
    ///
    /// ```swift
    /// let dice = Tensor.randint(key, shape: [10], low: 1, high: 7)
    /// ```
    public static func randint(_ key: PRNGKey, shape: [Int], low: Int, high: Int) -> Tensor {
        let lo = Int32(clamping: low), hi = Int32(clamping: high)
        let highOutOfRange = high > Int(Int32.max)
        var span = UInt32(truncatingIfNeeded: hi &- lo)
        if hi <= lo { span = 1 }
        if highOutOfRange && hi > lo { span &+= 1 }   // may wrap to 0: then the remainders are no-ops
        // XLA's unsigned remainder: x % 0 == x.
        @inline(__always) func rem(_ x: UInt32, _ n: UInt32) -> UInt32 { n == 0 ? x : x % n }
        var multiplier = rem(1 << 16, span)           // 2^32 mod span, via (2^16 mod span)^2
        multiplier = rem(multiplier &* multiplier, span)
        let keys = key.split(into: 2)
        let kHigh = keys[0].pair, kLow = keys[1].pair
        let base = UInt32(bitPattern: lo)
        return generated(shape: shape, as: Int32.self, op: "randint") { i in
            let h = Threefry.bits32(key: kHigh, index: i), l = Threefry.bits32(key: kLow, index: i)
            let offset = rem(rem(h, span) &* multiplier &+ rem(l, span), span)
            return Int32(bitPattern: base &+ offset)
        }
    }

    /// A random permutation of `0..<count` as int32 (JAX `jax.random.permutation(key, count)`).
    ///
    /// JAX's method: sort by fresh random 32-bit keys, stably, `ceil(3·ln(count)/ln(2^32 - 1))` times
    /// (once up to 1625 elements), each round with a new subkey from `split`. Repeating the sort makes
    /// collisions between sort keys harmless, so the result is uniform for all practical purposes.
    ///
    /// ```swift
    /// let order = Tensor.permutation(PRNGKey(seed: 0), count: 10)
    /// ```
    public static func permutation(_ key: PRNGKey, count: Int) -> Tensor {
        tensorCheck(count >= 0, "permutation", "count must be non-negative, got \(count)")
        tensorCheck(count <= Int(Int32.max), "permutation", "count \(count) does not fit int32 indices")
        let order = permutationIndices(key, count: count)
        return Tensor(order.map { Int32($0) }, shape: [count])
    }

    /// The indices of `permutation(key, count:)` as Swift Ints.
    static func permutationIndices(_ key: PRNGKey, count: Int) -> [Int] {
        var order = Array(0..<count)
        let rounds = count <= 1 ? 0 : Int((3 * Glibc.log(Double(count)) / Glibc.log(Double(UInt32.max))).rounded(.up))
        var key = key
        var packed = [UInt64](repeating: 0, count: count)
        for _ in 0..<rounds {
            let (next, sub) = key.splitPair()
            key = next
            let bits = sub.randomBits(count: count)
            // A stable sort by bits: ties keep their current position (the low word).
            for j in 0..<count { packed[j] = UInt64(bits[j]) << 32 | UInt64(j) }
            packed.sort()
            order = packed.map { order[Int($0 & 0xFFFF_FFFF)] }
        }
        return order
    }

    /// The tensor with its slices along `axis` in random order (JAX `jax.random.permutation(key, x, axis)`):
    /// every slice moves together, by `permutation(key, count: shape[axis])`.
    ///
    /// ```swift
    /// let rows = Tensor.arange(12).reshaped(4, 3).shuffled(key)   // rows permuted
    /// ```
    public func shuffled(_ key: PRNGKey, axis: Int = 0) -> Tensor {
        let op = "shuffled"
        tensorCheck(rank >= 1, op, "needs a tensor of rank >= 1, got shape \(shapeString(shape))")
        let ax = normalizedAxis(axis, rank: rank, op: op)
        let n = shape[ax]
        let order = Tensor.permutationIndices(key, count: n)
        if _slowPath(traceTag != 0) { return take(Tensor(order.map { Int32($0) }), axis: ax) }
        let src = contiguous()
        let out = Tensor(uninitializedShape: shape, dtype: dtype)
        let outer = shape[..<ax].reduce(1, *), inner = shape[(ax + 1)...].reduce(1, *)
        let rowBytes = inner * dtype.byteSize
        guard rowBytes > 0 else { return out }
        let s = src.rawPointer, d = out.rawPointer
        Parallelism.forEachChunk(count: outer * n, minimumChunk: Swift.max(1, (1 << 16) / rowBytes)) { range in
            for r in range {
                let o = r / n, i = r % n
                memcpy(d + r * rowBytes, s + (o * n + order[i]) * rowBytes, rowBytes)
            }
        }
        return out
    }
}
