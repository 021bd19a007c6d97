import Foundation

/// Runs short helper commands (swiftc, swift build, pkg-config) to completion, capturing their output.
enum Subprocess {
    struct Result {
        var status: Int32
        /// stdout and stderr together.
        var output: String
    }

    static func run(_ arguments: [String], directory: String? = nil) -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
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
