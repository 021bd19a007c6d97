import Foundation
import QuireTensor

/// The processes of a data-parallel run, as the checkpoint manager needs them: a rank, a size and a
/// barrier. `QuireDistributed` provides the MPI one (`Distributed.checkpointGroup`); this module does not
/// depend on MPI.
public protocol CheckpointGroup: Sendable {
    /// This process, `0..<size`.
    var rank: Int { get }
    /// The number of processes.
    var size: Int { get }
    /// Returns once every process has called it; throws if the group is broken.
    func barrier() throws
}

extension CheckpointManager {
    /// Saves one step written by every process of `group`, committed once for all of them. Rank 0 writes
    /// the `replicated` items (the same on every rank: model, optimizer); every rank writes its own
    /// `perRank` items (its data iterator) as `NAME.rank<r>`. All ranks must call it with the same step.
    ///
    /// The commit is atomic across ranks: rank 0 makes the temporary directory, all ranks write into it
    /// and fsync, all reach a barrier, and only then does rank 0 write `checkpoint.json` and rename the
    /// directory into place; a last barrier makes the step visible to all before anyone goes on. A rank
    /// that dies mid-save never reaches the barrier, so the previous step stays the latest. The save is
    /// synchronous (the barriers run on the caller's thread). The directory must be shared by all ranks.
    ///
    /// ```swift
    /// try manager.save(step: step, replicated: ["model": model, "opt": optimizer], perRank: ["data": batches],
    ///                  group: Distributed.checkpointGroup)
    /// ```
    @discardableResult
    public func save(step: Int, replicated: [String: any Checkpointable], perRank: [String: any Checkpointable],
                     metrics: [String: Double] = [:], group: any CheckpointGroup, force: Bool = false) throws -> Bool {
        guard force || step % options.saveIntervalSteps == 0 else { return false }
        try wait()
        var states: [String: CheckpointState] = [:]
        for (name, item) in perRank { states[Self.rankItemName(name, rank: group.rank)] = try item.checkpointState() }
        if group.rank == 0 { for (name, item) in replicated { states[name] = try item.checkpointState() } }
        try checkSavable(step: step, names: Array(replicated.keys) + states.keys)
        let wallTime = Date().timeIntervalSince1970
        let tmp = layout.url.appendingPathComponent("\(CheckpointDirectory.temporaryPrefix)\(CheckpointDirectory.name(step: step)).ranks")
        if group.rank == 0 {
            layout.removeTemporaries()
            do { try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: false) } catch {
                throw CheckpointIOError(path: tmp.path, operation: "create directory", reason: error.localizedDescription)
            }
        }
        try group.barrier()
        let items = try writeItems(states, into: tmp)
        if group.rank != 0 {
            try writeSynced(try JSONValue.encoder.encode(items), to: tmp.appendingPathComponent(Self.sidecarName(group.rank)))
        }
        try group.barrier()
        if group.rank == 0 {
            var all = items
            for r in 1..<max(group.size, 1) {
                let url = tmp.appendingPathComponent(Self.sidecarName(r))
                let data = Data(try InputFile.readAll(url.path, limit: 64 << 20))
                for (name, item) in try JSONValue.decoder.decode([String: CheckpointInfo.Item].self, from: data) { all[name] = item }
                try FileManager.default.removeItem(at: url)
            }
            try commit(tmp, step: step, items: all, metrics: metrics, wallTime: wallTime)
        }
        try group.barrier()
        return true
    }

    static func rankItemName(_ name: String, rank: Int) -> String { "\(name).rank\(rank)" }
    static func sidecarName(_ rank: Int) -> String { ".rank\(rank).items.json" }
}

extension RestoredCheckpoint {
    /// Loads this rank's `perRank` item `name` (saved by ``CheckpointManager/save(step:replicated:perRank:metrics:group:force:)``)
    /// into `target`. A checkpoint written by a different number of ranks is refused: per-rank state (a data
    /// position within a shard) has no meaning for another world size.
    ///
    /// ```swift
    /// try restored.load(perRank: "data", into: batches, group: Distributed.checkpointGroup)
    /// ```
    public func load<T: Checkpointable & AnyObject>(perRank name: String, into target: T, group: any CheckpointGroup) throws {
        let prefix = name + ".rank"
        let saved = info.items.keys.compactMap { $0.hasPrefix(prefix) ? Int($0.dropFirst(prefix.count)) : nil }.sorted()
        guard !saved.isEmpty else {
            throw CheckpointError.notFound("step \(step) has no per-rank item \"\(name)\" (items: \(info.items.keys.sorted().joined(separator: ", ")))")
        }
        guard saved == Array(0..<group.size) else {
            throw CheckpointError.notFound("step \(step) was saved by \(saved.count) ranks (\(saved.map { prefix + String($0) }.joined(separator: ", "))); "
                + "this run has \(group.size): per-rank state \"\(name)\" cannot be restored on a different world size "
                + "(restore the replicated items alone and start the data afresh, or run with \(saved.count) ranks)")
        }
        try load(CheckpointManager.rankItemName(name, rank: group.rank), into: target)
    }
}
