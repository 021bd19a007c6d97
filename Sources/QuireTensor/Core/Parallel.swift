import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// How many threads the engine's own loops use (BLAS has its own setting).
///
/// Defaults to the number of online cores, or `QUIRE_NUM_THREADS` when set.
/// Results never depend on it: work is split into chunks whose boundaries do not change the arithmetic.
public enum Parallelism {
    private static let configured = Atomic<Int>(Parallelism.defaultThreadCount())

    public static var threadCount: Int {
        get { configured.load(ordering: .relaxed) }
        set { configured.store(Swift.max(1, newValue), ordering: .relaxed) }
    }

    private static func defaultThreadCount() -> Int {
        if let text = getenv("QUIRE_NUM_THREADS"), let n = Int(String(cString: text)), n > 0 { return n }
        return Swift.max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }

    /// Splits `0..<count` into at most `threadCount` contiguous chunks of at least `minimumChunk`
    /// elements and runs `body` on each, in parallel on the engine's workers when there is more than one.
    /// Chunks must write disjoint memory. Other modules' fused loops (the optimizers' in-place updates)
    /// use it so that they share the engine's threads rather than starting their own.
    ///
    /// ```swift
    /// Parallelism.forEachChunk(count: n, minimumChunk: 16_384) { range in
    ///     for i in range { out[i] = a[i] + b[i] }
    /// }
    /// ```
    public static func forEachChunk(count: Int, minimumChunk: Int, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let chunks = Swift.min(threadCount, Swift.max(1, count / Swift.max(1, minimumChunk)))
        if chunks == 1 {
            body(0..<count)
            return
        }
        WorkerPool.shared.run(count: chunks, threads: chunks) { c in
            body(count * c / chunks ..< count * (c + 1) / chunks)
        }
    }
}

extension Parallelism {
    /// Runs `body(i)` for every `i` in `0..<count`: in parallel on up to ``threadCount`` workers when
    /// there is more than one task and more than one thread, in order otherwise. Tasks are claimed one at
    /// a time, so uneven tasks balance. Tasks must write disjoint memory; which worker runs a task never
    /// changes its arithmetic. The compiled kernels run their grids through it.
    ///
    /// ```swift
    /// Parallelism.forEachTask(count: tiles.count) { i in render(tiles[i]) }
    /// ```
    public static func forEachTask(count: Int, _ body: (Int) -> Void) {
        guard count > 1 && threadCount > 1 else {
            for i in 0..<count { body(i) }
            return
        }
        WorkerPool.shared.run(count: count, threads: Swift.min(count, threadCount), body)
    }
}

/// Wraps a value whose thread safety the engine guarantees by construction (disjoint writes).
struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
