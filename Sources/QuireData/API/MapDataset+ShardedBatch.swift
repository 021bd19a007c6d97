import QuireTensor

extension MapDataset {
    /// Shard `index` of `count` of every batch of `size`: element `b` holds rows
    /// `[index·n/count, (index+1)·n/count)` of the batch `batch(size)` would give (`n` its length), read
    /// without reading the other shards' rows. Data-parallel ranks use it so that together they see exactly
    /// the single-process batches; the iterator's state (a batch position) is the same on every rank.
    ///
    /// ```swift
    /// let mine = ds.shuffle(seed: 0).batch(128, shard: rank, of: 2)   // x: [64, 64]
    /// ```
    public func batch(_ size: Int, shard index: Int, of count: Int, dropRemainder: Bool = false) -> MapDataset {
        precondition(size >= 1, "batch: size must be at least 1, got \(size)")
        precondition(count >= 1 && (0..<count).contains(index), "batch: shard \(index) outside 0..<\(count)")
        precondition(size >= count, "batch: a batch of \(size) cannot be split into \(count) shards")
        let b = ShardedBatchNode(batches: BatchNode(parent: node, size: size, dropRemainder: dropRemainder),
                                 index: index, shards: count)
        return MapDataset(b, epochLength: epochLength, recordsPerElement: recordsPerElement * (size / count))
    }
}

/// The `index`-th of `shards` contiguous slices of each batch of `batches`.
struct ShardedBatchNode: MapNode {
    let batches: BatchNode
    let index: Int
    let shards: Int
    var parent: any MapNode { batches.parent }
    var count: Int { batches.count }

    func members(_ b: Int) -> Range<Int> {
        let all = batches.members(b), n = all.count
        return (all.lowerBound + index * n / shards)..<(all.lowerBound + (index + 1) * n / shards)
    }
    func element(_ index: Int) throws -> TensorDict { try parent.stacked(Array(members(index))) }
    func stacked(_ indices: [Int]) throws -> TensorDict {
        try stackRecords(indices.map { try element($0) }, indices: indices)
    }
}
