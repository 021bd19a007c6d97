import QuireTensor

/// Fixed-length windows over a token sequence, as records `inputs` (`[length]` int32) and `targets`
/// (the same window shifted by one token), for next-token training.
///
/// `.random(seed:)`: record `i` starts at a position drawn from `PRNGKey(seed).fold(in: i)`, uniform
/// over every start that fits, so a record depends only on its index (any batch size, worker count or
/// resume point sees the same windows). `.sequential`: record `i` is the `i`-th non-overlapping window
/// (an evaluation pass). Wrapped in a ``MapDataset``, it batches and its iterator checkpoints and
/// resumes like any other.
///
/// ```swift
/// let ids = try tokenizer.encodeTensor(text)
/// let windows = try TextWindows(tokens: ids, length: 128, order: .random(seed: 0), count: 32 * 300)
/// let it = MapDataset(windows).batch(32).iterator()
/// let batch = try it.nextElement()!     // inputs, targets: [32, 128] int32
/// ```
public struct TextWindows: RandomAccessSource {
    public enum Order: Sendable, Equatable { case random(seed: Int), sequential }

    public let tokens: Tensor
    public let length: Int
    public let order: Order
    public let count: Int
    private let ids: [Int32]

    /// `tokens`: int32 `[n]`, at least `length + 1` of them. `count` defaults to `n / length` windows
    /// for random order; for sequential order it is at most (and defaults to) `(n − 1) / length`.
    public init(tokens: Tensor, length: Int, order: Order, count: Int? = nil) throws {
        guard tokens.rank == 1, tokens.dtype == .int32 else {
            throw DataError("TextWindows: tokens must be int32 [n], got \(tokens.dtype) \(tokens.shape)")
        }
        guard length >= 1, tokens.shape[0] >= length + 1 else {
            throw DataError("TextWindows: \(tokens.shape[0]) tokens cannot hold a window of \(length) + 1 tokens")
        }
        let n = tokens.shape[0]
        let most = order == .sequential ? (n - 1) / length : Int.max
        if let count, count < 0 || count > most {
            throw DataError("TextWindows: count \(count) is outside 0...\(most) for \(n) tokens in sequential windows of \(length)")
        }
        self.tokens = tokens.contiguous()
        self.length = length
        self.order = order
        self.count = count ?? (order == .sequential ? most : n / length)
        ids = self.tokens.scalars(as: Int32.self)
    }

    /// Where record `index` starts.
    public func start(of index: Int) -> Int {
        switch order {
        case .sequential: return index * length
        case .random(let seed):
            let bits = PRNGKey(seed: seed).fold(in: index).randomBits(count: 2)
            let r = UInt64(bits[0]) << 32 | UInt64(bits[1])
            return Int(r % UInt64(ids.count - length))
        }
    }

    public func records(at indices: [Int]) throws -> TensorDict {
        try checkIndices(indices, count: count, "TextWindows")
        var x = [Int32](), y = [Int32]()
        x.reserveCapacity(indices.count * length)
        y.reserveCapacity(indices.count * length)
        for i in indices {
            let s = start(of: i)
            x.append(contentsOf: ids[s..<(s + length)])
            y.append(contentsOf: ids[(s + 1)...(s + length)])
        }
        return ["inputs": Tensor(x, shape: [indices.count, length]), "targets": Tensor(y, shape: [indices.count, length])]
    }
}
