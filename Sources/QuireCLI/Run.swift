import ArgumentParser
import Foundation
import QuireNotebook

/// `quire run NOTEBOOK.md`: executes a notebook and writes its HTML report.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a notebook and write its HTML report.",
        discussion: """
            Exit status: 0 when every cell ran, 1 when a cell failed (compile error, crash, timeout), \
            2 for usage or input errors (the previous report is then left untouched).
            """)

    @Argument(help: "The notebooks (Markdown files with ```swift cells), run in turn.") var notebooks: [String]
    @Option(name: [.customShort("P"), .customLong("param")], help: ArgumentHelp("Override a front-matter parameter.", valueName: "name=value"))
    var params: [String] = []
    @Option(help: ArgumentHelp("The report folder (default: output/<notebook name>).", valueName: "dir")) var out: String?
    @Flag(help: "Build the notebook program with -O.") var release = false
    @Flag(help: "Inline figures into index.html instead of writing them beside it.") var embed = false
    @Flag(help: "Run every cell; read and write no cell snapshots.") var noCache = false
    @Option(help: ArgumentHelp("Run this cell and every cell after it, whatever the cache holds.", valueName: "cell-id"))
    var refresh: String?
    @Option(help: ArgumentHelp("The cell cache folder (default: $QUIRE_CACHE_DIR, else .quire/cache beside the notebook).", valueName: "dir"))
    var cacheDir: String?
    @Option(help: ArgumentHelp("Replace the front matter's seed.", valueName: "n")) var seed: Int?
    @Option(help: ArgumentHelp("Stop any cell that runs longer (a cell's own //| timeout: wins).", valueName: "seconds"))
    var timeout: Double?
    @Option(help: ArgumentHelp("Bound the cell cache's size (e.g. 500MB, 2GB; default 2GB or the front matter's cache-size).", valueName: "size"))
    var maxCache: String?
    @Option(help: ArgumentHelp("Run the notebook program on N processes under Open MPI's mpirun (data-parallel cells; implies --no-cache).", valueName: "n"))
    var ranks: Int?
    @Option(help: ArgumentHelp("With --ranks: the hosts to run on (mpirun's hostfile; rank 0 must be this machine).", valueName: "file"))
    var hostfile: String?

    func validate() throws {
        if let ranks, ranks < 1 { throw ValidationError("--ranks expects a positive number of processes, got \(ranks)") }
        if hostfile != nil && ranks == nil { throw ValidationError("--hostfile needs --ranks") }
        if notebooks.isEmpty { throw ValidationError("Missing expected argument '<notebooks> ...'") }
        if notebooks.count > 1 && out != nil {
            throw ValidationError("--out names one report folder: give it one notebook (each notebook gets output/<name> otherwise)")
        }
        if let timeout, !(timeout > 0 && timeout.isFinite) {
            throw ValidationError("--timeout expects a positive number of seconds, got \(timeout)")
        }
        for p in params where !p.contains("=") {
            throw ValidationError("-P expects name=value, got '\(p)'")
        }
        if let maxCache, NotebookCache.parseSize(maxCache) == nil {
            throw ValidationError("--max-cache expects a size such as 500MB or 2GB, got '\(maxCache)'")
        }
    }

    /// Runs each notebook in turn; the exit status is the worst of theirs (an interrupted run stops the rest).
    func run() throws {
        var worst: Int32 = 0
        for notebook in notebooks {
            if notebooks.count > 1 { FileHandle.standardError.write(Data("quire: \(notebook)\n".utf8)) }
            let status = run(notebook)
            worst = max(worst, status)
            if status > 128 { break }
        }
        if worst != 0 { throw ExitCode(worst) }
    }

    private func run(_ notebook: String) -> Int32 {
        var options = RunOptions(notebookPath: notebook)
        options.overrides = parameterOverrides(params)
        options.outputDirectory = out
        options.release = release
        options.embed = embed
        options.quireVersion = QuireVersion.string
        options.noCache = noCache || ranks != nil   // every rank runs every cell; nothing is restored or recorded
        options.refresh = refresh
        options.cacheDirectory = cacheDir
        options.maxCacheBytes = maxCache.flatMap(NotebookCache.parseSize)
        options.seed = seed
        options.defaultTimeout = timeout
        do throws(NotebookError) {
            let engine = try Engine.locate()
            if let ranks { options.launcher = try MPILauncher(ranks: ranks, hostfile: hostfile) }
            return try NotebookRunner(engine: engine, options: options).run().exitCode
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            return 2
        }
    }
}

/// `quire clean`: removes generated reports and cached notebook programs — only what Quire wrote.
struct Clean: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Remove generated reports (output/*) and cached notebook programs.",
        discussion: """
            Only report folders Quire marked (.quire-report.json) are cleaned, and in them only the entries \
            Quire wrote; anything else is left alone. --out names a report folder or a folder of report \
            folders; a folder that is neither is an error (exit 2). The compiled programs are removed when \
            --out is not given, or with --programs.
            """)

    @Option(help: ArgumentHelp("A report folder, or a folder of report folders, to clean (default: output).", valueName: "dir"))
    var out: String?
    @Flag(help: "Also remove the compiled notebook programs (the default without --out).") var programs = false
    @Flag(help: "Remove only the cell caches of the given notebooks or folders (default: the current folder's and notebooks/').")
    var cache = false
    @Argument(help: "With --cache: notebooks or folders whose .quire/cache to remove.") var paths: [String] = []

    func run() throws {
        if cache {
            try removeCaches()
            return
        }
        do throws(NotebookError) {
            try removeReports(in: out ?? "output")
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(2)
        }
        let fm = FileManager.default
        if out == nil || programs, let engine = try? Engine.locate(), fm.fileExists(atPath: engine.cacheDirectory) {
            try fm.removeItem(atPath: engine.cacheDirectory)
            print("removed \(engine.cacheDirectory)")
        }
    }

    /// Cleans `folder` when it is a report folder, else the report folders directly inside it.
    func removeReports(in folder: String) throws(NotebookError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            print("no reports in \(folder)/")
            return
        }
        if ReportFolder.isReportFolder(folder) {
            let removed = try ReportFolder.clean(folder)
            print("removed the report in \(folder)/ (\(removed.joined(separator: ", ")))")
            return
        }
        let entries = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0 != ".gitkeep" }.sorted()
        var removed = 0
        var leftAlone: [String] = []
        for entry in entries {
            let path = folder + "/" + entry
            guard ReportFolder.isReportFolder(path) else { leftAlone.append(entry); continue }
            try ReportFolder.clean(path)
            removed += 1
        }
        if removed == 0 && !leftAlone.isEmpty {
            throw NotebookError(.usage, "\(folder) is not a Quire report folder and holds none (no \(ReportFolder.manifestName)); nothing removed")
        }
        print("removed \(removed) report\(removed == 1 ? "" : "s") from \(folder)/")
        if !leftAlone.isEmpty {
            print("left alone (not written by Quire): \(leftAlone.joined(separator: ", "))")
        }
    }
}

extension Clean {
    /// Removes cell caches Quire made, and nothing else: a folder is removed only when it looks like a store.
    func removeCaches() throws {
        let fm = FileManager.default
        var stores: [String] = []
        if let dir = ProcessInfo.processInfo.environment["QUIRE_CACHE_DIR"], !dir.isEmpty { stores.append(dir) }
        for path in paths.isEmpty ? [".", "notebooks"] : paths {
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isDirectory) else {
                if !paths.isEmpty { throw ValidationError("\(path): no such notebook or folder") }
                continue
            }
            stores.append(isDirectory.boolValue ? path + "/.quire/cache" : NotebookCache.storeLocation(for: path))
        }
        var removed = 0
        for store in Set(stores) where fm.fileExists(atPath: store) {
            guard NotebookCache.isStore(store) else {
                FileHandle.standardError.write(Data("warning: \(store) does not look like a Quire cell cache; left alone\n".utf8))
                continue
            }
            let bytes = NotebookCache.totalBytes(store: store)
            let doomed = store + ".deleting-\(getpid())"
            guard rename(store, doomed) == 0 else { throw ValidationError("cannot remove \(store): \(String(cString: strerror(errno)))") }
            try fm.removeItem(atPath: doomed)
            print("removed \(store) (\(NotebookCache.sizeText(bytes)))")
            removed += 1
        }
        if removed == 0 { print("no cell cache to remove") }
    }
}
