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
        let notebook = try NotebookParser.parse(contentsOf: options.notebookPath)
        let params = try ParameterOverrides.apply(options.overrides, to: notebook.frontMatter.params, path: notebook.path)
        try engine.ensureBuilt { console.note($0) }

        let directory = options.outputDirectory ?? "output/\(notebook.name)"
        let scratch = engine.cacheDirectory + "/embed-\(getpid())"
        let writer = try ReportWriter(templatesDirectory: engine.templatesDirectory, directory: directory,
                                      embed: options.embed, scratch: scratch)
        defer { if options.embed { try? FileManager.default.removeItem(atPath: scratch) } }

        var record = RunRecord(notebook: notebook, params: params, results: notebook.cells.map { _ in CellResult() })
        record.quireVersion = options.quireVersion
        record.startedAt = ISO8601DateFormatter().string(from: Date())

        let source = ProgramGenerator.generate(notebook, params: params)
        let builder = ProgramBuilder(engine: engine, optimize: options.release || notebook.frontMatter.optimize)
        let build = try builder.build(source: source, notebook: notebook)
        record.buildSeconds = build.seconds
        record.cachedBinary = build.cached
        record.swiftVersion = build.swiftVersion
        console.note(build.cached ? "program: cached" : String(format: "program: compiled in %.2f s", build.seconds))

        guard let executable = build.executable else {
            return try reportCompileFailure(build, record: record, writer: writer)
        }
        // Warnings stay with their cells in the report; a fresh build also prints them.
        for d in build.diagnostics where d.severity == .warning {
            guard let i = d.cellIndex else { continue }
            record.results[i].diagnostics.append(d)
            if !build.cached { console.error("\(d.location.map { "\($0):\(d.column ?? 0): " } ?? "")warning: \(d.message)") }
        }
        try? FileManager.default.removeItem(atPath: writer.figuresDirectory)
        try? FileManager.default.createDirectory(atPath: writer.figuresDirectory, withIntermediateDirectories: true)

        var environment = ProcessInfo.processInfo.environment
        environment["QUIRE_EVENT_FD"] = String(ChildProcess.childEventFD)
        environment["QUIRE_ACK_FD"] = String(ChildProcess.childAckFD)
        environment["QUIRE_FIGURES_DIR"] = writer.figuresDirectory
        // The crashed thread's frames only, plain text, no prompts: what the crash summary reads.
        environment["SWIFT_BACKTRACE"] = "enable=yes,interactive=no,color=no,threads=crashed,registers=none,images=none,sanitize=no"

        let cells = notebook.cells
        let execution = Execution(cells: cells, notebookPath: notebook.path, results: record.results)
        var live = record
        try writer.write(live)
        let progress = Progress(console: console, cells: cells)
        let results = try execution.run(executable: executable, environment: environment, callbacks: .init(
            cellStarted: { i in
                progress.started(i)
                live.results = execution.results   // the report shows which cell is running
                try? writer.write(live)
            },
            printed: { i, text in progress.printed(i, text) },
            cellFinished: { i in
                progress.finished(i, execution.results[i])
                live.results = execution.results
                live.runMetrics = execution.runMetrics
                try? writer.write(live)
            }))
        record.results = results
        record.runMetrics = execution.runMetrics
        record.inProgress = false
        progress.close(results)
        try writer.write(record)
        console.note("report: \(directory)/index.html")
        return record
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
                record.results[i].status = .notRun
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
