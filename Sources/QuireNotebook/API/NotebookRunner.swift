import Foundation

/// What `quire run` was asked to do.
public struct RunOptions: Sendable {
    public var notebookPath: String
    /// `-P name=value` overrides, in command-line order.
    public var overrides: [(String, String)] = []
    /// The report folder; default `output/<notebook name>`.
    public var outputDirectory: String?
    /// Build the program with `-O` (also when the front matter says `optimize: true`).
    public var release = false
    /// Inline figures into `index.html` as data URLs.
    public var embed = false
    /// Recorded in the report's footer.
    public var quireVersion = ""
    /// Run every cell; read and write no snapshots.
    public var noCache = false
    /// Run the cell with this id and every cell after it, whatever the cache holds.
    public var refresh: String?
    /// Where the cell cache lives (default: `QUIRE_CACHE_DIR`, else `.quire/cache` beside the notebook).
    public var cacheDirectory: String?
    /// The store's size bound (least recently used snapshots go first); default 2 GiB.
    public var maxCacheBytes: Int?
    /// `--seed N`: replaces the front matter's `seed`.
    public var seed: Int?
    /// `--timeout SECONDS`: the timeout of every cell that sets none (`//| timeout:` wins).
    public var defaultTimeout: Double?
    /// With `embed`: the folder that holds the figures while the notebook runs (its `figures/`). Default: a
    /// folder in the engine's cache, removed after the run; a folder given here is left for the caller
    /// (`quire publish` takes each index thumbnail from it).
    public var embedScratch: String?
    /// Lets the caller stop a run in progress (`quire watch`, when a newer edit arrives). When set, the runner
    /// installs no signal handlers: the caller owns Ctrl-C and calls ``RunCancellation/cancel(_:reason:)``.
    public var cancellation: RunCancellation?
    /// Runs the program on several ranks under `mpirun` (`quire run --ranks N`): rank 0 streams events and the
    /// report, the other ranks' output is tagged `[rank r]`. The cell cache is off for such a run (see
    /// ARCHITECTURE.md, "Distributed").
    public var launcher: MPILauncher?
    /// Called as each cell's status changes while the program runs (`quire watch` pushes it to open pages):
    /// `.pending` for the cells queued to run and `.restored`/`.stale` for the others as the program
    /// starts, then `.running` and the cell's final status. Called on the runner's thread.
    public var cellStatus: (@Sendable (_ cellID: String, _ status: CellStatus) -> Void)?

    public init(notebookPath: String) { self.notebookPath = notebookPath }
}

/// Runs one notebook end to end: parse → generate → build → run → render, printing progress to the
/// terminal and rewriting the report after every cell.
///
/// ```swift
/// var options = RunOptions(notebookPath: "notebooks/quickstart.md")
/// options.overrides = [("steps", "50")]
/// let record = try NotebookRunner(engine: try Engine.locate(), options: options).run()
/// exit(record.exitCode)   // 0: every cell ran; 1: a cell failed
/// ```
///
/// Input errors (malformed front matter or options, a bad `-P`) throw before any report is written,
/// so the previous report stays as it was.
public struct NotebookRunner {
    public let engine: Engine
    public let options: RunOptions
    let console: Console

    public init(engine: Engine, options: RunOptions) {
        self.engine = engine
        self.options = options
        self.console = Console()
    }

    public func run() throws(NotebookError) -> RunRecord {
        let notebook = try loadNotebook()   // --seed and --timeout applied
        let params = try ParameterOverrides.apply(options.overrides, to: notebook.frontMatter.params, path: notebook.path)
        for w in notebook.warnings { console.error("\(w.location.map(\.description) ?? notebook.path): warning: \(w.message)") }
        try engine.ensureBuilt { console.note($0) }
        let optimize = options.release || notebook.frontMatter.optimize
        // Absolute: the program runs in the notebook's folder and reads the store's path from the plan.
        let store = SnapshotStore(root: Execution.absolute(options.cacheDirectory ?? SnapshotStore.location(for: notebook.path)))
        let cache = try CacheContext(notebook: notebook, params: params, engine: engine, optimize: optimize,
                                     store: store, enabled: !options.noCache)
        var settings = CachePlan.Settings(noCache: options.noCache, refresh: options.refresh)
        if let refresh = options.refresh, !notebook.cells.contains(where: { $0.id == refresh }) {
            throw NotebookError(.usage, "--refresh \(refresh): the notebook has no cell with that id (cells: \(notebook.cells.map(\.id).joined(separator: ", ")))")
        }

        let folder = try openReportFolder(notebook)   // checked, locked for the run, marked as Quire's
        let scratch = options.embedScratch ?? engine.cacheDirectory + "/embed-\(getpid())"
        let writer = try ReportWriter(templatesDirectory: engine.templatesDirectory, folder: folder,
                                      embed: options.embed, scratch: scratch)
        defer { if options.embed && options.embedScratch == nil { try? FileManager.default.removeItem(atPath: scratch) } }

        var attempt = 0
        while true {
            attempt += 1
            var plan = CachePlan.make(notebook: notebook, parts: cache.parts, store: store, settings: settings)
            var record = RunRecord(notebook: notebook, params: params, results: notebook.cells.map { _ in CellResult() })
            record.quireVersion = options.quireVersion
            record.startedAt = ISO8601DateFormatter().string(from: Date())
            record.swiftVersion = cache.toolchain
            var restoredMetrics: [RunMetrics] = []
            for (i, c) in plan.cells.enumerated() {
                record.results[i].cacheReason = c.reason
                guard case .restore(let stale) = c.action, let snapshot = c.snapshot else { continue }
                record.results[i].status = stale ? .stale : .restored
                record.results[i].outputs = snapshot.outputs
                record.results[i].savedSeconds = snapshot.seconds
                record.results[i].diagnostics = snapshot.diagnostics
                for m in snapshot.metrics {
                    if let k = restoredMetrics.firstIndex(where: { $0.run == m.run }) { restoredMetrics[k] = m } else { restoredMetrics.append(m) }
                }
            }
            record.runMetrics = restoredMetrics
            try? FileManager.default.removeItem(atPath: writer.figuresDirectory)
            try? FileManager.default.createDirectory(atPath: writer.figuresDirectory, withIntermediateDirectories: true)
            for c in plan.cells { if let snapshot = c.snapshot { restoreFigures(snapshot, into: writer.figuresDirectory, store: store) } }

            guard plan.lastRunning != nil else {
                // Every cell comes from the cache: nothing to compile or execute. The results are from when
                // the last of them ran, so that is the run's date (a re-render of unchanged cells is unchanged).
                record.inProgress = false
                if let created = plan.cells.compactMap({ $0.snapshot?.created }).filter({ !$0.isEmpty }).max() { record.startedAt = created }
                let progress = Progress(console: console, cells: notebook.cells)
                progress.restored(plan)
                progress.close(record.results)
                console.note("all \(record.results.count) cells restored from the cache")
                finish(record, plan: plan, cache: cache, writer: writer)
                return record
            }

            if let redeclared = redeclarations(in: notebook) {   // one clear error instead of swiftc's "ambiguous use"
                return try reportCompileFailure(redeclared, record: record, writer: writer)
            }
            let builder = ProgramBuilder(engine: engine, optimize: optimize)
            var build = try builder.build(source: ProgramGenerator.generate(notebook, params: params), notebook: notebook)
            if build.executable == nil {
                // The compiler's messages on the cells as written are the ones to show; and should the
                // cache-aware form fail where the plain one compiles, run the plain one without the cache.
                let plain = try builder.build(source: ProgramGenerator.generate(notebook, params: params, cacheAware: false), notebook: notebook)
                if plain.executable != nil {
                    let first = build.diagnostics.first { $0.severity == .error }.map { "\($0.location.map(\.description) ?? "program"): \($0.message)" }
                        ?? build.log.split(separator: "\n").first { $0.contains("error") }.map(String.init) ?? "no message"
                    console.error("warning: cell cache off for this run: the cache-aware program did not compile (\(first)); every cell runs")
                    plan = CachePlan(cells: plan.cells.map { c in
                        var c = c
                        c.action = .run
                        c.record = false
                        c.snapshot = nil
                        return c
                    })
                    for i in record.results.indices { record.results[i] = CellResult() }
                    record.runMetrics = []
                }
                build = plain
            }
            record.buildSeconds = build.seconds
            record.cachedBinary = build.cached
            record.swiftVersion = build.swiftVersion
            guard let executable = build.executable else {
                console.note(String(format: "program: compilation failed after %.2f s", build.seconds))
                return try reportCompileFailure(build, record: record, writer: writer)
            }
            console.note(build.cached ? "program: cached" : String(format: "program: compiled in %.2f s", build.seconds))
            // Warnings stay with their cells in the report; a fresh build also prints them.
            for d in build.diagnostics where d.severity == .warning {
                guard let i = d.cellIndex else { continue }
                record.results[i].diagnostics.append(d)
                if !build.cached { console.error("\(d.location.map { "\($0):\(d.column ?? 0): " } ?? "")warning: \(d.message)") }
            }

            let planFile = engine.cacheDirectory + "/plan-\(getpid()).json"
            AtomicFile.write(plan.programPlan(store: store), to: planFile)
            defer { unlink(planFile) }
            var environment = ProcessInfo.processInfo.environment
            environment["QUIRE_EVENT_FD"] = String(ChildProcess.childEventFD)
            environment["QUIRE_ACK_FD"] = String(ChildProcess.childAckFD)
            environment["QUIRE_FIGURES_DIR"] = writer.figuresDirectory
            environment["QUIRE_REPORT_DIR"] = writer.directory   // run logs beside the report, also with --embed
            environment["QUIRE_CACHE_PLAN"] = options.noCache ? "" : planFile
            // The crashed thread's frames only, plain text, no prompts: what the crash summary reads.
            environment["SWIFT_BACKTRACE"] = "enable=yes,interactive=no,color=no,threads=crashed,registers=none,images=none,sanitize=no"

            let cells = notebook.cells
            let execution = Execution(cells: cells, notebookPath: notebook.path, results: record.results, runMetrics: record.runMetrics)
            execution.reportDirectory = writer.directory   // long outputs spill to outputs/<cell>.txt
            execution.workingDirectory = notebook.folder      // relative paths in cells are the notebook's
            var live = record
            if let report = options.cellStatus { for (i, result) in record.results.enumerated() { report(cells[i].id, result.status) } }
            execution.cancellation = options.cancellation
            execution.launcher = options.launcher
            // Ctrl-C, SIGTERM, SIGHUP: forwarded to the program, the report says interrupted (unless the caller
            // owns the signals and cancels through options.cancellation).
            if options.cancellation == nil { Interrupts.install() }
            defer { if options.cancellation == nil { Interrupts.uninstall() } }
            try writer.write(live)
            // The live report is rewritten as cells start and end, but the time spent rendering it is kept
            // under a tenth of the run's: rendering after every cell made a many-cell notebook quadratic.
            let runStart = Date()
            var renderSeconds = 0.0
            func writeLive() {
                guard renderSeconds < 0.05 || renderSeconds < 0.1 * Date().timeIntervalSince(runStart) else { return }
                let t0 = Date()
                try? writer.write(live)
                renderSeconds += Date().timeIntervalSince(t0)
            }
            let progress = Progress(console: console, cells: cells)
            progress.restored(plan)
            var pendingRecord: [Int: ([String: Any], String?, Double)] = [:]
            let results = try execution.run(executable: executable, environment: environment, callbacks: .init(
                cellStarted: { i in
                    options.cellStatus?(cells[i].id, .running)
                    progress.started(i)
                    live.results = execution.results   // the report shows which cell is running
                    writeLive()
                },
                printed: { i, text in progress.printed(i, text) },
                cellFinished: { i in
                    options.cellStatus?(cells[i].id, execution.results[i].status)
                    progress.finished(i, execution.results[i])
                    live.results = execution.results
                    live.runMetrics = execution.runMetrics
                    if let (values, unusable, seconds) = pendingRecord.removeValue(forKey: i), plan.cells[i].record {
                        saveSnapshot(i, plan: plan, result: execution.results[i], values: values, unusable: unusable,
                                     recordSeconds: seconds, metrics: execution.cellMetrics[i] ?? [], store: store,
                                     figures: writer.figuresDirectory, notebook: notebook)
                    }
                    writeLive()
                },
                cellRecorded: { i, values, unusable, seconds in pendingRecord[i] = (values, unusable, seconds) }))
            if let failure = execution.restoreFailure, attempt < 4 {
                console.error("warning: the snapshot of cell \(cells[failure.cell].id) cannot be restored (\(failure.message)); running it instead")
                store.remove(plan.cells[failure.cell].key)
                settings.failed.insert(failure.cell)
                continue
            }
            record.results = results
            record.runMetrics = execution.runMetrics
            record.interruption = execution.interruption
            record.inProgress = false
            progress.close(results)
            finish(record, plan: plan, cache: cache, writer: writer)
            return record
        }
    }

    /// Writes the final report, remembers this run's keys and keeps the store within its size.
    private func finish(_ record: RunRecord, plan: CachePlan, cache: CacheContext, writer: ReportWriter) {
        var record = record
        record.inProgress = false
        try? writer.write(record)
        console.note("report: \(writer.directory)/index.html")
        guard cache.enabled else { return }
        for (i, c) in plan.cells.enumerated() where c.action != .run && record.results[i].isDone { cache.store.touch(c.key) }
        cache.store.recordRun(.init(notebook: record.notebook.path, cells: zip(record.notebook.cells, plan.cells).map { cell, c in
            .init(id: cell.id, key: cell.options.cache == .freeze && c.action == .restore(stale: true) ? c.key : c.parts.key, parts: c.parts)
        }))
        cache.fileHashes.save()
        CacheCollector(store: cache.store).collect(maxBytes: options.maxCacheBytes ?? record.notebook.frontMatter.maxCacheBytes ?? CacheCollector.defaultMaxBytes,
                                                   keep: Set(plan.cells.map(\.key)))
    }

    private func restoreFigures(_ snapshot: CellSnapshot, into folder: String, store: SnapshotStore) {
        for (file, hash) in snapshot.figures where SafeName.isPlainFileName(file) {
            _ = store.restoreFigure(hash, to: folder + "/" + file)
        }
    }

    private func saveSnapshot(_ i: Int, plan: CachePlan, result: CellResult, values: [String: Any], unusable: String?,
                              recordSeconds: Double, metrics: [RunMetrics], store: SnapshotStore, figures folder: String,
                              notebook: Notebook) {
        var figures: [String: String] = [:]
        for case .image(let file, _, _, _) in result.outputs {
            guard SafeName.isPlainFileName(file), let hash = store.storeFigure(folder + "/" + file) else { return }
            figures[file] = hash
        }
        let c = plan.cells[i]
        store.save(CellSnapshot(key: c.key, cellID: notebook.cells[i].id, notebook: notebook.path, seconds: result.seconds ?? 0,
                                snapshotSeconds: recordSeconds, unusable: unusable, values: values, outputs: result.outputs,
                                figures: figures, metrics: metrics, parts: c.parts, diagnostics: result.diagnostics))
    }

    private func reportCompileFailure(_ build: ProgramBuilder.Output, record: RunRecord, writer: ReportWriter) throws(NotebookError) -> RunRecord {
        var record = record
        record.inProgress = false
        let errors = build.diagnostics.filter { $0.severity == .error }
        for d in build.diagnostics {
            guard let i = d.cellIndex else { continue }
            record.results[i].diagnostics.append(d)
        }
        for i in record.results.indices {
            let own = record.results[i].diagnostics.filter { $0.severity == .error }
            if own.isEmpty {
                // Restored cells keep their cached results: a typo below them loses nothing.
                if !record.results[i].isDone { record.results[i].status = .notRun }
            } else {
                record.results[i].status = .compileError
                record.results[i].failure = CellFailure(kind: .compile, message: own[0].message,
                                                        details: own.map { "\($0.location.map(\.description) ?? ""):\($0.column ?? 0): \($0.message)" })
            }
        }
        if errors.allSatisfy({ $0.cellIndex == nil }) {
            record.buildLog = String(build.log.suffix(6000))
        }
        for d in build.diagnostics where d.severity != .note {
            let place = d.location.map { "\($0):\(d.column ?? 0): " } ?? ""
            console.error("\(place)\(d.severity.rawValue): \(d.message)")
        }
        if errors.isEmpty { console.error(String(build.log.suffix(4000))) }
        try writer.write(record)
        console.note("report: \(writer.directory)/index.html")
        return record
    }
}

/// Applies `-P name=value` overrides to the front matter's parameters, keeping each one's type.
enum ParameterOverrides {
    static func apply(_ overrides: [(String, String)], to params: [Parameter], path: String) throws(NotebookError) -> [Parameter] {
        var result = params
        for (name, text) in overrides {
            guard let i = result.firstIndex(where: { $0.name == name }) else {
                let known = params.map(\.name).joined(separator: ", ")
                throw NotebookError(.usage, "-P \(name)=\(text): the notebook declares no parameter '\(name)'"
                                    + (known.isEmpty ? " (it has no params)" : " (params: \(known))"))
            }
            guard let value = result[i].value.parsingOverride(text) else {
                throw NotebookError(.usage, "-P \(name)=\(text): '\(name)' is \(result[i].value.swiftType) (declared at \(path):\(result[i].line)), and '\(text)' is not")
            }
            result[i].value = value
        }
        return result
    }
}
