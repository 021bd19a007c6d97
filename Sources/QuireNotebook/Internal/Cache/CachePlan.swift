import Foundation

/// What the runner will do with each cell, and why: restore it from its snapshot, or run it.
struct CachePlan {
    enum Action: Equatable {
        /// Load the snapshot; `stale` when a frozen cell's key no longer matches.
        case restore(stale: Bool)
        case run
    }

    struct Cell {
        var action: Action
        /// In words, for the terminal, the report and `quire status`.
        var reason: String
        var key: String
        var parts: KeyParts
        var snapshot: CellSnapshot?
        /// Record a snapshot when the cell runs.
        var record: Bool
        /// Which key parts changed since the notebook's last run ("source", "param lr", …).
        var changed: [String]
    }

    var cells: [Cell]

    /// The last cell that runs; nil when every cell is restored (the program need not start).
    var lastRunning: Int? { cells.lastIndex { $0.action == .run } }

    struct Settings {
        var noCache = false
        /// Run this cell (by id) and everything after it.
        var refresh: String?
        /// Cells whose snapshots failed to restore in this run: they run.
        var failed: Set<Int> = []
    }

    static func make(notebook: Notebook, parts: [KeyParts], store: SnapshotStore, settings: Settings) -> CachePlan {
        let last = store.lastRun(notebook: notebook.path)
        var refreshing = false
        var cells: [Cell] = []
        for (cell, p) in zip(notebook.cells, parts) {
            let key = p.key
            let previous = last?.cells.first { $0.id == cell.id } ?? last.flatMap { $0.cells.indices.contains(cell.index) ? $0.cells[cell.index] : nil }
            var changed = previous.map { p.differences(from: $0.parts) } ?? ["new cell"]
            if previous?.key == key { changed = [] }
            if settings.refresh == cell.id { refreshing = true }
            let record = !settings.noCache && cell.options.cache != .off
            func run(_ why: String) -> Cell {
                Cell(action: .run, reason: why, key: key, parts: p, snapshot: nil, record: record, changed: changed)
            }
            if settings.noCache { cells.append(run("--no-cache")); continue }
            if refreshing { cells.append(run("--refresh \(settings.refresh!)")); continue }
            if cell.options.cache == .off { cells.append(run("cache: false")); continue }
            let analysis = CellAnalysis(code: cell.code)
            if let why = analysis.verbatimReason, !cell.options.error {
                cells.append(run("not cacheable: \(why)"))
                continue
            }
            if settings.failed.contains(cell.index) { cells.append(run("its snapshot could not be restored")); continue }
            if let snapshot = store.load(key) {
                if let unusable = snapshot.unusable {
                    cells.append(run("runs again: \(unusable)"))
                } else {
                    cells.append(Cell(action: .restore(stale: false), reason: "unchanged", key: key, parts: p,
                                      snapshot: snapshot, record: false, changed: []))
                }
                continue
            }
            if cell.options.cache == .freeze, let previous, let snapshot = store.load(previous.key), snapshot.unusable == nil {
                cells.append(Cell(action: .restore(stale: true), reason: "frozen (changed: \(changed.joined(separator: ", ")))",
                                  key: previous.key, parts: previous.parts, snapshot: snapshot, record: false, changed: changed))
                continue
            }
            let why = previous == nil ? "never ran" : (changed.isEmpty ? "no snapshot" : "changed: " + changed.joined(separator: ", "))
            cells.append(run(why))
        }
        return CachePlan(cells: cells)
    }

    /// The plan file the program reads (`QUIRE_CACHE_PLAN`).
    func programPlan(store: SnapshotStore) -> Data {
        let objects: [[String: Any]] = cells.map { c in
            switch c.action {
            case .run: ["mode": "run", "snapshot": c.record]
            case .restore: ["mode": "restore", "values": c.snapshot?.values ?? [:]]
            }
        }
        let plan: [String: Any] = ["store": store.root, "stopAfter": lastRunning ?? -1, "cells": objects]
        return (try? JSONSerialization.data(withJSONObject: plan)) ?? Data()
    }
}
