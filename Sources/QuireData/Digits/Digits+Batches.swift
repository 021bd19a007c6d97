import QuireTensor

extension Digits {
    /// The minibatches of one epoch: rows shuffled by `Tensor.permutation(key, count:)`, cut into
    /// `batchSize` rows, the last partial batch dropped (1,437 training rows → 11 batches of 128), each
    /// gathered by an ``ArraySource``.
    ///
    /// ```swift
    /// for (x, y) in Digits.batches(train.x, train.y, batchSize: 128, key: PRNGKey(seed: 0).fold(in: epoch)) { … }
    /// ```
    public static func batches(_ x: Tensor, _ y: Tensor, batchSize: Int, key: PRNGKey) -> [(x: Tensor, y: Tensor)] {
        let n = x.shape[0]
        let order = Tensor.permutation(key, count: n).scalars(as: Int32.self).map(Int.init)
        let source: ArraySource
        do { source = try ArraySource(["x": x, "y": y]) } catch { preconditionFailure("Digits.batches: \(error)") }
        return (0..<(n / batchSize)).map { b in
            let rows = Array(order[(b * batchSize)..<((b + 1) * batchSize)])
            guard let r = try? source.records(at: rows) else { preconditionFailure("Digits.batches: rows out of range") }
            return (r["x"]!, r["y"]!)
        }
    }
}
