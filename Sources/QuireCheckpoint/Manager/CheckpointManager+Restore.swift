import Foundation
import QuireTensor

/// Which step to restore.
public enum CheckpointSelection: Sendable, Equatable {
    /// The newest step that loads; a corrupt one is skipped with a warning for the one before it.
    case latest
    /// Exactly this step (an error if it is missing or corrupt).
    case step(Int)
    /// The step with the best metric that loads (needs ``CheckpointOptions/best``).
    case best
}

/// The states read from one step, by item.
public struct RestoredCheckpoint: Sendable {
    public let step: Int
    public let info: CheckpointInfo
    /// The item states that were requested.
    public let states: [String: CheckpointState]

    /// Loads item `name` into `target` in place (same object: references to it stay valid).
    ///
    /// ```swift
    /// try restored.load("model", into: model)
    /// try restored.load("rng", into: &key)
    /// ```
    public func load<T: Checkpointable>(_ name: String, into target: inout T) throws {
        guard let state = states[name] else {
            throw CheckpointError.notFound("step \(step) has no restored item \"\(name)\" (items: \(states.keys.sorted().joined(separator: ", ")))")
        }
        try target.load(state)
    }

    /// ``load(_:into:)`` for a reference type (a module, an optimizer).
    public func load<T: Checkpointable & AnyObject>(_ name: String, into target: T) throws {
        var t = target
        try load(name, into: &t)
    }
}

extension CheckpointManager {
    /// Reads a step's items.
    ///
    /// - Parameters:
    ///   - selection: latest (default), a given step, or the best by the options' metric.
    ///   - items: the items to read (`nil`: all).
    ///   - paths: when given, only tensors whose path starts with one of these prefixes are read.
    ///   - dtype: when given, floating-point tensors are converted to it (f32 ↔ bf16/f16/f64).
    ///
    /// Every file read is checked against its SHA-256 in `checkpoint.json`. For `.latest` and `.best` a
    /// step that fails is named in a warning and the next candidate is tried.
    ///
    /// ```swift
    /// let r = try manager.restore(.best, items: ["model"], paths: ["encoder."], dtype: .bfloat16)
    /// ```
    public func restore(_ selection: CheckpointSelection = .latest, items: Set<String>? = nil,
                        paths: [String]? = nil, dtype: DType? = nil) throws -> RestoredCheckpoint {
        let candidates: [Int]
        switch selection {
        case .step(let s):
            return try read(step: s, items: items, paths: paths, dtype: dtype)
        case .latest:
            candidates = try allSteps.reversed()
            guard !candidates.isEmpty else { throw CheckpointError.notFound("\(directory.path): no checkpoint steps") }
        case .best:
            guard let best = options.best else {
                throw CheckpointError.notFound("\(directory.path): restoring the best step needs CheckpointOptions.best")
            }
            candidates = try rankedByMetric(best, steps: allSteps)
            guard !candidates.isEmpty else {
                throw CheckpointError.notFound("\(directory.path): no step has the metric \"\(best.metric)\"")
            }
        }
        var failures: [String] = []
        for s in candidates {
            do { return try read(step: s, items: items, paths: paths, dtype: dtype) } catch {
                failures.append("step \(s): \(error)")
                warningHandler("skipping checkpoint step \(s): \(error)")
            }
        }
        throw CheckpointError.noLoadableStep(failures)
    }

    private func read(step: Int, items: Set<String>?, paths: [String]?, dtype: DType?) throws -> RestoredCheckpoint {
        let stepURL = layout.stepURL(step)
        guard FileManager.default.fileExists(atPath: stepURL.appendingPathComponent(CheckpointDirectory.infoFile).path) else {
            throw CheckpointError.notFound("\(stepURL.path): no such checkpoint step (steps: \((try? allSteps) ?? []))")
        }
        let info = try self.info(step: step)
        if let items {
            for name in items.sorted() where info.items[name] == nil {
                throw CheckpointError.notFound("\(stepURL.path): no item \"\(name)\" (items: \(info.items.keys.sorted().joined(separator: ", ")))")
            }
        }
        var states: [String: CheckpointState] = [:]
        for (name, item) in info.items where items?.contains(name) ?? true {
            let fileURL = stepURL.appendingPathComponent(item.file)
            let file = try info.openItem(name, in: stepURL)
            let include: (String) -> Bool = { path in paths.map { $0.contains(where: { path.hasPrefix($0) }) } ?? true }
            var (tensors, sha) = try file.tensorsAndChecksum(where: include)
            guard sha == item.sha256 else {
                throw CheckpointError.checksumMismatch(file: fileURL.path, expected: item.sha256, actual: sha)
            }
            if let dtype, dtype.isFloatingPoint {
                tensors = tensors.mapValues { $0.dtype.isFloatingPoint && $0.dtype != dtype ? $0.cast(to: dtype) : $0 }
            }
            states[name] = CheckpointState(tensors: tensors, metadata: item.metadata)
        }
        return RestoredCheckpoint(step: step, info: info, states: states)
    }
}
