import Foundation

extension CheckpointManager {
    /// A checkpoint folder for a notebook: `checkpoints/<name>` beside the report, as `RunLog(named:)` puts
    /// its files in `runs/<name>` (under the current folder when the program runs by hand).
    ///
    /// ```swift
    /// let checkpoints = try CheckpointManager(named: "cnn", options: CheckpointOptions(maxToKeep: 2))
    /// try checkpoints.save(step: 1, items: ["model": model])   // → <report>/checkpoints/cnn/step_00000001/
    /// ```
    public convenience init(named name: String, options: CheckpointOptions = CheckpointOptions()) throws {
        guard NotebookRuns.isPlainName(name) else {
            throw CheckpointNameError(name: name)
        }
        let parent = NotebookRuns.reportDirectory.map { $0 + "/" } ?? ""
        try self.init(directory: URL(fileURLWithPath: parent + "checkpoints/" + name), options: options)
    }

    /// Opens (creating when needed) the checkpoint folder at `path`; a relative path is resolved against
    /// the current folder (in a notebook: the notebook's own folder, where `quire run` runs its program).
    public convenience init(directory path: String, options: CheckpointOptions = CheckpointOptions()) throws {
        try self.init(directory: URL(fileURLWithPath: path), options: options)
    }
}

/// A name `CheckpointManager(named:)` cannot use as a folder name (empty, `.`, `..`, or with a `/`).
public struct CheckpointNameError: Error, CustomStringConvertible, Sendable {
    public let name: String
    public var description: String { "checkpoints: name \"\(name)\" must be a plain folder name" }
}
