import QuireTensor

extension MapDataset {
    /// A global shuffle: each epoch is a different pseudo-random permutation of all records, computed
    /// per index by a keyed Feistel network (key = `PRNGKey(seed:)` folded with the epoch), so nothing
    /// is materialized. Epoch `e` of a following `repeat` is shuffled with `fold(in: e)`.
    ///
    /// ```swift
    /// let epochs = MapDataset(source).shuffle(seed: 42).repeat(3)   // three different orders
    /// ```
    public func shuffle(seed: Int) -> MapDataset {
        MapDataset(ShuffleNode(parent: node, key: PRNGKey(seed: seed)), epochLength: epochLength)
    }

    /// Applies `transform` to every record, one record at a time (any closure; see `mapBatched(_:)`
    /// for the fast path).
    ///
    /// ```swift
    /// let flipped = ds.map { r in ["x": r["x"]!.reversed(axis: 0), "y": r["y"]!] }
    /// ```
    public func map(_ transform: @escaping @Sendable (TensorDict) throws -> TensorDict) -> MapDataset {
        MapDataset(RecordMapNode(parent: node, transform: { r, _ in try transform(r) }), epochLength: epochLength)
    }

    /// Applies `transform` to records stacked along axis 0 (a whole batch at once). `transform` must
    /// treat each row on its own and keep axis 0 — true of elementwise math and broadcasting against
    /// per-feature constants, e.g. normalization — and then the result equals `map(_:)` applied per
    /// record, at a fraction of the cost.
    ///
    /// ```swift
    /// let normalized = ds.mapBatched { r in ["x": (r["x"]! - mean) / std, "y": r["y"]!] }
    /// ```
    public func mapBatched(_ transform: @escaping @Sendable (TensorDict) throws -> TensorDict) -> MapDataset {
        MapDataset(BatchedMapNode(parent: node, transform: transform), epochLength: epochLength)
    }

    /// Applies `transform` with a key of its own for every record: `PRNGKey(seed: seed).fold(in: index)`,
    /// `index` counting across epochs, so the result depends on the seed and the index only (never on
    /// worker count or read order), and a repeated epoch draws new augmentations.
    ///
    /// ```swift
    /// let noisy = ds.randomMap(seed: 1) { r, key in
    ///     ["x": r["x"]! + Tensor.normal(key, shape: r["x"]!.shape, stddev: 0.1), "y": r["y"]!]
    /// }
    /// ```
    public func randomMap(seed: Int, _ transform: @escaping @Sendable (TensorDict, PRNGKey) throws -> TensorDict) -> MapDataset {
        let key = PRNGKey(seed: seed)
        return MapDataset(RecordMapNode(parent: node, transform: { r, i in try transform(r, key.fold(in: i)) }),
                          epochLength: epochLength)
    }

    /// The records for which `isIncluded` is true. The predicate runs once over every record when
    /// `filter` is called (the dataset keeps the kept records' indices, not their data); filter before
    /// `repeat` and before any random transformation whose result the predicate reads.
    ///
    /// ```swift
    /// let evens = try ds.filter { r in r["y"]!.item(as: Int32.self) % 2 == 0 }
    /// ```
    public func filter(_ isIncluded: (TensorDict) throws -> Bool) throws -> MapDataset {
        let f = try FilterNode(parent: node, predicate: isIncluded)
        return MapDataset(f)
    }

    /// Groups consecutive records into batches whose fields are the records' fields stacked along a
    /// new axis 0. The last, smaller batch of an epoch is kept unless `dropRemainder`. A record whose
    /// shape differs from the batch's first throws a ``DataError`` naming both records.
    ///
    /// ```swift
    /// let batches = ds.batch(128)                 // x: [128, 64], y: [128]
    /// ```
    public func batch(_ size: Int, dropRemainder: Bool = false) -> MapDataset {
        precondition(size >= 1, "batch: size must be at least 1, got \(size)")
        let b = BatchNode(parent: node, size: size, dropRemainder: dropRemainder)
        return MapDataset(b, epochLength: epochLength, recordsPerElement: recordsPerElement * size)
    }

    /// `times` epochs one after another (`nil`: endless). A shuffle before it reorders every epoch.
    public func `repeat`(_ times: Int? = nil) -> MapDataset {
        if let times { precondition(times >= 0, "repeat: negative count \(times)") }
        let n = node.count
        let total = times.map { n == 0 ? 0 : ($0 > Int.max / n ? Int.max : $0 * n) } ?? Int.max
        return MapDataset(RepeatNode(parent: node, count: total), epochLength: n)
    }

    /// The records in `range` (of `0..<count`).
    public func slice(_ range: Range<Int>) -> MapDataset {
        precondition(range.lowerBound >= 0 && range.upperBound <= count,
                     "slice: \(range) is outside 0..<\(count)")
        return MapDataset(SliceNode(parent: node, range: range))
    }

    /// Shard `index` of `count` for several processes: contiguous, disjoint slices that together cover
    /// every record, their sizes differing by at most one.
    ///
    /// ```swift
    /// let mine = ds.shard(index: rank, count: worldSize).shuffle(seed: 0)
    /// ```
    public func shard(index: Int, count shards: Int) -> MapDataset {
        precondition(shards >= 1 && (0..<shards).contains(index), "shard: index \(index) outside 0..<\(shards)")
        let n = count
        precondition(n != Int.max, "shard: an endless dataset cannot be sharded; shard before repeat")
        return slice((index * n / shards)..<((index + 1) * n / shards))
    }

    /// Interleaves `datasets` so that record proportions follow `weights` (deterministically; see the
    /// ``MapDataset`` docs). Ends where the first dataset runs out.
    ///
    /// ```swift
    /// let blend = MapDataset.mix([web, books], weights: [0.8, 0.2])
    /// ```
    public static func mix(_ datasets: [MapDataset], weights: [Double]) -> MapDataset {
        precondition(!datasets.isEmpty && datasets.count == weights.count, "mix: one weight per dataset")
        precondition(weights.allSatisfy { $0 >= 0 } && weights.contains { $0 > 0 }, "mix: weights must be non-negative, not all zero")
        return MapDataset(MixNode(datasets.map(\.node), weights: weights))
    }

    /// The records of `datasets` one dataset after another.
    public static func concatenate(_ datasets: [MapDataset]) -> MapDataset {
        precondition(!datasets.isEmpty && datasets.allSatisfy { $0.count != Int.max }, "concatenate: finite datasets only")
        return MapDataset(ConcatenateNode(datasets.map(\.node)))
    }
}
