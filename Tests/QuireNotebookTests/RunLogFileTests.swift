import Foundation
import XCTest

/// Files a notebook writes by name beside its report (run logs, checkpoints).
final class RunLogFileTests: XCTestCase {
    typealias Q = QuireCLIHarness

    /// With --embed the run log's files still land beside the report; a re-run leaves one TensorBoard file;
    /// `CheckpointManager(named:)` makes its folder beside the report too.
    func testEmbedKeepsRunLogsAndRerunsReplaceTheEventFile() throws {
        let dir = try Q.scratch()
        let notebook = try write(dir + "/logs.md", """
            ```swift
            let run = try RunLog(named: "trial")
            try run.log(["loss": 0.5], step: 1)
            let checkpoints = try CheckpointManager(named: "cnn")
            print(checkpoints.directory.lastPathComponent)
            ```
            """)
        let out = dir + "/report"
        XCTAssertEqual(try Q.run(notebook, out: out, arguments: ["--embed", "--no-cache"]).status, 0)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/runs/trial/metrics.jsonl"), "run log lost with --embed")
        sleep(1)   // event files are named by the second
        XCTAssertEqual(try Q.run(notebook, out: out, arguments: ["--embed", "--no-cache"]).status, 0)
        let events = try FileManager.default.contentsOfDirectory(atPath: out + "/runs/trial").filter { $0.hasPrefix("events.out.tfevents.") }
        XCTAssertEqual(events.count, 1, "\(events)")
        let manifest = try String(contentsOfFile: out + "/.quire-report.json", encoding: .utf8)
        XCTAssertEqual(manifest, #"{"quire":1,"wrote":["checkpoints","index.html","runs"]}"#)
        var isDirectory: ObjCBool = false
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/checkpoints/cnn", isDirectory: &isDirectory) && isDirectory.boolValue)
    }

    private func write(_ path: String, _ text: String) throws -> String {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
