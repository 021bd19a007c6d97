import Foundation

/// Runs a compiled notebook program and turns its pipes into cell results, calling back as cells
/// start, print and finish so the terminal and the report stay live.
final class Execution {
    struct Callbacks {
        var cellStarted: (Int) -> Void
        /// Text the running cell printed (stdout or stderr).
        var printed: (Int, String) -> Void
        var cellFinished: (Int) -> Void
        /// A cell that ran has ended and sent what it changed (`values`, `unusable`, seconds spent recording).
        var cellRecorded: (Int, [String: Any], String?, Double) -> Void = { _, _, _, _ in }
    }

    private(set) var results: [CellResult]
    /// The latest `metrics` event of each run log.
    private(set) var runMetrics: [RunMetrics] = []
    private let cells: [Cell]
    private let notebookPath: String
    private var current = -1
    private var currentStart = Date()
    private var stderrSinceCellStart = ""
    /// The report folder: a cell's output past ``OutputSpill/limit`` goes to a file in it (nil: kept whole).
    var reportDirectory: String?
    private var spills: [Int: OutputSpill] = [:]
    /// UTF-8 sequences split between two pipe reads are completed before they are decoded.
    private var stdoutText = UTF8Chunks()
    private var stderrText = UTF8Chunks()
    private var events = EventStream()
    private var finished = false
    /// Metrics events received while each cell ran (stored with its snapshot).
    private(set) var cellMetrics: [Int: [RunMetrics]] = [:]
    /// A snapshot the program could not restore: the cell and why. The runner then runs that cell.
    private(set) var restoreFailure: (cell: Int, message: String)?
    /// The signal (SIGINT, SIGTERM, SIGHUP) that interrupted the run, forwarded to the program (``Interrupts``).
    private(set) var interruption: Int32?
    /// The program's descendants when the signal came: killed with its group.
    private var interruptedProcesses: [pid_t] = []
    /// The caller's way to stop the run (``RunOptions/cancellation``): handled as a signal would be.
    var cancellation: RunCancellation?
    /// Runs the program on several ranks under `mpirun` (`quire run --ranks`); rank 0 sends the events.
    var launcher: MPILauncher?

    init(cells: [Cell], notebookPath: String, results: [CellResult], runMetrics: [RunMetrics] = []) {
        self.cells = cells
        self.notebookPath = notebookPath
        self.results = results
        self.runMetrics = runMetrics
    }

    /// The folder the program runs in: the notebook's, so a cell's relative paths are the notebook's.
    /// The folders the runner hands the program are made absolute for it.
    var workingDirectory: String?

    static let pathVariables = ["QUIRE_FIGURES_DIR", "QUIRE_REPORT_DIR", "QUIRE_CACHE_PLAN"]

    func run(executable: String, environment: [String: String], callbacks: Callbacks) throws(NotebookError) -> [CellResult] {
        var environment = environment
        if workingDirectory != nil {
            for key in Self.pathVariables { if let path = environment[key], !path.isEmpty { environment[key] = Self.absolute(path) } }
        }
        var command = (executable: executable, arguments: [String]())
        var fifos: (events: String, acks: String)?
        if let launcher {
            let scratch = try RankChannel.make()
            fifos = (scratch + "/events", scratch + "/acks")
            environment["QUIRE_EVENT_FIFO"] = fifos!.events
            environment["QUIRE_ACK_FIFO"] = fifos!.acks
            environment["QUIRE_RANK_SCRATCH"] = scratch
            environment = launcher.environment(environment)
            command = launcher.command([executable])
        }
        defer { if let fifos { try? FileManager.default.removeItem(atPath: (fifos.events as NSString).deletingLastPathComponent) } }
        let child = try ChildProcess.spawn(command.executable, arguments: command.arguments, environment: environment,
                                           directory: workingDirectory.map(Self.absolute), fifos: fifos)
        var timedOut: Double?
        var killAt: Date?
        while child.isOpen {
            var wait: Int32 = 1000
            let received = cancellation?.signal ?? Interrupts.received
            if interruption == nil, received != 0 {
                // Ctrl-C and friends reach quire only (the program has its own group): pass them on.
                interruption = received
                interruptedProcesses = child.descendants()
                child.signal(received)
                for p in interruptedProcesses { kill(p, received) }
                killAt = Date().addingTimeInterval(Interrupts.grace)
            }
            if let deadline = killAt {
                let left = deadline.timeIntervalSinceNow
                if left <= 0 || Interrupts.count > 1 || (cancellation?.count ?? 0) > 1 {
                    child.kill(others: interruptedProcesses + child.descendants())
                    break
                }
                wait = Int32(min(1000, max(1, left * 1000)))
            }
            if current >= 0, let limit = cells[current].options.timeout {
                let left = limit - Date().timeIntervalSince(currentStart)
                if left <= 0 {
                    child.kill()
                    timedOut = limit
                    break
                }
                wait = Int32(min(1000, max(1, left * 1000)))
            }
            // Checked before reading: once the program has exited, everything it wrote is in the pipes, and
            // what a process it left running in the background writes later is not waited for.
            let exited = child.hasExited
            child.poll(milliseconds: exited ? 0 : wait, also: cancellation?.readFD ?? Interrupts.readFD)
            if let cancellation { cancellation.drain() } else { Interrupts.drain() }
            drainOutput(child, callbacks)
            if let bytes = child.readEvents() {
                for event in events.feed(bytes) {
                    // The child waits for our acknowledgement, so what it printed before this event is
                    // all in the pipe now, and nothing it printed after.
                    drainOutput(child, callbacks)
                    handle(event, callbacks)
                    child.acknowledge()
                }
            }
            if exited { break }
        }
        drainOutput(child, callbacks, atEnd: true)
        for i in spills.keys.sorted() { finishSpill(i) }
        // Whatever the interrupted program started and left behind goes too (group and descendants).
        if interruption != nil { child.kill(others: interruptedProcesses) }
        let termination = child.wait()
        if let signal = interruption, !finished {
            markInterrupted(by: signal)
        } else if let limit = timedOut, current >= 0 {
            fail(current, CellFailure(kind: .timeout, message: "still running after \(Self.seconds(limit)), so it was stopped (//| timeout)", details: []),
                 status: .timedOut)
        } else if restoreFailure != nil {
            // The runner plans again and runs the cell whose snapshot failed.
        } else if !finished {
            let index = current >= 0 && results[current].status == .running ? current : max(current, 0)
            if index < results.count {
                var (message, frames) = CrashReport.summarize(stderr: stderrSinceCellStart, termination: termination,
                                                              notebookPath: notebookPath)
                if launcher != nil {
                    let rank = MPILauncher.failedRank(in: stderrSinceCellStart).map { "rank \($0)" } ?? "a rank"
                    message = "\(rank) failed: \(message)"
                }
                fail(index, CellFailure(kind: .crash, message: message, details: frames), status: .failed)
            }
        }
        for i in results.indices where results[i].status == .pending { results[i].status = .notRun }
        return results
    }

    /// The running cell, else the first one that had not started, is marked interrupted.
    private func markInterrupted(by signal: Int32) {
        guard let index = results.firstIndex(where: { $0.status == .running }) ?? results.firstIndex(where: { $0.status == .pending }) else {
            return
        }
        let message = cancellation?.reason ?? "interrupted by \(Interrupts.name(signal))"
        fail(index, CellFailure(kind: .interrupted, message: message, details: []), status: .interrupted)
        if index != current { results[index].seconds = nil }   // it never started
    }

    private func fail(_ index: Int, _ failure: CellFailure, status: CellStatus) {
        results[index].status = status
        results[index].failure = failure
        results[index].seconds = Date().timeIntervalSince(currentStart)
    }

    private func drainOutput(_ child: ChildProcess, _ callbacks: Callbacks, atEnd: Bool = false) {
        let out = child.readStdout()
        var text = stdoutText.decode(out ?? [])
        if atEnd || (out == nil && !child.isStdoutOpen) { text += stdoutText.flush() }
        if !text.isEmpty {
            keep(text, stderr: false)
            callbacks.printed(current, text)
        }
        let err = child.readStderr()
        var errText = stderrText.decode(err ?? [])
        if atEnd || (err == nil && !child.isStderrOpen) { errText += stderrText.flush() }
        if !errText.isEmpty {
            let text = errText
            stderrSinceCellStart += text
            // A crash's report is summarized as the failure, not kept as output or echoed.
            guard !CrashReport.looksLikeCrash(stderrSinceCellStart) else { return }
            keep(text, stderr: true)
            callbacks.printed(current, text)
        }
    }

    /// Adds printed text to the current cell's outputs, or to its spill file once it printed too much.
    private func keep(_ text: String, stderr: Bool) {
        guard current >= 0 else { return }
        if let folder = reportDirectory {
            let spill = spills[current] ?? OutputSpill(cellID: cells[current].id, folder: folder)
            spills[current] = spill
            let cell = current
            let printed = spill.take(text) {
                self.results[cell].outputs.map { output -> String in
                    switch output {
                    case .stdout(let t), .stderr(let t): t
                    default: ""
                    }
                }.joined()
            }
            guard printed else { return }
        }
        if stderr { results[current].appendStderr(text) } else { results[current].appendStdout(text) }
    }

    /// Closes cell `i`'s spill file, if it has one, and shows the note and the kept tail.
    private func finishSpill(_ i: Int) {
        guard let spill = spills.removeValue(forKey: i), let shown = spill.finish() else { return }
        results[i].outputs += shown
    }

    private func handle(_ event: EventStream.Event, _ callbacks: Callbacks) {
        let i = event.cell
        switch event.kind {
        case "cell-start" where results.indices.contains(i):
            current = i
            currentStart = Date()
            stderrSinceCellStart = ""
            if event.fields["restore"] as? Bool == true { break }   // its status and outputs come from the cache
            results[i].status = .running
            callbacks.cellStarted(i)
        case "cell-restored" where results.indices.contains(i):
            results[i].seconds = event.double("seconds")
        case "cell-end" where results.indices.contains(i):
            finishSpill(i)
            results[i].status = .succeeded
            results[i].seconds = event.double("seconds") ?? Date().timeIntervalSince(currentStart)
            if let values = event.fields["values"] as? [String: Any] {
                callbacks.cellRecorded(i, values, event.string("unusable"), event.double("snapshotSeconds") ?? 0)
            }
            callbacks.cellFinished(i)
        case "restore-failed":
            restoreFailure = (max(current, 0), event.string("message") ?? "unknown")
            finished = true
        case "cache-warning" where results.indices.contains(i):
            // Shown on the cell, at the binding's line, like a compiler warning.
            let cell = cells[i]
            let offset = event.string("name").flatMap { CellAnalysis(code: cell.code).bindingLine($0, in: cell.code) }
            let location = SourceLocation(file: notebookPath, line: cell.codeLine + (offset ?? 0))
            results[i].diagnostics.append(Diagnostic(severity: .warning, message: event.string("message") ?? "", location: location,
                                                     column: nil, cellIndex: i))
        case "display" where results.indices.contains(i):
            let text = event.string("text") ?? ""
            results[i].outputs.append(.display(text: text, label: event.string("label")))
            callbacks.printed(i, text.hasSuffix("\n") ? text : text + "\n")
        case "table" where results.indices.contains(i):
            let rows = (event.fields["rows"] as? [[String]]) ?? []
            results[i].outputs.append(.table(header: event.strings("header"), rows: rows))
            callbacks.printed(i, "[table: \(rows.count) rows]\n")
        case "markdown" where results.indices.contains(i):
            results[i].outputs.append(.markdown(event.string("text") ?? ""))
            callbacks.printed(i, (event.string("text") ?? "") + "\n")
        case "image" where results.indices.contains(i):
            // The name becomes a path under figures/ (and is read back for --embed): one plain name only.
            let file = event.string("file") ?? ""
            guard SafeName.isPlainFileName(file) else {
                results[i].outputs.append(.error("an image event named the file \"\(file)\", which is not a plain file name; it was ignored"))
                break
            }
            results[i].outputs.append(.image(file: file, width: event.int("width") ?? 0,
                                             height: event.int("height") ?? 0, caption: event.string("caption")))
            callbacks.printed(i, "[image \(file)]\n")
        case "error" where results.indices.contains(i):
            results[i].outputs.append(.error(event.string("message") ?? "error"))
            callbacks.printed(i, "error: \(event.string("message") ?? "error")\n")
        case "metrics":
            guard let run = event.string("run"), let pairs = event.fields["values"] as? [[Any]] else { break }
            let values = pairs.compactMap { pair -> (name: String, value: Double)? in
                guard pair.count == 2, let name = pair[0] as? String else { return nil }
                return (name, (pair[1] as? NSNumber)?.doubleValue ?? .nan)   // null: not finite
            }
            let metrics = RunMetrics(run: run, values: values)
            if current >= 0 { cellMetrics[current, default: []].append(metrics) }
            if let k = runMetrics.firstIndex(where: { $0.run == run }) { runMetrics[k] = metrics } else { runMetrics.append(metrics) }
        case "done":
            finished = true
        default:
            break
        }
    }

    /// `path` against the runner's working folder.
    static func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }

    static func seconds(_ s: Double) -> String {
        s == s.rounded() ? "\(Int(s)) s" : String(format: "%.2g s", s)
    }
}
