import Foundation
import QuireTensor

/// Worker threads that compute a random-access dataset's elements ahead of the reader. Workers
/// claim positions in increasing order from a shared counter, never more than `buffer` ahead of the
/// reader, and park results in a ring of `buffer` slots (position `p` in slot `p % buffer`); the reader
/// takes them strictly in order. Elements depend only on their position, so the stream is the same for
/// any number of workers. An error is parked like a result and thrown when the reader reaches it.
///
/// One mutex and two condition variables, signalled only when someone waits on them: a worker that
/// finishes the reader's next element wakes the reader, and a reader that frees a slot wakes one idle
/// worker, so a busy pipeline makes no futex calls at all.
final class Prefetcher: @unchecked Sendable {
    private let node: any MapNode
    private let end: Int
    private let buffer: Int
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let readerWake = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private let workerWake = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var slots: [Result<TensorDict, any Error>?]
    private var reader: Int
    private var nextClaim: Int
    private var readerWaiting = false
    private var idleWorkers = 0
    private var stopping = false
    private let finished = DispatchGroup()

    init(node: any MapNode, end: Int, start: Int, workers: Int, buffer: Int) {
        self.node = node
        self.end = end
        self.buffer = max(buffer, workers)
        slots = Array(repeating: nil, count: self.buffer)
        reader = start
        nextClaim = start
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(readerWake, nil)
        pthread_cond_init(workerWake, nil)
        for w in 0..<workers {
            finished.enter()
            let thread = Thread { [self] in work(); finished.leave() }
            thread.name = "quire-data-\(w)"
            thread.start()
        }
    }

    deinit {
        pthread_cond_destroy(readerWake)
        pthread_cond_destroy(workerWake)
        pthread_mutex_destroy(mutex)
        readerWake.deallocate()
        workerWake.deallocate()
        mutex.deallocate()
    }

    private func work() {
        pthread_mutex_lock(mutex)
        while true {
            while !stopping && (nextClaim >= end || nextClaim >= reader + buffer) {
                idleWorkers += 1
                pthread_cond_wait(workerWake, mutex)
                idleWorkers -= 1
            }
            if stopping { break }
            let p = nextClaim
            nextClaim += 1
            pthread_mutex_unlock(mutex)
            let result = Result { try node.element(p) }
            pthread_mutex_lock(mutex)
            slots[p % buffer] = result
            if readerWaiting && p == reader { pthread_cond_signal(readerWake) }
        }
        pthread_mutex_unlock(mutex)
    }

    /// The element at the reader's position (blocking until a worker has it); advances the reader.
    func next() throws -> TensorDict {
        pthread_mutex_lock(mutex)
        let slot = reader % buffer
        while slots[slot] == nil {
            readerWaiting = true
            pthread_cond_wait(readerWake, mutex)
            readerWaiting = false
        }
        let result = slots[slot]!
        slots[slot] = nil
        reader += 1
        if idleWorkers > 0 { pthread_cond_signal(workerWake) }
        pthread_mutex_unlock(mutex)
        return try result.get()
    }

    /// Stops the workers and waits for them to exit.
    func stop() {
        pthread_mutex_lock(mutex)
        stopping = true
        pthread_cond_broadcast(workerWake)
        pthread_mutex_unlock(mutex)
        finished.wait()
    }
}
