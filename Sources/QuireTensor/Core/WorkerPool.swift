internal import CQuireFused
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

// The engine's own worker threads, behind `Parallelism.forEachChunk` / `forEachTask`.
//
// A training step issues many short parallel operations (split matrix products, elementwise passes,
// reductions), often only tens of microseconds apart. Waking a sleeping thread for each one (what
// `DispatchQueue.concurrentPerform` does once its workers have parked) costs about as much as a small
// product, so workers here spin briefly after each batch before they sleep: back-to-back batches start
// at once, and an idle engine still releases the cores within `spinTime`.
//
// One batch runs at a time. A call made while a batch is running (a task that itself parallelises, or a
// second thread using the engine) runs its tasks in order on the calling thread, which needs no locks
// and cannot deadlock. The caller always works on its own batch too, so a batch finishes even when no
// worker wakes in time.
//
// A worker that finds itself on its caller's CPU moves off it (`quire_move_off_cpu`: narrow its CPU mask,
// then restore it, so it is never pinned). Linux sometimes starts or wakes a worker on the caller's CPU
// while the other cores idle and leaves it there for tens of milliseconds; every split product then
// runs its halves one after the other (digits MLP: 0.40 instead of 0.30 ms a step for its first 60
// steps in about half the runs). At most one move per worker every `moveInterval`, so processes that
// outnumber the cores do not keep moving threads around.

final class WorkerPool: @unchecked Sendable {
    static let shared = WorkerPool()

    /// How long an idle worker keeps polling for the next batch before it sleeps.
    static let spinTime: UInt64 = 100_000  // nanoseconds
    /// The least time between two moves of one worker off its caller's CPU.
    static let moveInterval: UInt64 = 10_000_000  // nanoseconds

    /// One batch: tasks `0..<count`, claimed one at a time by whichever thread asks next.
    private final class Batch: @unchecked Sendable {
        /// Cleared by the caller once every task is done, so the closure never outlives the call.
        var body: ((Int) -> Void)?
        let count: Int
        /// The CPU the caller ran on when it started the batch (-1 when unknown).
        let callerCPU: Int32
        let next = Atomic<Int>(0)
        let done = Atomic<Int>(0)

        init(count: Int, body: @escaping (Int) -> Void) {
            self.count = count
            callerCPU = quire_current_cpu()
            self.body = body
        }

        /// Runs unclaimed tasks until none are left. `body` is read only for a claimed task, and the
        /// caller clears it only after every claimed task has finished.
        func work() {
            while true {
                let i = next.wrappingAdd(1, ordering: .relaxed).oldValue
                if i >= count { return }
                body!(i)
                done.wrappingAdd(1, ordering: .releasing)
            }
        }
    }

    private let running = Atomic<Bool>(false)
    private let generation = Atomic<Int>(0)
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let wake: UnsafeMutablePointer<pthread_cond_t>
    // Guarded by `mutex`:
    private var batch: Batch?
    private var sleepers = 0
    private var workers = 0

    private init() {
        mutex = .allocate(capacity: 1)
        wake = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(wake, nil)
    }

    /// Runs `body(i)` for every `i` in `0..<count` on the calling thread and up to `threads - 1` workers.
    func run(count: Int, threads: Int, _ body: (Int) -> Void) {
        guard count > 1, threads > 1,
              running.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            for i in 0..<count { body(i) }
            return
        }
        defer { running.store(false, ordering: .releasing) }
        withoutActuallyEscaping(body) { body in
            let b = Batch(count: count, body: body)
            pthread_mutex_lock(mutex)
            startWorkers(upTo: threads - 1)
            batch = b
            generation.wrappingAdd(1, ordering: .releasing)
            if sleepers > 0 { pthread_cond_broadcast(wake) }
            pthread_mutex_unlock(mutex)
            b.work()
            while b.done.load(ordering: .acquiring) < count { sched_yield() }
            b.body = nil
            pthread_mutex_lock(mutex)
            batch = nil
            pthread_mutex_unlock(mutex)
        }
    }

    /// Starts workers until there are `wanted` (call with `mutex` held). They live for the process.
    private func startWorkers(upTo wanted: Int) {
        while workers < wanted {
            var thread = pthread_t()
            let context = Unmanaged.passUnretained(self).toOpaque()
            let status = pthread_create(&thread, nil, { raw in
                Unmanaged<WorkerPool>.fromOpaque(raw!).takeUnretainedValue().workerLoop()
            }, context)
            guard status == 0 else { return }  // fewer workers: the caller does the rest itself
            pthread_detach(thread)
            workers += 1
        }
    }

    private func workerLoop() -> Never {
        var seen = generation.load(ordering: .acquiring)
        var lastMove: UInt64 = 0
        while true {
            seen = nextGeneration(after: seen)
            pthread_mutex_lock(mutex)
            let b = batch
            pthread_mutex_unlock(mutex)
            guard let b else { continue }
            if b.callerCPU >= 0, quire_current_cpu() == b.callerCPU {
                let now = monotonicNanoseconds()
                if now &- lastMove >= WorkerPool.moveInterval {
                    lastMove = now
                    _ = quire_move_off_cpu(b.callerCPU)
                }
            }
            b.work()
        }
    }

    /// Waits for a batch newer than `seen`: polls for `spinTime`, then sleeps until `run` signals.
    private func nextGeneration(after seen: Int) -> Int {
        let start = monotonicNanoseconds()
        var polls = 0
        while true {
            let g = generation.load(ordering: .acquiring)
            if g != seen { return g }
            polls += 1
            if polls & 63 != 0 || monotonicNanoseconds() - start < WorkerPool.spinTime {
                sched_yield()
                continue
            }
            pthread_mutex_lock(mutex)
            sleepers += 1
            while generation.load(ordering: .acquiring) == seen { pthread_cond_wait(wake, mutex) }
            sleepers -= 1
            pthread_mutex_unlock(mutex)
            return generation.load(ordering: .acquiring)
        }
    }
}

private func monotonicNanoseconds() -> UInt64 {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec)
}
