import Foundation

/// What `quire publish` was asked to do.
public struct PublishOptions: Sendable {
    /// Notebook files, and folders whose `*.md` files (but `README.md`) are notebooks.
    public var inputs: [String]
    /// The site folder.
    public var outputDirectory: String
    /// `-P name=value`: applied to every notebook that declares `name` (at least one must).
    public var overrides: [(String, String)] = []
    /// Each report one self-contained file.
    public var embed = false
    /// Publish a failed notebook marked as failed instead of stopping.
    public var allowFailed = false
    public var release = false
    public var noCache = false
    public var cacheDirectory: String?
    public var quireVersion = ""

    public init(inputs: [String], outputDirectory: String) {
        self.inputs = inputs
        self.outputDirectory = outputDirectory
    }
}

/// Why a published notebook failed: the first cell that did not finish, with its line in the notebook.
public struct PublishFailure: Sendable {
    public var cellID: String?
    public var line: Int?
    public var message: String

    /// "failed at cell `train` (line 52): Fatal error: …" in one line.
    public var summary: String {
        guard let cellID else { return "failed: " + message }
        return "failed at cell \(cellID)" + (line.map { " (line \($0))" } ?? "") + (message.isEmpty ? "" : ": " + message)
    }

    init?(_ record: RunRecord) {
        guard record.exitCode != 0 else { return nil }
        let failed: [CellStatus] = [.failed, .timedOut, .compileError, .interrupted]
        if let cell = record.notebook.cells.first(where: { failed.contains(record.results[$0.index].status) })
            ?? record.notebook.cells.first(where: { !record.results[$0.index].isDone }) {
            let result = record.results[cell.index]
            cellID = cell.id
            let crashLine = CrashLines.lines(of: result.failure, notebookPath: record.notebook.path).min()
            let errorLine = result.diagnostics.first { $0.severity == .error }?.location?.line
            line = errorLine ?? crashLine ?? cell.lines.lowerBound
            let text = result.failure?.message ?? result.status.rawValue
            message = String((text.split(separator: "\n").first.map(String.init) ?? text).prefix(200))
        } else {
            cellID = nil
            line = nil
            message = record.buildLog.map { String($0.split(separator: "\n").first ?? "the program did not compile") } ?? "the run did not finish"
        }
    }
}

/// One notebook as published: its run and where its pieces are in the site (paths relative to the site).
public struct PublishedNotebook: Sendable {
    public struct Thumbnail: Sendable {
        /// `thumbs/<name>.png`
        public var path: String
        public var width: Int
        public var height: Int
        public var caption: String?
        /// A small picture of a tensor (≤ 256 px wide): scaled without smoothing, as in the report.
        public var pixelated: Bool
    }

    /// The report's folder in the site (the notebook's file name without `.md`).
    public var folder: String
    public var record: RunRecord
    public var failure: PublishFailure?
    public var thumbnail: Thumbnail?
    /// The run logs' files, relative to the report folder (`runs/<run>/metrics.csv`).
    public var runFiles: [String]
    /// How long the notebook's cells take: the time of the cells that ran plus, for restored ones, the
    /// time they took when they last ran.
    public var seconds: Double {
        record.results.map { $0.status == .restored || $0.status == .stale ? $0.savedSeconds ?? 0 : $0.seconds ?? 0 }.reduce(0, +)
    }
}

/// The result of a publish.
public struct PublishOutcome: Sendable {
    public var notebooks: [PublishedNotebook] = []
    /// Set when a notebook failed without `--allow-failed` (the index is then not rewritten), or a run
    /// was interrupted.
    public var stopped: (path: String, failure: PublishFailure, exitCode: Int32)?
    /// The site's index page.
    public var index: String = ""

    /// 0: every notebook published; 1: a notebook failed (and `--allow-failed` was not given);
    /// 128 + signal: interrupted.
    public var exitCode: Int32 { stopped?.exitCode ?? 0 }
}

/// `quire publish`: brings every notebook's report up to date through the normal run (unchanged cells come
/// back from the cell cache), one report folder per notebook inside the site folder, then writes the site's
/// `index.html` comparing them.
///
/// ```swift
/// var options = PublishOptions(inputs: ["notebooks"], outputDirectory: "site")
/// let outcome = try SitePublisher(engine: try Engine.locate(), options: options).publish()
/// exit(outcome.exitCode)
/// ```
public struct SitePublisher {
    public let engine: Engine
    public let options: PublishOptions

    public init(engine: Engine, options: PublishOptions) {
        self.engine = engine
        self.options = options
    }

    /// The notebooks `inputs` name, in order: files as given, folders' `*.md` files sorted by name
    /// (`README.md` left out).
    public func notebookPaths() throws(NotebookError) -> [String] {
        var paths: [String] = []
        for input in options.inputs {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: input, isDirectory: &isDirectory) else {
                throw NotebookError(.usage, "\(input): no such notebook or folder")
            }
            if isDirectory.boolValue {
                let entries = ((try? FileManager.default.contentsOfDirectory(atPath: input)) ?? []).sorted()
                paths += entries.filter { $0.hasSuffix(".md") && $0.lowercased() != "readme.md" && !$0.hasPrefix(".") }
                    .map { (input.hasSuffix("/") ? input : input + "/") + $0 }
            } else {
                paths.append(input)
            }
        }
        if paths.isEmpty { throw NotebookError(.usage, "no notebooks to publish in \(options.inputs.joined(separator: ", "))") }
        return paths
    }

    public func publish() throws(NotebookError) -> PublishOutcome {
        let paths = try notebookPaths()
        // Each report's folder is the notebook's name: it must be one plain name, not Quire's own entries,
        // and not taken twice.
        var notebooks: [(path: String, notebook: Notebook)] = []
        for path in paths {
            let notebook = try NotebookParser.parse(contentsOf: path)
            guard ReportFolder.isPlainName(notebook.name), !notebook.name.hasPrefix("."),
                  !["index.html", SiteFolder.thumbsFolder].contains(notebook.name) else {
                throw NotebookError(.usage, "\(path): the notebook's name '\(notebook.name)' cannot name a report folder in the site")
            }
            if let other = notebooks.first(where: { $0.notebook.name == notebook.name }) {
                throw NotebookError(.usage, "\(other.path) and \(path) would both publish to \(options.outputDirectory)/\(notebook.name); rename one")
            }
            notebooks.append((path, notebook))
        }
        for (name, text) in options.overrides where !notebooks.contains(where: { $0.notebook.frontMatter.params.contains { $0.name == name } }) {
            throw NotebookError(.usage, "-P \(name)=\(text): no notebook declares a parameter '\(name)'")
        }
        let renderer = try SiteRenderer(templatesDirectory: engine.templatesDirectory)
        let site = try SiteFolder.open(options.outputDirectory)
        var written: Set<String> = []
        var outcome = PublishOutcome()
        // Thumbnails are made aside and swapped in with the index: a publish that stops leaves the previous
        // index and the thumbnails it shows as they were.
        let thumbs = site.path + "/.\(SiteFolder.thumbsFolder).\(getpid()).tmp"
        try? FileManager.default.removeItem(atPath: thumbs)
        try? FileManager.default.createDirectory(atPath: thumbs, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: thumbs) }
        written.insert(SiteFolder.thumbsFolder)

        for (path, notebook) in notebooks {
            if notebooks.count > 1 { FileHandle.standardError.write(Data("quire: publishing \(path)\n".utf8)) }
            let reportFolder = site.path + "/" + notebook.name
            var run = RunOptions(notebookPath: path)
            let declared = Set(notebook.frontMatter.params.map(\.name))
            run.overrides = options.overrides.filter { declared.contains($0.0) }
            run.outputDirectory = reportFolder
            run.embed = options.embed
            run.release = options.release
            run.noCache = options.noCache
            run.cacheDirectory = options.cacheDirectory
            run.quireVersion = options.quireVersion
            let scratch = options.embed ? engine.cacheDirectory + "/publish-\(getpid())-\(notebook.name)" : nil
            run.embedScratch = scratch
            defer { if let scratch { try? FileManager.default.removeItem(atPath: scratch) } }
            var record = try NotebookRunner(engine: engine, options: run).run()
            // The cell cache restores a run log's values but not its files: into a new report folder, a
            // restored run leaves runs/<run>/ empty. The site promises those files, so run such a notebook
            // again without the cache.
            let missing = record.runMetrics.map(\.run).filter { name in
                ReportFolder.isPlainName(name) && !FileManager.default.fileExists(atPath: reportFolder + "/runs/" + name + "/metrics.jsonl")
            }
            if !missing.isEmpty && record.restoredCount > 0 && record.exitCode == 0 {
                FileHandle.standardError.write(Data(("quire: \(path): the run log files of \(missing.joined(separator: ", ")) are not in \(reportFolder) "
                                                     + "(their cells were restored from the cache); running it again without the cache\n").utf8))
                run.noCache = true
                record = try NotebookRunner(engine: engine, options: run).run()
            }
            written.insert(notebook.name)

            var published = PublishedNotebook(folder: notebook.name, record: record, failure: PublishFailure(record), thumbnail: nil,
                                              runFiles: Self.runFiles(record, in: reportFolder))
            if let failure = published.failure, record.exitCode > 128 || !options.allowFailed {
                site.writeManifest(written.union(site.previous))
                outcome.stopped = (path, failure, record.exitCode)
                return outcome
            }
            let figures = scratch.map { $0 + "/figures" } ?? reportFolder + "/" + ReportWriter.figuresFolder
            if let figure = Self.mainFigure(record) {
                let target = thumbs + "/" + notebook.name + ".png"
                // Charts are scaled down here to twice the 200 px they are shown at (sharp on hi-DPI screens);
                // small tensor pictures are copied and scaled by the browser without smoothing.
                let source = figures + "/" + figure.file
                let small = figure.width > 256 && Thumbnail.write(from: source, to: target, width: 400)
                if small || (try? FileManager.default.copyItem(atPath: source, toPath: target)) != nil {
                    let width = min(200, figure.width)
                    let height = max(1, Int((Double(figure.height) * Double(width) / Double(max(1, figure.width))).rounded()))
                    published.thumbnail = .init(path: SiteFolder.thumbsFolder + "/" + notebook.name + ".png",
                                                width: width, height: height, caption: figure.caption,
                                                pixelated: figure.width <= 256)
                }
            }
            outcome.notebooks.append(published)
        }

        // Report folders an earlier publish wrote for notebooks not published now: Quire's, so removed.
        for stale in site.previous.subtracting(written) where stale != "index.html" {
            let folder = site.path + "/" + stale
            if ReportFolder.isReportFolder(folder) { _ = try? ReportFolder.clean(folder) }
        }
        outcome.index = site.path + "/index.html"
        // The latest run, not the time of publishing: publishing unchanged notebooks again writes the same site.
        let date = outcome.notebooks.map(\.record.startedAt).max() ?? ""
        let html = renderer.render(outcome.notebooks, quireVersion: options.quireVersion, date: date)
        try? FileManager.default.removeItem(atPath: site.path + "/" + SiteFolder.thumbsFolder)
        guard rename(thumbs, site.path + "/" + SiteFolder.thumbsFolder) == 0 else {
            throw NotebookError(.io, "cannot move the thumbnails into \(site.path)/\(SiteFolder.thumbsFolder)")
        }
        try site.write(html, to: "index.html")
        written.insert("index.html")
        site.writeManifest(written)
        return outcome
    }

    /// The index's thumbnail: the first figure of the first cell whose code calls `lossCurve(` (the main
    /// loss curve), else the report's first figure.
    static func mainFigure(_ record: RunRecord) -> (file: String, width: Int, height: Int, caption: String?)? {
        func figures(_ cell: Cell) -> [(file: String, width: Int, height: Int, caption: String?)] {
            guard cell.options.output else { return [] }
            return record.results[cell.index].outputs.compactMap {
                guard case .image(let file, let width, let height, let caption) = $0, SafeName.isPlainFileName(file) else { return nil }
                return (file, width, height, caption ?? cell.options.caption)
            }
        }
        let cells = record.notebook.cells
        if let curve = cells.lazy.filter({ $0.code.contains("lossCurve(") }).compactMap({ figures($0).first }).first { return curve }
        return cells.lazy.compactMap { figures($0).first }.first
    }

    static func runFiles(_ record: RunRecord, in folder: String) -> [String] {
        record.runMetrics.flatMap { run -> [String] in
            guard ReportFolder.isPlainName(run.run) else { return [] }
            return ["metrics.jsonl", "metrics.csv"].map { "runs/\(run.run)/\($0)" }
                .filter { FileManager.default.fileExists(atPath: folder + "/" + $0) }
        }
    }
}
