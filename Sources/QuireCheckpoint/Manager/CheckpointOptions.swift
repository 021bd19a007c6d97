/// How a ``CheckpointManager`` decides which steps to save and which to keep.
///
/// ```swift
/// var options = CheckpointOptions(maxToKeep: 3, saveIntervalSteps: 100)
/// options.keepPeriod = 1000              // also keep every 1000th step for good
/// options.best = .init(metric: "validLoss", mode: .min)
/// ```
public struct CheckpointOptions: Sendable {
    /// Which metric makes a step the best one, and whether smaller or larger is better.
    public struct Best: Sendable {
        public enum Mode: String, Sendable { case min, max }
        public var metric: String
        public var mode: Mode
        public init(metric: String, mode: Mode) {
            self.metric = metric
            self.mode = mode
        }
    }

    /// How many of the most recent steps to keep (`nil`: all). The best step and `keepPeriod` steps are
    /// kept in addition.
    public var maxToKeep: Int?
    /// `save` writes only steps that are multiples of this (unless forced).
    public var saveIntervalSteps: Int
    /// Steps that are multiples of this are never deleted.
    public var keepPeriod: Int?
    /// The metric that picks the best step, which is never deleted.
    public var best: Best?
    /// Whether `save` returns once the tensors are snapshotted and writes on a background thread.
    public var async: Bool

    public init(maxToKeep: Int? = nil, saveIntervalSteps: Int = 1, keepPeriod: Int? = nil,
                best: Best? = nil, async: Bool = true) {
        precondition(maxToKeep.map { $0 >= 1 } ?? true, "CheckpointOptions: maxToKeep must be at least 1")
        precondition(saveIntervalSteps >= 1, "CheckpointOptions: saveIntervalSteps must be at least 1")
        precondition(keepPeriod.map { $0 >= 1 } ?? true, "CheckpointOptions: keepPeriod must be at least 1")
        self.maxToKeep = maxToKeep
        self.saveIntervalSteps = saveIntervalSteps
        self.keepPeriod = keepPeriod
        self.best = best
        self.async = async
    }
}
