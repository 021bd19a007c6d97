import Foundation

extension RunLog {
    /// A run log for a notebook: its files go into `runs/<name>` beside the report (or under the current
    /// folder when the program runs by hand), and its last value of every metric is shown in the report's
    /// summary, updated after each cell.
    ///
    /// ```swift
    /// let run = try RunLog(named: "digits")
    /// try run.log(["loss": 0.3], step: 1)      // → <report>/runs/digits/metrics.jsonl, .csv, events.out.tfevents.*
    /// ```
    ///
    /// A re-run replaces the files: the TensorBoard event file an earlier `RunLog(named:)` wrote in the
    /// folder is removed (only files it listed in the folder's `.quire-events`), so TensorBoard shows one run.
    public convenience init(named name: String) throws(MetricsError) {
        guard NotebookRuns.isPlainName(name) else {
            throw MetricsError("run log: name \"\(name)\" must be a plain folder name")
        }
        let directory = NotebookRuns.directory(for: name)
        NotebookRuns.removeEarlierEventFiles(in: directory)
        try self.init(directory: directory)
        NotebookRuns.rememberEventFile(eventFilePath, in: directory)
        NotebookRuns.register(self, name: name)
    }
}

/// The run logs a notebook made with `RunLog(named:)`; after each cell the runtime reports the final metrics
/// of those that logged something new.
enum NotebookRuns {
    final class Entry {
        weak var run: RunLog?
        let name: String
        var reportedRecords = 0
        init(_ run: RunLog, _ name: String) { self.run = run; self.name = name }
    }

    nonisolated(unsafe) static var entries: [Entry] = []

    static func directory(for name: String) -> String {
        (reportDirectory.map { $0 + "/" } ?? "") + "runs/" + name
    }

    /// The report folder of a notebook run (`QUIRE_REPORT_DIR`, else the figures folder's parent);
    /// nil when the program runs by hand (files then go under the current folder). Ranks other than 0 of
    /// `quire run --ranks` have no event channel but the same report folder (their shared checkpoints live there).
    static var reportDirectory: String? {
        if let report = EventChannel.reportDirectory { return report }
        guard EventChannel.isConnected else { return nil }
        let figures = EventChannel.figuresDirectory
        if let slash = figures.lastIndex(of: "/") { return String(figures[..<slash]) }
        return "."
    }

    static func isPlainName(_ name: String) -> Bool {
        !name.isEmpty && !name.contains("/") && name != "." && name != ".." && !name.contains("\0")
    }

    /// The list of event files `RunLog(named:)` wrote in a run folder.
    static let eventListName = ".quire-events"

    static func removeEarlierEventFiles(in directory: String) {
        guard let list = try? String(contentsOfFile: directory + "/" + eventListName, encoding: .utf8) else { return }
        for file in list.split(separator: "\n") where file.hasPrefix("events.out.tfevents.") && !file.contains("/") {
            unlink(directory + "/" + file)
        }
    }

    static func rememberEventFile(_ path: String?, in directory: String) {
        guard let path, let slash = path.lastIndex(of: "/") else { return }
        try? (String(path[path.index(after: slash)...]) + "\n").write(toFile: directory + "/" + eventListName, atomically: true, encoding: .utf8)
    }

    static func register(_ run: RunLog, name: String) {
        entries.removeAll { $0.name == name || $0.run == nil }
        entries.append(Entry(run, name))
    }

    /// Sends a `metrics` event for each run with new records: `{"run": name, "values": [[metric, value], …]}`.
    static func reportChanges() {
        for entry in entries {
            guard let run = entry.run, run.records.count != entry.reportedRecords else { continue }
            entry.reportedRecords = run.records.count
            let values = run.finalValues.map { EventJSON.array([.string($0.name), .double($0.value)]) }
            if EventChannel.isConnected {
                EventChannel.send("metrics", [("run", .string(entry.name)), ("values", .array(values))])
            }
        }
    }
}
