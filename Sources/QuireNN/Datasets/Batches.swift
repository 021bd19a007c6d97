import QuireTensor

extension Digits {
    /// The minibatches of one epoch: rows shuffled by `Tensor.permutation(key, count:)`, cut into
    /// `batchSize` rows, the last partial batch dropped (1,437 training rows → 11 batches of 128).
    ///
    /// ```swift
    /// for (x, y) in Digits.batches(train.x, train.y, batchSize: 128, key: PRNGKey(seed: 0).fold(in: epoch)) { … }
    /// ```
    public static func batches(_ x: Tensor, _ y: Tensor, batchSize: Int, key: PRNGKey) -> [(x: Tensor, y: Tensor)] {
        let n = x.shape[0]
        let order = Tensor.permutation(key, count: n).scalars(as: Int32.self)
        return (0..<(n / batchSize)).map { b in
            let idx = Tensor(Array(order[(b * batchSize)..<((b + 1) * batchSize)]), shape: [batchSize])
            return (x.take(idx, axis: 0), y.take(idx, axis: 0))
        }
    }
}
