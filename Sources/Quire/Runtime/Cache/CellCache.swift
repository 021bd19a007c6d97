#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import Foundation
import QuireTensor

/// The notebook program's half of the cell cache. The runner hands it a plan (`QUIRE_CACHE_PLAN`, a JSON
/// file): per cell, `run` (execute and, with `snapshot`, record what changed) or `restore` (skip the
/// cell's statements and load its recorded values), plus `stopAfter`, the last cell worth reaching.
/// Without a plan every cell runs and nothing is recorded.
///
/// Values are known by their top-level names. `let`/`var` bindings register through
/// `_NotebookRuntime.value` and `track`; after a cell, the values it names and every registered
/// engine object (which can change through another reference, as a model does through its optimizer)
/// are recorded when their content hash changed. Restoring loads engine objects in place, so every
/// reference to them stays valid, and reassigns values.
enum CellCache {
    struct Tracked {
        /// A class instance: it can change without the cell naming it.
        var isObject: Bool
        /// nil: neither Codable, a tensor nor Checkpointable.
        var snapshot: (() throws -> SnapshotEntry)?
        var restore: (([String: Any]) throws -> Void)?
        var typeName: String
    }

    enum Mode: String { case run, restore }

    nonisolated(unsafe) static var planned = false
    nonisolated(unsafe) static var modes: [Mode] = []
    nonisolated(unsafe) static var snapshotting: [Bool] = []
    nonisolated(unsafe) static var restoreValues: [[String: [String: Any]]] = []
    nonisolated(unsafe) static var stopAfter = Int.max
    nonisolated(unsafe) static var store = BlobStore(root: ".")

    nonisolated(unsafe) static var tracked: [String: Tracked] = [:]
    nonisolated(unsafe) static var trackOrder: [String] = []
    /// The hash each value had when it was last recorded or restored.
    nonisolated(unsafe) static var lastHash: [String: String] = [:]
    /// What the running cell recorded so far (bindings), by name.
    nonisolated(unsafe) static var delta: [String: SnapshotEntry] = [:]
    /// Names read by initializers of by-value bindings in the running cell (see `_NotebookRuntime.bound`).
    nonisolated(unsafe) static var extraUses: Set<String> = []
    /// Seconds the running cell spent recording bindings so far (reported with the cell's end).
    nonisolated(unsafe) static var recordSeconds = 0.0
    /// Object states restored but not yet loaded: loading waits until code runs that could read them.
    nonisolated(unsafe) static var pendingLoads: [(name: String, entry: [String: Any])] = []

    static func loadPlan() {
        guard let path = getenv("QUIRE_CACHE_PLAN").map({ String(cString: $0) }), !path.isEmpty else { return }
        guard let data = FileManager.default.contents(atPath: path),
              let plan = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let cells = plan["cells"] as? [[String: Any]], let root = plan["store"] as? String else {
            fail(-1, "the cache plan \(path) cannot be read")
        }
        planned = true
        store = BlobStore(root: root)
        stopAfter = (plan["stopAfter"] as? Int) ?? Int.max
        for cell in cells {
            modes.append(Mode(rawValue: cell["mode"] as? String ?? "run") ?? .run)
            snapshotting.append(cell["snapshot"] as? Bool ?? false)
            restoreValues.append(cell["values"] as? [String: [String: Any]] ?? [:])
        }
    }

    static func mode(_ cell: Int) -> Mode { planned && cell < modes.count ? modes[cell] : .run }
    static func isRecording(_ cell: Int) -> Bool { planned && cell < snapshotting.count && snapshotting[cell] && mode(cell) == .run }

    /// Tells the runner that a snapshot cannot be used, and stops: the runner runs the cell instead.
    static func fail(_ cell: Int, _ message: String) -> Never {
        EventChannel.send("restore-failed", [("message", .string(message))])
        exit(75)
    }

    /// The recorded entry of `name` for the cell being restored.
    static func restoredEntry(_ cell: Int, _ name: String) -> [String: Any]? {
        cell < restoreValues.count ? restoreValues[cell][name] : nil
    }

    static func register(_ name: String, _ item: Tracked) {
        if tracked[name] == nil { trackOrder.append(name) }
        tracked[name] = item
    }

    /// Loads restored object states before code that might read them runs.
    static func flushPendingLoads() {
        let loads = pendingLoads
        pendingLoads = []
        for (name, entry) in loads {
            guard let item = tracked[name], let restore = item.restore else { continue }
            do { try restore(entry) } catch { fail(EventChannel.currentCell, "restoring '\(name)': \(error)") }
        }
    }

    /// After a restored cell: reassign the values it changed; queue its objects' states.
    static func restoreAfter(_ cell: Int) {
        for (name, entry) in restoreValues[cell] {
            guard let item = tracked[name] else { continue }   // a binding that was restored by `value`
            lastHash[name] = SnapshotReader.hash(entry)
            if item.isObject {
                pendingLoads.removeAll { $0.name == name }
                pendingLoads.append((name, entry))
            } else if let restore = item.restore {
                do { try restore(entry) } catch { fail(cell, "restoring '\(name)': \(error)") }
            }
        }
    }

    /// After a cell that ran: the entries of what changed, and why the snapshot cannot be used, if so.
    static func recordAfter(_ cell: Int, mentions: [String]) -> (entries: [(String, EventJSON)], unusable: String?) {
        var entries = delta
        delta = [:]
        var unusable: String?
        let named = Set(mentions).union(extraUses)
        extraUses = []
        for name in trackOrder {
            guard let item = tracked[name], item.isObject || named.contains(name) else { continue }
            guard let snapshot = item.snapshot else {
                if named.contains(name) && (item.isObject || item.restore == nil) {
                    unusable = unusable ?? "it uses '\(name)' (\(item.typeName)), which is neither Codable, a Tensor nor Checkpointable"
                }
                continue
            }
            do {
                let entry = try snapshot()
                if lastHash[name] != entry.hash { entries[name] = entry }
                lastHash[name] = entry.hash
            } catch {
                unusable = unusable ?? "recording '\(name)' failed: \(error)"
            }
        }
        for (name, entry) in entries { lastHash[name] = entry.hash }
        return (entries.keys.sorted().map { ($0, entries[$0]!.json) }, unusable)
    }
}
