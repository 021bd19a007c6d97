import Dispatch
import Foundation
import QuireTensor
import Synchronization

/// Saves training state in step directories and restores it (Orbax's `CheckpointManager`).
///
/// Each save writes one safetensors file per item plus `checkpoint.json`, committed atomically (see
/// ``CheckpointDirectory``). Saving is asynchronous by default: `save` snapshots the tensors
/// (copy-on-write, no copying) and returns; a background thread writes them. At most one save is in
/// flight: the next `save` first waits for it, so memory stays bounded. Old steps are deleted by the
/// options' retention rules, the best step never.
///
/// ```swift
/// let manager = try CheckpointManager(directory: URL(fileURLWithPath: "runs/ckpt"),
///                                     options: CheckpointOptions(maxToKeep: 3, saveIntervalSteps: 100))
/// for step in 1...1000 {
///     // … train …
///     try manager.save(step: step, items: ["model": model, "opt": optimizer], metrics: ["loss": loss])
/// }
/// try manager.wait()
/// let restored = try manager.restore(.latest)
/// try restored.load("model", into: model)
/// ```
public final class CheckpointManager: @unchecked Sendable {
    /// The checkpoint directory.
    public let directory: URL
    public let options: CheckpointOptions
    /// Receives warnings (a skipped corrupt step); prints to standard error by default.
    public var warningHandler: @Sendable (String) -> Void = { message in
        FileHandle.standardError.write(Data("warning: \(message)\n".utf8))
    }

    let layout: CheckpointDirectory
    private let queue = DispatchQueue(label: "quire.checkpoint.save")
    private let inFlight = DispatchGroup()
    private let failure = Mutex<String?>(nil)
    /// `checkpoint.json` of committed steps, read once (only the saving thread adds or removes entries).
    private let infos = Mutex<[Int: CheckpointInfo]>([:])

    /// Opens (creating when needed) a checkpoint directory.
    public init(directory: URL, options: CheckpointOptions = CheckpointOptions()) throws {
        self.directory = directory
        self.options = options
        layout = CheckpointDirectory(url: directory)
        do { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) } catch {
            throw CheckpointIOError(path: directory.path, operation: "create directory", reason: error.localizedDescription)
        }
    }

    deinit { inFlight.wait() }

    // MARK: - Listing

    /// Every committed step, ascending (a step being written is not listed until it is complete).
    public var allSteps: [Int] { get throws { try layout.steps() } }

    /// The newest committed step.
    public var latestStep: Int? { get throws { try allSteps.last } }

    /// The committed step with the best value of the options' metric (the newest among ties).
    public var bestStep: Int? {
        get throws {
            guard let best = options.best else { return nil }
            return try rankedByMetric(best, steps: allSteps).first
        }
    }

    /// The directory of a step (`DIR/step_00000100`), whether or not it exists.
    public func stepDirectory(_ step: Int) -> URL { layout.stepURL(step) }

    /// The `checkpoint.json` of a step, without reading any tensor.
    public func info(step: Int) throws -> CheckpointInfo {
        if let cached = infos.withLock({ $0[step] }) { return cached }
        let info = try CheckpointInfo.read(layout.stepURL(step).appendingPathComponent(CheckpointDirectory.infoFile))
        infos.withLock { $0[step] = info }
        return info
    }

    /// Steps with the metric, best first (ties: newer first).
    func rankedByMetric(_ best: CheckpointOptions.Best, steps: [Int]) throws -> [Int] {
        let scored = try steps.compactMap { s in try info(step: s).metrics[best.metric].map { (s, $0) } }
            .filter { !$0.1.isNaN }
        return scored.sorted { a, b in
            if a.1 != b.1 { return best.mode == .min ? a.1 < b.1 : a.1 > b.1 }
            return a.0 > b.0
        }.map(\.0)
    }

    // MARK: - Saving

    /// Saves the items' states as `step` when it is a multiple of `saveIntervalSteps` (or `force`);
    /// returns whether a save was made. Throws the error of a previous asynchronous save, if any.
    @discardableResult
    public func save(step: Int, items: [String: any Checkpointable], metrics: [String: Double] = [:],
                     force: Bool = false) throws -> Bool {
        guard force || step % options.saveIntervalSteps == 0 else { return false }
        try wait()   // at most one save in flight, before snapshotting another
        let states = try items.mapValues { try $0.checkpointState() }
        return try save(step: step, states: states, metrics: metrics, force: true)
    }

    /// Saves ready-made states (see ``save(step:items:metrics:force:)``).
    @discardableResult
    public func save(step: Int, states: [String: CheckpointState], metrics: [String: Double] = [:],
                     force: Bool = false) throws -> Bool {
        guard force || step % options.saveIntervalSteps == 0 else { return false }
        try wait()
        try checkSavable(step: step, names: states.keys)
        let wallTime = Date().timeIntervalSince1970
        let work: @Sendable () throws -> Void = { [self] in try write(step: step, states: states, metrics: metrics, wallTime: wallTime) }
        guard options.async else {
            try work()
            return true
        }
        inFlight.enter()
        queue.async { [self] in
            defer { inFlight.leave() }
            do { try work() } catch { failure.withLock { $0 = "\(error)" } }
        }
        return true
    }

    /// Waits for the save in flight; throws if it failed.
    public func wait() throws {
        inFlight.wait()
        if let message = failure.withLock({ f -> String? in defer { f = nil }; return f }) {
            throw CheckpointError.invalidSave("asynchronous save failed: \(message)")
        }
    }

    /// Throws unless `step` is new and non-negative and every item name is valid.
    func checkSavable(step: Int, names: some Sequence<String>) throws {
        guard step >= 0 else { throw CheckpointError.invalidSave("\(directory.path): step \(step) is negative") }
        for name in names where !Self.isValidItemName(name) {
            throw CheckpointError.invalidSave("\(directory.path): item name \"\(name)\" must be letters, digits, '_', '-' or '.', not starting with '.'")
        }
        if try allSteps.contains(step) {
            throw CheckpointError.invalidSave("\(layout.stepURL(step).path) already exists: step \(step) was saved before")
        }
    }

    static func isValidItemName(_ name: String) -> Bool {
        !name.isEmpty && !name.hasPrefix(".") && name != "checkpoint"
            && name.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "_-.".unicodeScalars.contains($0)) }
    }

    private func write(step: Int, states: [String: CheckpointState], metrics: [String: Double], wallTime: Double) throws {
        layout.removeTemporaries()
        let tmp = try layout.makeTemporary(for: step)
        try commit(tmp, step: step, items: try writeItems(states, into: tmp), metrics: metrics, wallTime: wallTime)
    }

    /// Writes and fsyncs one safetensors file per item into `directory`; returns their entries for `checkpoint.json`.
    func writeItems(_ states: [String: CheckpointState], into directory: URL) throws -> [String: CheckpointInfo.Item] {
        var items: [String: CheckpointInfo.Item] = [:]
        for (name, state) in states.sorted(by: { $0.key < $1.key }) {
            let file = "\(name).safetensors"
            let url = directory.appendingPathComponent(file)
            let sha = try Safetensors.write(state.tensors, to: url, sync: true)
            let bytes = try RawFile.openForReading(url.path).size
            items[name] = CheckpointInfo.Item(file: file, sha256: sha, bytes: bytes, tensors: state.tensors.count,
                                              metadata: state.metadata)
        }
        return items
    }

    /// Writes `checkpoint.json` into the written temporary directory, renames it into place, and applies retention.
    func commit(_ tmp: URL, step: Int, items: [String: CheckpointInfo.Item], metrics: [String: Double], wallTime: Double) throws {
        let info = CheckpointInfo(step: step, wallTime: wallTime, metrics: metrics, items: items)
        let infoURL = tmp.appendingPathComponent(CheckpointDirectory.infoFile)
        try writeSynced(try info.encoded(), to: infoURL)
        try layout.commit(tmp, step: step)
        infos.withLock { $0[step] = info }
        try applyRetention()
    }

    /// Writes `data` to a new file and fsyncs it.
    func writeSynced(_ data: Data, to url: URL) throws {
        let file = try RawFile.create(url.path)
        try data.withUnsafeBytes { try file.write($0, at: 0) }
        try file.sync()
    }

    /// Deletes the steps the options do not keep: beyond the `maxToKeep` newest, except `keepPeriod`
    /// multiples and the best step.
    private func applyRetention() throws {
        guard let maxToKeep = options.maxToKeep else { return }
        let steps = try layout.steps()
        var keep = Set(steps.suffix(maxToKeep))
        if let period = options.keepPeriod { keep.formUnion(steps.filter { $0 % period == 0 }) }
        if let best = options.best, let top = try rankedByMetric(best, steps: steps).first { keep.insert(top) }
        for s in steps where !keep.contains(s) {
            try layout.delete(s)
            infos.withLock { _ = $0.removeValue(forKey: s) }
        }
    }
}
