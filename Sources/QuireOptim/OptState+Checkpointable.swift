import QuireTensor

extension OptState: Checkpointable {
    /// The buffers as tensors and the scalars (step counts, the schedule's position and last learning
    /// rate) as metadata `"scalars"`, so a restored state continues exactly where it stopped.
    ///
    /// ```swift
    /// var restored = tx.initialize(params: params)
    /// try restored.load(state.checkpointState())
    /// ```
    public func checkpointState() throws -> CheckpointState {
        var s = CheckpointState(tensors: tensors)
        try s.setMetadata("scalars", to: scalars)
        return s
    }

    /// Replaces the state with `state` through `load(_ saved: OptState)`: the same paths, shapes and scalar
    /// names are required, and nothing changes when they differ.
    public mutating func load(_ state: CheckpointState) throws {
        let scalars: [String: Double] = try state.metadata("scalars")
        try load(OptState(tensors: state.tensors, scalars: scalars))
    }
}
