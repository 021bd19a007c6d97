import Foundation
import XCTest

/// Runs the real `quire` executable (the one `swift build` put beside the tests) on notebook files.
struct QuireCLIHarness {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        /// The report folder the run was pointed at.
        var outputDirectory: String
        var html: String? { try? String(contentsOfFile: outputDirectory + "/index.html", encoding: .utf8) }
    }

    /// The package root, from this file's path.
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    static var fixtures: String { root + "/Tests/QuireNotebookTests/Fixtures" }

    static func executable() throws -> String {
        for config in ["debug", "release"] {
            let path = root + "/.build/\(config)/quire"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        throw XCTSkip("no quire executable under .build; run `swift build` first")
    }

    /// A fresh scratch folder for one test.
    static func scratch() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("quire-tests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// `quire run NOTEBOOK --out OUT ARGS…`, from `directory` (default: a scratch folder).
    /// Each run gets a fresh cell cache (beside its report folder) unless `cache` names one, so runs of the
    /// shared fixtures never restore each other's cells.
    static func run(_ notebook: String, out: String? = nil, arguments: [String] = [], directory: String? = nil,
                    cache: String? = nil, command: String = "run") throws -> Result {
        let outDir = try out ?? (scratch() + "/report")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try executable())
        process.arguments = command == "run" ? ["run", notebook, "--out", outDir] + arguments : [command, notebook] + arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        var environment = ProcessInfo.processInfo.environment
        environment["QUIRE_CACHE_DIR"] = cache ?? ((outDir as NSString).deletingLastPathComponent + "/cell-cache-\(UUID().uuidString)")
        process.environment = environment
        let stdout = Pipe(), stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        // Read both pipes concurrently so neither fills up.
        nonisolated(unsafe) var errData = Data()
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) { errData = stderr.fileHandleForReading.readDataToEndOfFile() }
        let outData = stdout.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self), outputDirectory: outDir)
    }

    static func fixture(_ name: String) -> String { fixtures + "/" + name }
}
