import QuireTensor

extension Module: Checkpointable {
    /// Every box (parameters, buffers, frozen) by path; copy-on-write, so later training leaves the
    /// snapshot as it was.
    ///
    /// ```swift
    /// let snapshot = try model.checkpointState()
    /// try model.load(snapshot)   // same object, values restored
    /// ```
    public func checkpointState() throws -> CheckpointState {
        CheckpointState(tensors: state(.all))
    }

    /// Replaces every box's value with the tensor at its path, in place (references to the module and its
    /// boxes stay valid). Missing, unexpected and mis-shaped or mis-typed paths are all reported in one
    /// ``ModuleError`` and nothing changes.
    public func load(_ state: CheckpointState) throws {
        try load(state.tensors, filter: .all)
    }
}
