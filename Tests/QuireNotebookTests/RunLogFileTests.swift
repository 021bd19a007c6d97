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

    /// The program runs in the notebook's folder: a cell's relative paths are the notebook's, while figures,
    /// run logs and the cell cache still go where the runner says (relative --out included).
    func testCellsRunInTheNotebooksFolder() throws {
        let dir = try Q.scratch()
        try FileManager.default.createDirectory(atPath: dir + "/nb", withIntermediateDirectories: true)
        try "hello from beside".write(toFile: dir + "/nb/input.txt", atomically: true, encoding: .utf8)
        _ = try write(dir + "/nb/here.md", """
            ```swift
            import Foundation
            print(try String(contentsOfFile: "input.txt", encoding: .utf8))
            let checkpoints = try CheckpointManager(directory: "ckpt")
            let run = try RunLog(named: "r")
            try run.log(["loss": 1.0], step: 1)
            image(Tensor.linspace(0, 1, count: 16).reshaped(4, 4), scale: 2, caption: "a ramp")
            ```
            """)
        // The default cell cache (nb/.quire/cache, a relative path) works from the notebook's folder too.
        let r = try Q.quire(["run", "nb/here.md", "--out", "report"], directory: dir, environment: ["QUIRE_CACHE_DIR": ""])
        XCTAssertEqual(r.status, 0, r.stderr + r.stdout)
        let again = try Q.quire(["run", "nb/here.md", "--out", "report"], directory: dir, environment: ["QUIRE_CACHE_DIR": ""])
        XCTAssertEqual(again.status, 0, again.stderr + again.stdout)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/nb/.quire/cache"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/nb/nb"), "a relative path resolved twice")
        XCTAssertTrue(r.stdout.contains("hello from beside"), r.stdout)
        let fm = FileManager.default
        XCTAssertTrue(fm.fileExists(atPath: dir + "/nb/ckpt"), "a relative checkpoint folder is the notebook's")
        XCTAssertTrue(fm.fileExists(atPath: dir + "/report/runs/r/metrics.jsonl"))
        XCTAssertTrue(fm.fileExists(atPath: dir + "/report/figures/cell-1-1.png"), "\((try? fm.contentsOfDirectory(atPath: dir + "/report/figures")) ?? [])")
    }

    private func write(_ path: String, _ text: String) throws -> String {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
