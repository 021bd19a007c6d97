import Foundation
import XCTest

/// Runs this test bundle under `mpirun`: every rank runs one test of ``RankPrograms`` (selected by
/// `QUIRE_RANK_PROGRAM`), which writes what it computed into `dir` for the calling test to check.
struct MPIRun {
    let status: Int32
    let output: String
    let seconds: Double

    static var mpirun: String? {
        ["/usr/bin/mpirun", "/usr/local/bin/mpirun"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// `mpirun --oversubscribe -np ranks <this xctest> QuireDistributedTests.RankPrograms/test<Program>`.
    static func run(_ program: String, ranks: Int, dir: URL, timeout: Double = 120) throws -> MPIRun {
        guard let mpirun else { throw XCTSkip("mpirun not found: install openmpi-bin (scripts/system-packages.sh does)") }
        let exe = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        var env = ProcessInfo.processInfo.environment
        env["OMPI_MCA_btl_vader_single_copy_mechanism"] = "none"
        let arguments = ["--oversubscribe", "--allow-run-as-root", "-np", String(ranks),
                         "-x", "QUIRE_RANK_PROGRAM=\(program)", "-x", "QUIRE_RANK_DIR=\(dir.path)",
                         exe, "QuireDistributedTests.RankPrograms/test\(program.prefix(1).uppercased())\(program.dropFirst())"]
        return try runProcess(mpirun, arguments, environment: env, timeout: timeout)
    }
}

/// Runs `executable` with stdout and stderr together; a run past `timeout` seconds is terminated and fails the test.
func runProcess(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                timeout: Double = 120) throws -> MPIRun {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = arguments
    if let environment { p.environment = environment }
    let out = Pipe()
    p.standardOutput = out
    p.standardError = out
    let start = Date()
    try p.run()
    nonisolated(unsafe) var data = Data()
    let done = DispatchSemaphore(value: 0)
    DispatchQueue.global().async {
        data = out.fileHandleForReading.readDataToEndOfFile()
        done.signal()
    }
    if done.wait(timeout: .now() + timeout) == .timedOut {
        p.terminate()
        _ = done.wait(timeout: .now() + 10)
        XCTFail("\(executable) \(arguments.joined(separator: " ")) did not finish within \(timeout) s")
    }
    p.waitUntilExit()
    return MPIRun(status: p.terminationStatus, output: String(decoding: data, as: UTF8.self),
                  seconds: Date().timeIntervalSince(start))
}

/// A fresh temporary directory.
func temporaryDirectory(_ name: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("quire-\(name)-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
