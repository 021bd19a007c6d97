import QuireTensor

/// A random-access dataset: record `i` can be computed on its own, on any thread, so shuffling,
/// sharding, parallel reads and exact resume come from index arithmetic. Transformations are lazy:
/// nothing is read until a record or batch is asked for, and a shuffle never materializes the data
/// (nor its permutation).
///
/// Records are ``TensorDict``s of named fields. Batches are records too, whose fields are the
/// records' fields stacked along a new axis 0.
///
/// ```swift
/// let ds = try MapDataset(ArraySource(["x": x, "y": y]))
///     .shuffle(seed: 0)                                    // new order every epoch
///     .mapBatched { r in ["x": (r["x"]! - 0.5) / 0.25, "y": r["y"]!] }
///     .batch(128)
/// for batch in ds.iterator(workers: 2) { … }
/// ```
public struct MapDataset: Sendable {
    let node: any MapNode
    /// Records per epoch of the underlying data (before any `repeat`), for the iterator state's `epoch`.
    public let epochLength: Int
    /// Underlying records per element (the batch size, after `batch`).
    public let recordsPerElement: Int

    init(_ node: any MapNode, epochLength: Int? = nil, recordsPerElement: Int = 1) {
        self.node = node
        self.epochLength = max(1, epochLength ?? node.count)
        self.recordsPerElement = recordsPerElement
    }

    /// A dataset over a source's records.
    public init(_ source: any RandomAccessSource) {
        self.init(SourceNode(source: source))
    }

    /// Number of records (`Int.max` after an endless `repeat()`).
    public var count: Int { node.count }

    /// Record `index` (in `0..<count`).
    public func record(at index: Int) throws -> TensorDict {
        precondition(index >= 0 && index < count, "MapDataset.record(at:): index \(index) outside 0..<\(count)")
        return try node.element(index)
    }

    /// Records `indices`, stacked along a new axis 0 (throws naming the record whose shape differs).
    public func records(at indices: [Int]) throws -> TensorDict {
        for i in indices { precondition(i >= 0 && i < count, "MapDataset.records(at:): index \(i) outside 0..<\(count)") }
        return try node.stacked(indices)
    }

    /// All records in order, read in batches of 1,024 (for small, finite datasets).
    public func collect() throws -> [TensorDict] {
        precondition(count != Int.max, "collect: the dataset is endless")
        var out: [TensorDict] = []
        for start in stride(from: 0, to: count, by: 1024) {
            let end = min(count, start + 1024)
            let stack = try node.stacked(Array(start..<end))
            out += (0..<(end - start)).map { unstackRecord(stack, at: $0) }
        }
        return out
    }
}
