import QuireTensor

/// Reads a ``MapDataset`` or ``IterDataset`` in order, optionally with worker threads computing
/// elements ahead (`workers: 0` reads on the caller's thread); the stream is identical for any number
/// of workers. Its ``state`` is a small Codable value; restoring it resumes exactly where the saved
/// iterator stood. It is ``Checkpointable``: the state goes into the checkpoint's metadata under
/// `"iterator"`.
///
/// ```swift
/// let it = dataset.iterator(workers: 2, buffer: 8)
/// while let batch = try it.nextElement() { … }
/// let saved = try it.checkpointState()   // later: try it.load(saved)
/// ```
public final class DataIterator: Checkpointable, Sequence, IteratorProtocol {
    private let core: any IteratorCore

    init(core: any IteratorCore) { self.core = core }

    deinit { core.stop() }

    /// The next element, or nil after the last. Throws the ``DataError`` of a record that cannot be
    /// read; for a random-access dataset the iterator then stands after that record.
    public func nextElement() throws -> TensorDict? { try core.next() }

    /// `IteratorProtocol`: the next element; a read error stops the program with its message (use
    /// ``nextElement()`` to handle it).
    public func next() -> TensorDict? {
        do { return try core.next() } catch { preconditionFailure("DataIterator: \(error)") }
    }

    /// Where the iterator stands.
    public var state: DataIteratorState { core.state }

    /// Moves to `state`, so the next element is the one an uninterrupted iterator at `state` would
    /// produce (workers are stopped and restarted from there).
    public func restore(_ state: DataIteratorState) throws { try core.restore(state) }

    public func checkpointState() throws -> CheckpointState {
        var s = CheckpointState()
        try s.setMetadata("iterator", to: state)
        return s
    }

    public func load(_ state: CheckpointState) throws {
        try restore(try state.metadata("iterator", as: DataIteratorState.self))
    }
}

extension MapDataset {
    /// An iterator over the records (or batches) in order, read by `workers` threads (0: on the
    /// caller's thread) up to `buffer` elements ahead; see ``DataIterator``.
    public func iterator(workers: Int = 0, buffer: Int = 8) -> DataIterator {
        DataIterator(core: MapReadCore(self, workers: workers, buffer: buffer))
    }
}
