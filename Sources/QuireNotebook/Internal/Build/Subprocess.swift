import Foundation

/// Runs short helper commands (swiftc, swift build, pkg-config) to completion, capturing their output.
enum Subprocess {
    struct Result {
        var status: Int32
        /// stdout and stderr together.
        var output: String
    }

    /// Each command gets a private `TMPDIR`, removed when it exits: the Swift driver leaves a
    /// `TemporaryDirectory.*` folder behind in the shared temporary directory on some runs (every
    /// `swiftc --version`, for one), and Quire must not litter `/tmp` with folders it caused.
    static func run(_ arguments: [String], directory: String? = nil) -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let scratch = FileManager.default.temporaryDirectory
            .appendingPathComponent("quire-tool-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        if (try? FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: false)) != nil {
            var environment = ProcessInfo.processInfo.environment
            environment["TMPDIR"] = scratch.path
            process.environment = environment
        }
        defer { try? FileManager.default.removeItem(at: scratch) }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do { try process.run() } catch {
            return Result(status: 127, output: "cannot start \(arguments.first ?? ""): \(error)")
        }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }
}
