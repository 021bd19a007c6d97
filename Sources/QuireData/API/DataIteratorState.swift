/// Where an iterator stands: small, Codable, and enough to resume exactly. It goes into checkpoints
/// as metadata (see ``DataIterator/checkpointState()``).
///
/// ```swift
/// let state = iterator.state          // {"position": 1234, "epoch": 2, ...}
/// try iterator.restore(state)         // the next record is the one after those 1,234
/// ```
public struct DataIteratorState: Codable, Sendable, Equatable {
    /// Index of the next element in the iterated dataset (for a random-access dataset, the only
    /// thing needed to resume).
    public var position: Int
    /// The epoch of the underlying data the next element starts in (informational; 0 for streams).
    public var epoch: Int
    /// Cursors inside the current upstream element (a packer's offset into a partly used record).
    public var cursors: [Int]
    /// The states of the iterators this one reads from (a packer's or batcher's source).
    public var inner: [DataIteratorState]

    public init(position: Int, epoch: Int = 0, cursors: [Int] = [], inner: [DataIteratorState] = []) {
        self.position = position
        self.epoch = epoch
        self.cursors = cursors
        self.inner = inner
    }
}
