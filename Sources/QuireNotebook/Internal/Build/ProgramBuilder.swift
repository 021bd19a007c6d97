import Foundation

/// Compiles a generated program with `swiftc`, caching the binary by the hash of its source, the flags
/// and the engine build.
struct ProgramBuilder {
    struct Output {
        /// The executable, when compilation succeeded.
        var executable: String?
        var diagnostics: [Diagnostic]
        /// The compiler's text, for errors that map to no cell.
        var log: String
        var cached: Bool
        var seconds: Double
        /// `swiftc --version`'s first line, recorded when the program was compiled.
        var swiftVersion = ""
    }

    let engine: Engine
    let optimize: Bool

    func build(source: String, notebook: Notebook) throws(NotebookError) -> Output {
        let start = Date()
        let engineFlags = engine.compilerFlags()
        let flags = ["-swift-version", "5", optimize ? "-O" : "-Onone", "-gline-tables-only", "-diagnostic-style", "llvm",
                     "-module-name", "Notebook"] + engineFlags
        var hash = ContentHash()
        hash.add(source)
        hash.add(flags.joined(separator: " "))
        hash.add(engine.identity)
        let dir = engine.cacheDirectory + "/" + hash.hex
        let executable = dir + "/notebook"
        let fm = FileManager.default
        let versionFile = dir + "/swift-version"
        let logFile = dir + "/compiler.log"
        if fm.isExecutableFile(atPath: executable) {
            ProgramCache.touch(dir)   // recently used: the last to be evicted
            let version = (try? String(contentsOfFile: versionFile, encoding: .utf8)) ?? ""
            // The warnings of the build that produced it, so a cached run shows them too.
            let log = (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? ""
            return Output(executable: executable, diagnostics: Self.parseDiagnostics(log, notebook: notebook), log: log,
                          cached: true, seconds: Date().timeIntervalSince(start), swiftVersion: version)
        }
        do {
            try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try source.write(toFile: dir + "/main.swift", atomically: true, encoding: .utf8)
        } catch {
            throw NotebookError(.io, "cannot write the generated program to \(dir): \(error.localizedDescription)")
        }
        let partial = dir + "/notebook.partial-\(getpid())"
        let result = Subprocess.run(["swiftc"] + flags + [dir + "/main.swift", "-o", partial])
        let diagnostics = Self.parseDiagnostics(result.output, notebook: notebook)
        guard result.status == 0 else {
            try? fm.removeItem(atPath: partial)
            return Output(executable: nil, diagnostics: diagnostics, log: result.output, cached: false,
                          seconds: Date().timeIntervalSince(start),
                          swiftVersion: Self.swiftVersion(cacheDirectory: engine.cacheDirectory))
        }
        let version = Self.swiftVersion(cacheDirectory: engine.cacheDirectory)
        try? version.write(toFile: versionFile, atomically: true, encoding: .utf8)
        try? result.output.write(toFile: logFile, atomically: true, encoding: .utf8)
        if rename(partial, executable) != 0 {
            throw NotebookError(.io, "cannot move the compiled program into place at \(executable)")
        }
        ProgramCache.evict(in: engine.cacheDirectory, keep: dir)
        return Output(executable: executable, diagnostics: diagnostics, log: result.output, cached: false,
                      seconds: Date().timeIntervalSince(start), swiftVersion: version)
    }

    /// `swiftc --version`'s first line, asked once and kept in the cache folder (`quire clean` forgets it).
    static func swiftVersion(cacheDirectory: String) -> String {
        let file = cacheDirectory + "/swift-version"
        if let known = try? String(contentsOfFile: file, encoding: .utf8), !known.isEmpty { return known }
        let version = Subprocess.run(["swiftc", "--version"]).output.split(separator: "\n").first.map(String.init) ?? ""
        try? version.write(toFile: file, atomically: true, encoding: .utf8)
        return version
    }

    /// Reads `file:line:col: severity: message` lines (`-diagnostic-style llvm`).
    static func parseDiagnostics(_ output: String, notebook: Notebook) -> [Diagnostic] {
        var result: [Diagnostic] = []
        let cells = notebook.cells
        for line in output.split(separator: "\n") {
            for severity in [Diagnostic.Severity.error, .warning, .note] {
                guard let marker = line.range(of: ": \(severity.rawValue): ") else { continue }
                let position = line[..<marker.lowerBound].split(separator: ":")
                guard position.count >= 3, let lineNumber = Int(position[position.count - 2]),
                      let column = Int(position[position.count - 1]) else { continue }
                let file = position.dropLast(2).joined(separator: ":")
                let message = String(line[marker.upperBound...])
                var diagnostic = Diagnostic(severity: severity, message: message, location: nil, column: column, cellIndex: nil)
                if file == notebook.path {
                    diagnostic.location = SourceLocation(file: file, line: lineNumber)
                    diagnostic.cellIndex = cells.first { $0.lines.contains(lineNumber) }?.index
                }
                result.append(diagnostic)
                break
            }
        }
        return result
    }
}
