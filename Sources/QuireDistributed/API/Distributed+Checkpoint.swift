import QuireCheckpoint

/// The world as a ``CheckpointGroup``: `CheckpointManager.save(step:replicated:perRank:group:)` commits one
/// step for all ranks with it.
public struct MPICheckpointGroup: CheckpointGroup {
    public var rank: Int { Distributed.rank }
    public var size: Int { Distributed.worldSize }
    public func barrier() throws { try Distributed.barrier() }
}

extension Distributed {
    /// The world, for cross-rank checkpoints.
    ///
    /// ```swift
    /// try manager.save(step: step, replicated: ["model": model], perRank: ["data": batches],
    ///                  group: Distributed.checkpointGroup)
    /// ```
    public static var checkpointGroup: MPICheckpointGroup { MPICheckpointGroup() }
}
