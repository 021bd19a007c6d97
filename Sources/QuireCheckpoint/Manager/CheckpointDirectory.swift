#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The on-disk layout of a checkpoint directory and its commit protocol.
///
/// `DIR/step_00000100/` holds `ITEM.safetensors` per item and `checkpoint.json`. A step is written into
/// `DIR/.tmp_step_00000100.<random>/`, its files and the directory are fsynced, the directory is renamed
/// to its final name and `DIR` is fsynced: a step name is only ever seen complete. Deleting renames the
/// step to a temporary name first, so a crash mid-delete never leaves a torn step listed. Names starting
/// with `.tmp_` are ignored by listing and removed by the next save.
struct CheckpointDirectory {
    let url: URL

    static let stepPrefix = "step_"
    static let temporaryPrefix = ".tmp_"
    static let infoFile = "checkpoint.json"

    static func name(step: Int) -> String {
        let digits = String(step)
        return stepPrefix + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }

    /// The step a directory name denotes (`step_00000100` → 100), or `nil`.
    static func step(named name: String) -> Int? {
        guard name.hasPrefix(stepPrefix) else { return nil }
        let digits = name.dropFirst(stepPrefix.count)
        guard digits.count >= 8, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) else { return nil }
        return Int(digits)
    }

    func stepURL(_ step: Int) -> URL { url.appendingPathComponent(Self.name(step: step)) }

    /// Committed steps, ascending: directories named `step_…` (with their `checkpoint.json`).
    func steps() throws -> [Int] {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: url.path) } catch {
            throw CheckpointError.unreadable(url.path, "cannot list the checkpoint directory: \(error.localizedDescription)")
        }
        return names.compactMap { name in
            guard let s = Self.step(named: name) else { return nil }
            let info = url.appendingPathComponent(name).appendingPathComponent(Self.infoFile).path
            return FileManager.default.fileExists(atPath: info) ? s : nil
        }.sorted()
    }

    /// Removes what a crashed save or delete left behind.
    func removeTemporaries() {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: url.path) else { return }
        for name in names where name.hasPrefix(Self.temporaryPrefix) {
            try? FileManager.default.removeItem(at: url.appendingPathComponent(name))
        }
    }

    /// A fresh temporary directory for writing `step`.
    func makeTemporary(for step: Int) throws -> URL {
        let tmp = url.appendingPathComponent("\(Self.temporaryPrefix)\(Self.name(step: step)).\(UUID().uuidString.prefix(8))")
        do { try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: false) } catch {
            throw CheckpointIOError(path: tmp.path, operation: "create directory", reason: error.localizedDescription)
        }
        return tmp
    }

    /// Makes the fully written and fsynced `temporary` directory the step's directory, durably.
    func commit(_ temporary: URL, step: Int) throws {
        try RawFile.syncDirectory(temporary.path)
        let final = stepURL(step)
        guard rename(temporary.path, final.path) == 0 else {
            let code = errno
            try? FileManager.default.removeItem(at: temporary)
            throw CheckpointIOError(path: final.path, operation: "rename into place", errno: code)
        }
        try RawFile.syncDirectory(url.path)
    }

    /// Deletes a step: first renamed away (one atomic step), then removed.
    func delete(_ step: Int) throws {
        let doomed = url.appendingPathComponent("\(Self.temporaryPrefix)deleted_\(Self.name(step: step)).\(UUID().uuidString.prefix(8))")
        guard rename(stepURL(step).path, doomed.path) == 0 else {
            throw CheckpointIOError(path: stepURL(step).path, operation: "rename for deletion", errno: errno)
        }
        try RawFile.syncDirectory(url.path)
        try? FileManager.default.removeItem(at: doomed)
    }
}
