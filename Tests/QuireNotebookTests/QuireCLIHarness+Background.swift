import Foundation
import XCTest

extension QuireCLIHarness {
    /// `quire ARGS…` from `directory`, with a fresh cell cache and `environment` added.
    static func quire(_ arguments: [String], directory: String? = nil, environment: [String: String] = [:]) throws -> Result {
        let started = try Started(arguments, directory: directory, environment: environment)
        return started.finish()
    }

    /// A `quire` running in the background; its output is collected as it comes.
    final class Started: @unchecked Sendable {
        let process = Process()
        private let lock = NSLock()
        private var out = Data(), err = Data()
        private let group = DispatchGroup()

        init(_ arguments: [String], directory: String? = nil, environment extra: [String: String] = [:]) throws {
            process.executableURL = URL(fileURLWithPath: try QuireCLIHarness.executable())
            process.arguments = arguments
            if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
            var environment = ProcessInfo.processInfo.environment
            environment["QUIRE_CACHE_DIR"] = try QuireCLIHarness.scratch() + "/cell-cache"
            environment.merge(extra) { $1 }
            process.environment = environment
            let stdout = Pipe(), stderr = Pipe()
            process.standardOutput = stdout
            process.standardError = stderr
            try process.run()
            for (pipe, isOut) in [(stdout, true), (stderr, false)] {
                DispatchQueue.global().async(group: group) { [self] in
                    while true {
                        let data = pipe.fileHandleForReading.availableData
                        if data.isEmpty { break }
                        lock.lock()
                        if isOut { out += data } else { err += data }
                        lock.unlock()
                    }
                }
            }
        }

        var stdout: String { lock.lock(); defer { lock.unlock() }; return String(decoding: out, as: UTF8.self) }
        var stderr: String { lock.lock(); defer { lock.unlock() }; return String(decoding: err, as: UTF8.self) }

        /// Waits (up to 5 minutes: the program may need compiling) for the program to print `pid=N`.
        func childPID() throws -> pid_t {
            let deadline = Date().addingTimeInterval(300)
            while Date() < deadline {
                if let range = stdout.range(of: "pid="), let pid = pid_t(stdout[range.upperBound...].prefix { $0.isNumber }) {
                    return pid
                }
                guard process.isRunning else { break }
                usleep(50_000)
            }
            throw XCTSkip("the notebook program never printed its pid: \(stdout)")
        }

        func finish() -> Result {
            process.waitUntilExit()
            group.wait()
            lock.lock(); defer { lock.unlock() }
            return Result(status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
                          stderr: String(decoding: err, as: UTF8.self), outputDirectory: "")
        }
    }

    /// A process that exists and is not a zombie (a killed process reparented to a container's init may
    /// stay a zombie).
    static func isAlive(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(close, offsetBy: 2)...].prefix(1)
        return state != "Z" && state != "X"
    }

    /// Some live process is in process group `pgid`.
    static func groupIsAlive(_ pgid: pid_t) -> Bool {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for entry in entries {
            guard let pid = pid_t(entry), let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(close, offsetBy: 2)...].split(separator: " ")
            guard fields.count > 3, fields[2] == "\(pgid)" else { continue }
            if isAlive(pid) { return true }
        }
        return false
    }
}
