import ArgumentParser
import Foundation
import QuireNotebook

/// `quire status NOTEBOOK`: per cell, whether the next run restores it from the cell cache or runs it,
/// and why. Nothing is compiled or executed.
struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show which cells the next run restores from the cache and which it runs, and why.")

    @Argument(help: "The notebook.") var notebook: String
    @Option(name: [.customShort("P"), .customLong("param")], help: ArgumentHelp("A parameter override, as for run.", valueName: "name=value"))
    var params: [String] = []
    @Option(help: ArgumentHelp("The cell cache folder.", valueName: "dir")) var cacheDir: String?
    @Flag(help: "As run --release (the optimized program has its own keys).") var release = false
    @Flag(help: "One JSON object with every cell.") var json = false

    func validate() throws {
        for p in params where !p.contains("=") { throw ValidationError("-P expects name=value, got '\(p)'") }
    }

    func run() throws {
        let overrides = parameterOverrides(params)
        let status = try plan(overrides)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(status), as: UTF8.self))
            return
        }
        let idWidth = max(4, status.cells.map(\.id.count).max() ?? 4)
        print("cell".padding(toLength: idWidth, withPad: " ", startingAt: 0) + "  lines     state     snapshot   why")
        for cell in status.cells {
            let size = cell.snapshotBytes.map(NotebookCache.sizeText) ?? "-"
            var why = cell.reason
            if !cell.deps.isEmpty { why += " [deps: \(cell.deps.joined(separator: ", "))]" }
            print(cell.id.padding(toLength: idWidth, withPad: " ", startingAt: 0) + "  "
                  + cell.lines.padding(toLength: 9, withPad: " ", startingAt: 0) + " "
                  + cell.state.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0) + " "
                  + size.padding(toLength: 10, withPad: " ", startingAt: 0) + " " + why)
        }
        let cached = status.cells.filter { $0.state != .willRun }.count
        print("\(cached) of \(status.cells.count) cells cached in \(status.store)")
    }

    private func plan(_ overrides: [(String, String)]) throws -> NotebookCache.Status {
        do {
            return try NotebookCache.status(notebookPath: notebook, overrides: overrides, engine: try Engine.locate(),
                                            cacheDirectory: cacheDir, release: release)
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(2)
        }
    }
}
