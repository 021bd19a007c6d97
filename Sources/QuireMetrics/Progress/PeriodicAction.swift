#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs an action every N steps, every T seconds, or both (whichever comes first), as clu's periodic actions.
///
/// ```swift
/// let evaluate = PeriodicAction(everySteps: 100) { step in try? run.log(["test_loss": testLoss()], step: step) }
/// for step in 1...1000 { train(); evaluate(step: step) }
/// ```
public final class PeriodicAction {
    public let everySteps: Int?
    public let everySeconds: Double?
    private let action: (Int) -> Void
    private var lastStep: Int?
    private var lastTime: Double

    public init(everySteps: Int? = nil, everySeconds: Double? = nil, _ action: @escaping (Int) -> Void) {
        precondition(everySteps.map { $0 > 0 } ?? true, "PeriodicAction: everySteps must be positive")
        precondition(everySeconds.map { $0 > 0 } ?? true, "PeriodicAction: everySeconds must be positive")
        precondition(everySteps != nil || everySeconds != nil, "PeriodicAction: give everySteps, everySeconds or both")
        self.everySteps = everySteps
        self.everySeconds = everySeconds
        self.action = action
        self.lastTime = MonotonicClock.now()
    }

    /// Whether the action is due at `step` (and resets the timer when it is), without running it.
    public func isDue(step: Int) -> Bool {
        let now = MonotonicClock.now()
        var due = false
        if let everySteps, step % everySteps == 0, step != lastStep { due = true }
        if let everySeconds, now - lastTime >= everySeconds, step != lastStep { due = true }
        if due {
            lastStep = step
            lastTime = now
        }
        return due
    }

    /// Runs the action if it is due at `step`; returns whether it ran.
    @discardableResult
    public func callAsFunction(step: Int) -> Bool {
        guard isDue(step: step) else { return false }
        action(step)
        return true
    }
}

enum MonotonicClock {
    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
