import QuireTensor

/// A progress bar is `Checkpointable`, so a checkpoint or the notebook cell cache can bring a training
/// loop's display back with the rest of its state: the step reached, whether it finished, and the latest
/// metrics. Timing starts afresh.
///
/// ```swift
/// let saved = try progress.checkpointState()
/// try progress.load(saved)
/// ```
extension ProgressBar: Checkpointable {
    public func checkpointState() throws -> CheckpointState {
        var state = CheckpointState()
        try state.setMetadata("step", to: currentStep)
        try state.setMetadata("finished", to: isFinished)
        try state.setMetadata("metricNames", to: latestMetrics.map(\.0))
        try state.setMetadata("metricValues", to: latestMetrics.map(\.1))
        return state
    }

    public func load(_ state: CheckpointState) throws {
        let names: [String] = try state.metadata("metricNames")
        let values: [Double] = try state.metadata("metricValues")
        guard names.count == values.count else {
            throw CheckpointStateError("progress bar: \(names.count) metric names but \(values.count) values")
        }
        restore(step: try state.metadata("step"), finished: try state.metadata("finished"), metrics: Array(zip(names, values)))
    }
}
