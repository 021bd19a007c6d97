import QuireOptim
import QuireTensor

extension Optimizer: Checkpointable {
    /// The transformation's state (buffers, step count, schedule position); the model is checkpointed
    /// as its own item.
    ///
    /// ```swift
    /// try manager.save(step: optimizer.step, items: ["model": model, "opt": optimizer])
    /// ```
    public func checkpointState() throws -> CheckpointState {
        try state.checkpointState()
    }

    /// Restores the optimizer's state in place; it must fit the optimizer's parameters exactly, and
    /// nothing changes when it does not.
    public func load(_ state: CheckpointState) throws {
        var s = self.state
        try s.load(state)
        self.state = s
    }
}
