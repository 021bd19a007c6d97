#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The hooks a generated notebook program calls around its cells. Not meant for notebook code.
///
/// The runner generates, for each cell:
///
/// ```swift
/// _NotebookRuntime.beginCell(0, "setup")
/// // the cell's code, framed by #sourceLocation
/// _NotebookRuntime.endCell(0)
/// ```
public enum _NotebookRuntime {
    nonisolated(unsafe) private static var cellStart = 0.0

    /// Line-buffers stdout (so a trap loses no printed line) and opens the event channel.
    public static func start() {
        setvbuf(stdout, nil, _IOLBF, 0)
        EventChannel.open()
        CellCache.loadPlan()
        EventChannel.send("start", [("pid", .int(Int(getpid())))])
    }

    /// Marks the start of cell `index` (0-based) named `id`.
    public static func beginCell(_ index: Int, _ id: String) {
        EventChannel.currentCell = index
        EventChannel.currentCellID = id
        EventChannel.figureCount = 0
        cellStart = EventChannel.now()
        let restoring = CellCache.mode(index) == .restore
        if !restoring { CellCache.flushPendingLoads() }
        EventChannel.send("cell-start", [("id", .string(id)), ("restore", .bool(restoring))])
    }

    /// Marks the end of cell `index`, with its wall time. `mentions` are the earlier top-level names the
    /// cell's code uses: with the engine objects, what the cache checks for changes.
    public static func endCell(_ index: Int, _ mentions: [String] = []) {
        if CellCache.mode(index) == .restore {
            CellCache.restoreAfter(index)
            EventChannel.send("cell-restored", [("seconds", .double(EventChannel.now() - cellStart))])
        } else {
            NotebookRuns.reportChanges()
            let seconds = EventChannel.now() - cellStart - CellCache.recordSeconds   // the cell's own time
            var fields: [(String, EventJSON)] = [("seconds", .double(seconds))]
            if CellCache.isRecording(index) {
                let recordStart = EventChannel.now()
                let (entries, unusable) = CellCache.recordAfter(index, mentions: mentions)
                fields.append(("values", .object(entries)))
                if let unusable { fields.append(("unusable", .string(unusable))) }
                fields.append(("snapshotSeconds", .double(EventChannel.now() - recordStart + CellCache.recordSeconds)))
                CellCache.recordSeconds = 0
            }
            EventChannel.send("cell-end", fields)
        }
        if index >= CellCache.stopAfter { finish(); exit(0) }
    }

    /// Reports an error a cell with `//| error: true` threw; the program goes on with the next cell.
    public static func caught(_ error: any Error) {
        EventChannel.send("error", [("message", .string(String(describing: error))),
                                    ("type", .string(String(reflecting: type(of: error))))])
    }

    /// Displays the value of a cell's trailing expression (nothing for `Void`).
    public static func show<T>(_ value: () throws -> T) rethrows {
        let v = try value()
        if T.self == Void.self { return }
        display(v)
    }

    /// Marks the end of the program.
    public static func finish() {
        EventChannel.send("done")
    }
}
