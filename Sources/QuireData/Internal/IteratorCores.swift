import Foundation
import QuireTensor

/// One stage of an iterator chain: produces elements in order and can say and restore where it is.
protocol IteratorCore: AnyObject {
    func next() throws -> TensorDict?
    var state: DataIteratorState { get }
    func restore(_ state: DataIteratorState) throws
    /// Stops any threads (before the iterator goes away or moves).
    func stop()
}

/// Reads a random-access dataset by position, with or without prefetching workers.
final class MapReadCore: IteratorCore {
    let dataset: MapDataset
    let workers: Int
    let buffer: Int
    private var position = 0
    private var prefetcher: Prefetcher?

    init(_ dataset: MapDataset, workers: Int, buffer: Int) {
        precondition(workers >= 0 && buffer >= 1, "iterator: workers must be >= 0 and buffer >= 1")
        self.dataset = dataset
        self.workers = workers
        self.buffer = buffer
    }

    func next() throws -> TensorDict? {
        guard position < dataset.count else { return nil }
        defer { position += 1 }
        if workers == 0 { return try dataset.node.element(position) }
        if prefetcher == nil {
            prefetcher = Prefetcher(node: dataset.node, end: dataset.count, start: position, workers: workers, buffer: buffer)
        }
        return try prefetcher!.next()
    }

    var state: DataIteratorState {
        let records = position.multipliedReportingOverflow(by: dataset.recordsPerElement)
        return DataIteratorState(position: position, epoch: records.overflow ? 0 : records.partialValue / dataset.epochLength)
    }

    func restore(_ state: DataIteratorState) throws {
        guard state.position >= 0 && state.position <= dataset.count else {
            throw DataError("iterator state: position \(state.position) is outside 0...\(dataset.count)")
        }
        stop()
        position = state.position
    }

    func stop() {
        prefetcher?.stop()
        prefetcher = nil
    }
}

/// A stream stage over one parent that counts what it hands out: its state is that count over its parent's.
protocol CountingStage: IteratorCore {
    var parent: any IteratorCore { get }
    var produced: Int { get set }
}

extension CountingStage {
    var state: DataIteratorState { DataIteratorState(position: produced, inner: [parent.state]) }

    func restore(_ state: DataIteratorState) throws {
        guard state.inner.count == 1 else { throw DataError("iterator state: expected 1 inner state, got \(state.inner.count)") }
        try parent.restore(state.inner[0])
        produced = state.position
    }

    func stop() { parent.stop() }
}

/// A per-element transformation or filter of a stream; its state is its parent's plus its own count.
final class StreamMapCore: CountingStage {
    let parent: any IteratorCore
    let transform: (TensorDict) throws -> TensorDict?
    var produced = 0

    init(parent: any IteratorCore, transform: @escaping (TensorDict) throws -> TensorDict?) {
        self.parent = parent
        self.transform = transform
    }

    func next() throws -> TensorDict? {
        while let r = try parent.next() {
            if let out = try transform(r) { produced += 1; return out }
        }
        return nil
    }
}

/// Groups a stream's elements into stacked batches.
final class StreamBatchCore: CountingStage {
    let parent: any IteratorCore
    let size: Int
    let dropRemainder: Bool
    var produced = 0

    init(parent: any IteratorCore, size: Int, dropRemainder: Bool) {
        self.parent = parent
        self.size = size
        self.dropRemainder = dropRemainder
    }

    func next() throws -> TensorDict? {
        var records: [TensorDict] = []
        while records.count < size, let r = try parent.next() { records.append(r) }
        if records.isEmpty || (dropRemainder && records.count < size) { return nil }
        let first = produced * size
        produced += 1
        return try stackRecords(records, indices: Array(first..<(first + records.count)))
    }
}

/// Runs its parent chain on a background thread, keeping up to `buffer` elements ready, each with
/// the parent's state after it, so the state reported is exactly that of the elements handed out.
final class StreamPrefetchCore: IteratorCore, @unchecked Sendable {
    let parent: any IteratorCore
    let buffer: Int
    private let condition = NSCondition()
    private var queue: [(Result<TensorDict?, any Error>, DataIteratorState)] = []
    private var head = 0
    private var lastState: DataIteratorState
    private var running = false
    private var stopping = false
    private let finished = DispatchGroup()

    init(parent: any IteratorCore, buffer: Int) {
        self.parent = parent
        self.buffer = max(1, buffer)
        lastState = parent.state
    }

    private func start() {
        running = true
        stopping = false
        finished.enter()
        let thread = Thread { [self] in produce(); finished.leave() }
        thread.name = "quire-data-stream"
        thread.start()
    }

    private func produce() {
        while true {
            condition.lock()
            while !stopping && queue.count - head >= buffer { condition.wait() }
            if stopping { condition.unlock(); return }
            condition.unlock()
            let result = Result { try parent.next() }
            let after = parent.state
            condition.lock()
            queue.append((result, after))
            condition.broadcast()
            condition.unlock()
            if case .success(nil) = result { return }
            if case .failure = result { return }
        }
    }

    func next() throws -> TensorDict? {
        if !running { start() }
        condition.lock()
        while queue.count == head { condition.wait() }
        let (result, after) = queue[head]
        if case .success(.some) = result { head += 1 } // end and errors stay at the head
        if head > 64 { queue.removeFirst(head); head = 0 }
        lastState = after
        condition.broadcast()
        condition.unlock()
        return try result.get()
    }

    var state: DataIteratorState {
        condition.lock(); defer { condition.unlock() }
        return lastState
    }

    func restore(_ state: DataIteratorState) throws {
        stop()
        try parent.restore(state)
        lastState = state
    }

    func stop() {
        if running {
            condition.lock()
            stopping = true
            condition.broadcast()
            condition.unlock()
            finished.wait()
            running = false
        }
        queue.removeAll()
        head = 0
        parent.stop()
    }
}
