import ArgumentParser
import Foundation
import QuireNotebook
import QuireServe

/// `quire watch NOTEBOOK.md`: runs the notebook, serves its report on a local port, and runs it again on
/// every save, with open pages reloading after each report write.
struct Watch: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a notebook on every save and serve its live report.",
        discussion: """
            Runs the notebook once (the cell cache applies), serves the report folder at \
            http://127.0.0.1:PORT/ and watches the notebook and the files its cells declare with //| deps:. \
            A burst of saves is one run; a prose edit executes nothing; a code edit runs from the first \
            changed cell; a run still going when a newer edit arrives is stopped. Pages reload by themselves \
            after each report write. Ctrl-C stops the run and the server and exits 0.
            """)

    @Argument(help: "The notebook (a Markdown file with ```swift cells).") var notebook: String
    @Option(name: [.customShort("P"), .customLong("param")], help: ArgumentHelp("Override a front-matter parameter.", valueName: "name=value"))
    var params: [String] = []
    @Option(help: ArgumentHelp("The report folder (default: output/<notebook name>).", valueName: "dir")) var out: String?
    @Option(help: ArgumentHelp("The port to serve on (0 picks a free one).", valueName: "n")) var port: Int = 8000
    @Option(help: ArgumentHelp("The address to listen on (default 127.0.0.1: this machine only).", valueName: "address"))
    var host: String = "127.0.0.1"
    @Flag(help: "Open the report in a browser (xdg-open).") var open = false
    @Flag(help: "Build the notebook program with -O.") var release = false
    @Option(help: ArgumentHelp("The cell cache folder (default: $QUIRE_CACHE_DIR, else .quire/cache beside the notebook).", valueName: "dir"))
    var cacheDir: String?

    /// A burst of saves closer together than this is one run.
    static let debounce = 0.15

    func validate() throws {
        for p in params where !p.contains("=") { throw ValidationError("-P expects name=value, got '\(p)'") }
        guard (0...65535).contains(port) else { throw ValidationError("--port expects 0…65535, got \(port)") }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: notebook, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw ValidationError("\(notebook): no such notebook file")
        }
    }

    func run() throws {
        let name = ((notebook as NSString).lastPathComponent as NSString).deletingPathExtension
        let reportFolder = out ?? "output/" + name
        var base = RunOptions(notebookPath: notebook)
        base.overrides = parameterOverrides(params)
        base.outputDirectory = reportFolder
        base.release = release
        base.quireVersion = QuireVersion.string
        base.cacheDirectory = cacheDir
        let engine: Engine
        do throws(NotebookError) { engine = try Engine.locate() } catch {
            WatchOutput.error("\(error)")
            throw ExitCode(2)
        }
        do {
            try FileManager.default.createDirectory(atPath: reportFolder, withIntermediateDirectories: true)
        } catch {
            WatchOutput.error("quire: cannot create the report folder \(reportFolder): \(error.localizedDescription)")
            throw ExitCode(2)
        }

        let watcher = try FileWatcher()
        WatchSignals.install(wake: watcher.wakeDescriptor)
        let server = ReportServer(root: reportFolder, host: host, port: port)
        let boundPort: Int
        do { boundPort = try server.start() } catch {
            WatchOutput.error("quire: \(error)")
            throw ExitCode(2)
        }
        let shownHost = host.contains(":") ? "[\(host)]" : host
        let url = "http://\(shownHost):\(boundPort)/"
        WatchOutput.out("quire: serving \(reportFolder) at \(url) (Ctrl-C stops)\n")
        if open { openBrowser(url) }

        let notebookFolder = (notebook as NSString).deletingLastPathComponent.isEmpty ? "." : (notebook as NSString).deletingLastPathComponent
        let notebookName = (notebook as NSString).lastPathComponent
        try watcher.watch(folder: notebookFolder)
        try watcher.watch(folder: reportFolder)
        let deps = Dependencies(notebookFolder: notebookFolder)
        deps.update(notebook: notebook, watcher: watcher)

        let runs = RunLoopThread(engine: engine, base: base, server: server) {
            // After each run: the files its cells declare may have changed.
            deps.update(notebook: notebook, watcher: watcher)
        }
        runs.request()

        var due: Date?
        var changed: [String] = []
        while WatchSignals.received == 0 {
            let changes = watcher.wait(timeout: due.map { max(0, $0.timeIntervalSinceNow) })
            var relevant = false
            for change in changes {
                if change.folder == reportFolder {
                    if change.name == "index.html" { server.reportChanged() }
                } else if change.folder == notebookFolder && change.name == notebookName || deps.matches(change) {
                    relevant = true
                    if !changed.contains(change.name) { changed.append(change.name) }
                }
            }
            if relevant { due = Date().addingTimeInterval(Self.debounce) }
            if let d = due, d.timeIntervalSinceNow <= 0 {
                due = nil
                WatchOutput.out("quire: \(changed.joined(separator: ", ")) changed; running it again\n")
                changed = []
                runs.request()
            }
        }
        let signal = WatchSignals.received
        WatchOutput.out("\nquire: stopping (\(signal == SIGINT ? "Ctrl-C" : "signal \(signal)"))\n")
        runs.stop(signal: signal)
        server.stop()
        WatchOutput.out("quire: stopped\n")
    }

    private func openBrowser(_ url: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["xdg-open", url]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        if (try? process.run()) == nil { WatchOutput.error("quire: cannot open a browser (xdg-open); open \(url)") }
    }
}

/// Runs the notebook on its own thread, one run at a time; a request while a run is going stops that run
/// (``RunCancellation``) and starts another once it has written its report.
final class RunLoopThread: @unchecked Sendable {
    private let condition = NSCondition()
    private var pending = false
    private var stopping = false
    private var current: RunCancellation?
    private let finished = DispatchSemaphore(value: 0)

    init(engine: Engine, base: RunOptions, server: ReportServer, afterRun: @escaping @Sendable () -> Void) {
        let thread = Thread { [self] in
            while true {
                condition.lock()
                while !pending && !stopping { condition.wait() }
                if stopping { condition.unlock(); break }
                pending = false
                let cancellation = RunCancellation()
                current = cancellation
                condition.unlock()

                var options = base
                options.cancellation = cancellation
                options.cellStatus = { id, status in server.send(event: "cell", data: WatchEvents.cell(id: id, status: status)) }
                do throws(NotebookError) {
                    let record = try NotebookRunner(engine: engine, options: options).run()
                    server.setNotice(nil)
                    let failed = record.results.filter { $0.failure != nil }.count
                    WatchOutput.out(cancellation.isCancelled ? "quire: run stopped\n"
                                    : failed == 0 ? "quire: run finished; watching for changes\n"
                                    : "quire: run finished with \(failed) failed cell\(failed == 1 ? "" : "s"); watching for changes\n")
                } catch {
                    // Input errors leave no report of their own: the page shows them until the next save.
                    WatchOutput.error("\(error)")
                    server.setNotice("quire watch: \(error)")
                }
                condition.lock()
                current = nil
                condition.unlock()
                afterRun()
            }
            finished.signal()
        }
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Runs the notebook again as soon as possible (stopping the run in progress).
    func request() {
        condition.lock()
        pending = true
        current?.cancel(SIGTERM, reason: "stopped: the notebook changed while this cell ran")
        condition.signal()
        condition.unlock()
    }

    /// Stops the run in progress (its program gets `signal`) and waits for the thread to end.
    func stop(signal: Int32) {
        condition.lock()
        stopping = true
        current?.cancel(signal, reason: "stopped: quire watch ended")
        condition.signal()
        condition.unlock()
        finished.wait()
    }
}

/// The files the notebook's cells declare with `//| deps:` (relative to its folder; globs in the last part).
/// Updated by the run thread after each run, read by the watch loop.
final class Dependencies: @unchecked Sendable {
    let notebookFolder: String
    private let lock = NSLock()
    /// Folder → name patterns in it.
    private var patterns: [String: [String]] = [:]

    init(notebookFolder: String) { self.notebookFolder = notebookFolder }

    func update(notebook: String, watcher: FileWatcher) {
        guard let parsed = try? NotebookParser.parse(contentsOf: notebook) else { return }
        lock.lock()
        defer { lock.unlock() }
        for cell in parsed.cells {
            for dep in cell.options.deps {
                let full = dep.hasPrefix("/") ? dep : notebookFolder + "/" + dep
                let folder = (full as NSString).deletingLastPathComponent
                let name = (full as NSString).lastPathComponent
                guard !folder.contains(where: { "*?[".contains($0) }) else { continue }   // globbed folders: not followed
                if patterns[folder] == nil {
                    guard (try? watcher.watch(folder: folder)) != nil else { continue }
                    patterns[folder] = []
                }
                if !patterns[folder]!.contains(name) { patterns[folder]!.append(name) }
            }
        }
    }

    func matches(_ change: FileWatcher.Change) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard let names = patterns[change.folder] else { return false }
        return names.contains { fnmatch($0, change.name, 0) == 0 }
    }
}

/// Ctrl-C, SIGTERM and SIGHUP while watching: recorded, and the watch loop woken to shut down cleanly.
enum WatchSignals {
    nonisolated(unsafe) static var received: Int32 = 0
    nonisolated(unsafe) static var wakeFD: Int32 = -1

    static func install(wake fd: Int32) {
        wakeFD = fd
        for s in [SIGINT, SIGTERM, SIGHUP] {
            signal(s) { s in
                if WatchSignals.received == 0 { WatchSignals.received = s }
                var byte: UInt8 = 1
                _ = write(WatchSignals.wakeFD, &byte, 1)
            }
        }
        signal(SIGPIPE, SIG_IGN)
    }
}

/// Unbuffered writes, so the watch's lines and the runner's progress interleave in order.
enum WatchOutput {
    static func out(_ text: String) { write(1, text) }
    static func error(_ text: String) { write(2, text + "\n") }

    private static func write(_ fd: Int32, _ text: String) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue } else { return } }
            bytes = bytes.dropFirst(n)
        }
    }
}

/// The JSON of the events `quire watch` pushes besides report reloads.
enum WatchEvents {
    /// `{"id":"train","status":"running","label":"running"}`: what the page's script shows on the cell.
    static func cell(id: String, status: CellStatus) -> String {
        // As the report's badge says it, but live: a cell waiting to run is queued, a finished one done.
        let label = status == .pending ? "queued" : (status == .succeeded ? "done" : status.label)
        let object = ["id": id, "status": status.rawValue, "label": label]
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
