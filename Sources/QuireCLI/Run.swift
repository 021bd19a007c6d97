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

    @Argument(help: "The notebook (a Markdown file with ```swift cells).") var notebook: String
    @Option(name: [.customShort("P"), .customLong("param")], help: ArgumentHelp("Override a front-matter parameter.", valueName: "name=value"))
    var params: [String] = []
    @Option(help: ArgumentHelp("The report folder (default: output/<notebook name>).", valueName: "dir")) var out: String?
    @Flag(help: "Build the notebook program with -O.") var release = false
    @Flag(help: "Inline figures into index.html instead of writing them beside it.") var embed = false

    func validate() throws {
        for p in params where !p.contains("=") {
            throw ValidationError("-P expects name=value, got '\(p)'")
        }
    }

    func run() throws {
        var options = RunOptions(notebookPath: notebook)
        options.overrides = params.map { p in
            let eq = p.firstIndex(of: "=")!
            return (String(p[..<eq]), String(p[p.index(after: eq)...]))
        }
        options.outputDirectory = out
        options.release = release
        options.embed = embed
        options.quireVersion = QuireVersion.string
        do {
            let engine = try Engine.locate()
            let record = try NotebookRunner(engine: engine, options: options).run()
            if record.exitCode != 0 { throw ExitCode(record.exitCode) }
        } catch let error as NotebookError {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(2)
        }
    }
}

/// `quire clean`: removes generated reports and cached notebook programs.
struct Clean: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Remove generated reports (output/*) and cached notebook programs.")

    @Option(help: ArgumentHelp("The reports folder to empty.", valueName: "dir")) var out = "output"

    func run() throws {
        let fm = FileManager.default
        var removed = 0
        if let entries = try? fm.contentsOfDirectory(atPath: out) {
            for entry in entries where entry != ".gitkeep" {
                try fm.removeItem(atPath: out + "/" + entry)
                removed += 1
            }
        }
        if let engine = try? Engine.locate(), fm.fileExists(atPath: engine.cacheDirectory) {
            try fm.removeItem(atPath: engine.cacheDirectory)
            print("removed \(engine.cacheDirectory)")
        }
        print("removed \(removed) report\(removed == 1 ? "" : "s") from \(out)/")
    }
}
