import Foundation
import QuireTensor

/// Worker threads that compute a random-access dataset's elements ahead of the reader. Workers
/// claim positions in increasing order from a shared counter, never more than `buffer` ahead of the
/// reader, and park results by position; the reader takes them strictly in order. Elements depend
/// only on their position, so the stream is the same for any number of workers. An error is parked
/// like a result and thrown when the reader reaches its position.
final class Prefetcher: @unchecked Sendable {
    private let node: any MapNode
    private let end: Int
    private let buffer: Int
    private let condition = NSCondition()
    private var ready: [Int: Result<TensorDict, any Error>] = [:]
    private var reader: Int
    private var nextClaim: Int
    private var stopping = false
    private let finished = DispatchGroup()

    init(node: any MapNode, end: Int, start: Int, workers: Int, buffer: Int) {
        self.node = node
        self.end = end
        self.buffer = max(buffer, workers)
        reader = start
        nextClaim = start
        for w in 0..<workers {
            finished.enter()
            let thread = Thread { [self] in work(); finished.leave() }
            thread.name = "quire-data-\(w)"
            thread.start()
        }
    }

    private func work() {
        while true {
            condition.lock()
            while !stopping && (nextClaim >= end || nextClaim >= reader + buffer) { condition.wait() }
            if stopping { condition.unlock(); return }
            let p = nextClaim
            nextClaim += 1
            condition.unlock()
            let result = Result { try node.element(p) }
            condition.lock()
            ready[p] = result
            condition.broadcast()
            condition.unlock()
        }
    }

    /// The element at the reader's position (blocking until a worker has it); advances the reader.
    func next() throws -> TensorDict {
        condition.lock()
        while ready[reader] == nil { condition.wait() }
        let result = ready.removeValue(forKey: reader)!
        reader += 1
        condition.broadcast()
        condition.unlock()
        return try result.get()
    }

    /// Stops the workers and waits for them to exit.
    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
        finished.wait()
    }
}
