import QuireTensor

/// A streaming dataset: elements come in order from an iterator, as after packing or a streaming
/// filter, where element `i` cannot be computed on its own. Built from a ``MapDataset`` with
/// `toIterDataset()`; every iterator over it is checkpointable.
///
/// ```swift
/// let rows = documents.toIterDataset()
///     .pack(length: 512, field: "tokens")       // tokens, segment_ids, positions: [512] each
///     .batch(8)
///     .prefetch(workers: 2, buffer: 4)
/// let it = rows.iterator()
/// ```
public struct IterDataset: Sendable {
    /// The random-access root and how it is read (workers, buffer).
    let root: MapDataset
    let workers: Int
    let buffer: Int
    /// The streaming stages above the root, applied in order.
    let stages: [@Sendable (any IteratorCore) -> any IteratorCore]

    /// An iterator over the elements; see ``DataIterator``.
    public func iterator() -> DataIterator {
        var core: any IteratorCore = MapReadCore(root, workers: workers, buffer: buffer)
        for stage in stages { core = stage(core) }
        return DataIterator(core: core)
    }

    private func adding(_ stage: @escaping @Sendable (any IteratorCore) -> any IteratorCore) -> IterDataset {
        IterDataset(root: root, workers: workers, buffer: buffer, stages: stages + [stage])
    }

    /// Applies `transform` to each element.
    public func map(_ transform: @escaping @Sendable (TensorDict) throws -> TensorDict) -> IterDataset {
        adding { StreamMapCore(parent: $0, transform: transform) }
    }

    /// Keeps the elements for which `isIncluded` is true (evaluated as the stream is read).
    public func filter(_ isIncluded: @escaping @Sendable (TensorDict) throws -> Bool) -> IterDataset {
        adding { StreamMapCore(parent: $0) { r in try isIncluded(r) ? r : nil } }
    }

    /// Stacks `size` consecutive elements into a batch (the last, smaller one kept unless `dropRemainder`).
    public func batch(_ size: Int, dropRemainder: Bool = false) -> IterDataset {
        precondition(size >= 1, "batch: size must be at least 1, got \(size)")
        return adding { StreamBatchCore(parent: $0, size: size, dropRemainder: dropRemainder) }
    }

    /// Packs the 1-D int32 sequences in `field` into rows of `length` tokens with `segment_ids` and
    /// `positions`, for language-model training without padding waste (a sequence longer than the
    /// room left in a row continues in the next).
    ///
    /// ```swift
    /// // records [1 2 3], [4 5], [6 7 8 9], length 4 → [1 2 3 4], [5 6 7 8], [9 0 0 0]
    /// ```
    public func pack(length: Int, field: String = "tokens") -> IterDataset {
        precondition(length >= 1, "pack: length must be at least 1, got \(length)")
        return adding { PackCore(parent: $0, length: length, field: field) }
    }

    /// Reads ahead on threads, order preserved, memory bounded by `buffer` elements per stage: the
    /// random-access root is read by `workers` threads (the elements are the same for any count), and
    /// streaming stages, if any, run on one more thread that keeps up to `buffer` elements ready.
    /// `workers: 0` reads everything on the caller's thread.
    public func prefetch(workers: Int, buffer: Int = 8) -> IterDataset {
        precondition(workers >= 0 && buffer >= 1, "prefetch: workers must be >= 0 and buffer >= 1")
        let base = IterDataset(root: root, workers: workers, buffer: buffer, stages: stages)
        if stages.isEmpty || workers == 0 { return base }
        return base.adding { StreamPrefetchCore(parent: $0, buffer: buffer) }
    }
}

extension MapDataset {
    /// This dataset as a stream (for packing, streaming filters and batches, prefetching).
    public func toIterDataset(workers: Int = 0, buffer: Int = 8) -> IterDataset {
        IterDataset(root: self, workers: workers, buffer: buffer, stages: [])
    }
}
