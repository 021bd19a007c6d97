extension RunLog {
    /// A run log for a notebook: its files go into `runs/<name>` beside the report (or under the current
    /// folder when the program runs by hand), and its last value of every metric is shown in the report's
    /// summary, updated after each cell.
    ///
    /// ```swift
    /// let run = try RunLog(named: "digits")
    /// try run.log(["loss": 0.3], step: 1)      // → <report>/runs/digits/metrics.jsonl, .csv, events.out.tfevents.*
    /// ```
    public convenience init(named name: String) throws(MetricsError) {
        guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else {
            throw MetricsError("run log: name \"\(name)\" must be a plain folder name")
        }
        try self.init(directory: NotebookRuns.directory(for: name))
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
        guard EventChannel.isConnected else { return "runs/" + name }
        var parent = EventChannel.figuresDirectory
        if let slash = parent.lastIndex(of: "/") { parent = String(parent[..<slash]) } else { parent = "." }
        return parent + "/runs/" + name
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
