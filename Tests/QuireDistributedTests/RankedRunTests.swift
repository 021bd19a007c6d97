import Foundation
import XCTest

/// `quire run --ranks 2` and `quire launch` end to end, with the real `quire` beside the tests.
final class RankedRunTests: XCTestCase {
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    func quire(_ arguments: [String]) throws -> MPIRun {
        guard MPIRun.mpirun != nil else { throw XCTSkip("mpirun not found: install openmpi-bin") }
        guard let exe = ["debug", "release"].map({ Self.root + "/.build/\($0)/quire" }).first(where: FileManager.default.isExecutableFile) else {
            throw XCTSkip("no quire executable under .build; run `swift build` first")
        }
        var env = ProcessInfo.processInfo.environment
        env["QUIRE_CACHE_DIR"] = FileManager.default.temporaryDirectory.appendingPathComponent("quire-ranks-cache-\(UUID().uuidString)").path
        return try runProcess(exe, arguments, environment: env)
    }

    /// notebooks/distributed.md on 2 ranks: rank 0 writes the report, rank 1's lines are tagged in it.
    func testDistributedNotebookOnTwoRanks() throws {
        let out = try temporaryDirectory("ranks-report")
        defer { try? FileManager.default.removeItem(at: out) }
        let r = try quire(["run", Self.root + "/notebooks/distributed.md", "--ranks", "2", "-P", "steps=20", "--out", out.path + "/report"])
        XCTAssertEqual(r.status, 0, r.output)
        let html = try String(contentsOfFile: out.path + "/report/index.html", encoding: .utf8)
        XCTAssertTrue(html.contains("rank 0 in a world of 2 ranks"), html)
        XCTAssertTrue(html.contains("[rank 1] "), "rank 1's output is kept in the report")
        XCTAssertTrue(html.contains("data.rank0, data.rank1, model, opt"), "both ranks' iterator states in step 20")
        let steps = try FileManager.default.contentsOfDirectory(atPath: out.path + "/report/checkpoints/distributed")
        XCTAssertEqual(steps.filter { $0.hasPrefix("step_") }, ["step_00000020"])
    }

    /// A rank killed in a cell fails the run in bounded time, naming the rank and the cell.
    func testKilledRankFailsTheNotebookRun() throws {
        let out = try temporaryDirectory("ranks-dies")
        defer { try? FileManager.default.removeItem(at: out) }
        let r = try quire(["run", Self.root + "/Tests/QuireDistributedTests/Fixtures/rank-dies.md", "--ranks", "2", "--out", out.path + "/report"])
        XCTAssertEqual(r.status, 1, r.output)
        XCTAssertLessThan(r.seconds, 60)
        let html = try String(contentsOfFile: out.path + "/report/index.html", encoding: .utf8)
        XCTAssertTrue(html.contains("rank 1 failed"), html)
        XCTAssertTrue(r.output.contains("boom"), r.output)
        XCTAssertFalse(r.output.contains("│ never") || r.output.contains("│ not reached"), r.output)
        XCTAssertTrue(r.output.contains("error: cell boom"), r.output)
    }

    /// `quire launch -n 2 -- CMD` runs a plain program on two ranks, each line tagged.
    func testLaunchTagsEveryRank() throws {
        let r = try quire(["launch", "-n", "2", "--", "/bin/sh", "-c", "echo hello from $OMPI_COMM_WORLD_RANK"])
        XCTAssertEqual(r.status, 0, r.output)
        XCTAssertTrue(r.output.contains("[rank 0] hello from 0") && r.output.contains("[rank 1] hello from 1"), r.output)
        let failed = try quire(["launch", "-n", "2", "--", "/bin/sh", "-c", "exit $OMPI_COMM_WORLD_RANK"])
        XCTAssertNotEqual(failed.status, 0, failed.output)
    }
}
