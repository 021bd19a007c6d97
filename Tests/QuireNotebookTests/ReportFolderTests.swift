import Foundation
import XCTest

/// Report folders: Quire writes into and cleans only folders it marked, and one run at a time.
final class ReportFolderTests: XCTestCase {
    typealias Q = QuireCLIHarness

    func testRunRefusesAFolderHoldingTheUsersFiles() throws {
        let dir = try Q.scratch()
        let mine = dir + "/mine"
        try FileManager.default.createDirectory(atPath: mine + "/figures", withIntermediateDirectories: true)
        try "my notes".write(toFile: mine + "/index.html", atomically: true, encoding: .utf8)
        try "keep".write(toFile: mine + "/figures/plot.png", atomically: true, encoding: .utf8)
        let r = try Q.run(Q.fixture("fatal.md"), out: mine)
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("error: cannot write a report into \(mine): it holds files Quire did not write (figures, index.html) "
                                        + "and is not a Quire report folder (no .quire-report.json)"), r.stderr)
        XCTAssertEqual(try String(contentsOfFile: mine + "/index.html", encoding: .utf8), "my notes")
        XCTAssertEqual(try String(contentsOfFile: mine + "/figures/plot.png", encoding: .utf8), "keep")
    }

    /// A report folder is marked; the user's file added to it later, and the user's files beside it, survive
    /// re-runs and `quire clean`; cleaning a folder that is not Quire's is refused.
    func testCleanRemovesOnlyWhatQuireWrote() throws {
        let dir = try Q.scratch()
        let reports = dir + "/reports"
        let report = reports + "/good"
        let cache = dir + "/cell-cache"
        XCTAssertEqual(try Q.run(Q.fixture("good.md"), out: report, cache: cache).status, 0)
        let manifest = try String(contentsOfFile: report + "/.quire-report.json", encoding: .utf8)
        XCTAssertEqual(manifest, #"{"quire":1,"wrote":["figures","index.html"]}"#)
        try "mine".write(toFile: report + "/notes.txt", atomically: true, encoding: .utf8)
        try "mine too".write(toFile: reports + "/README.md", atomically: true, encoding: .utf8)
        XCTAssertEqual(try Q.run(Q.fixture("good.md"), out: report, cache: cache).status, 0, "a marked folder is written again")

        let userFolder = dir + "/documents"
        try FileManager.default.createDirectory(atPath: userFolder, withIntermediateDirectories: true)
        try "x".write(toFile: userFolder + "/thesis.tex", atomically: true, encoding: .utf8)
        let refused = try Q.quire(["clean", "--out", userFolder])
        XCTAssertEqual(refused.status, 2)
        XCTAssertTrue(refused.stderr.contains("error: \(userFolder) is not a Quire report folder and holds none"), refused.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: userFolder + "/thesis.tex"))

        let clean = try Q.quire(["clean", "--out", reports])
        XCTAssertEqual(clean.status, 0, clean.stderr)
        XCTAssertEqual(clean.stdout, "removed 1 report from \(reports)/\nleft alone (not written by Quire): README.md\n")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: report).sorted(), ["notes.txt"])
        XCTAssertTrue(FileManager.default.fileExists(atPath: reports + "/README.md"))
    }

    /// A notebook named `...md` has no usable default folder name: a usage error, not `output/..`.
    func testNotebookWhoseNameIsDotDotNeedsOut() throws {
        let dir = try Q.scratch()
        let notebook = try write(dir + "/...md", "```swift\nprint(1)\n```\n")
        let r = try Q.quire(["run", notebook], directory: dir)
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("the notebook's name '..' cannot name a report folder; pass --out DIR"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/index.html"))
    }

    /// A second run into a folder a run is writing waits for it (and says so) instead of mixing figures.
    func testSecondRunIntoTheSameFolderWaits() throws {
        let dir = try Q.scratch()
        let slow = try write(dir + "/slow.md", """
            ```swift
            import Foundation
            print("pid=\\(getpid())")
            Thread.sleep(forTimeInterval: 3)
            print("slow done")
            ```
            """)
        let first = try Q.Started(["run", slow, "--out", dir + "/report"])
        _ = try first.childPID()
        let second = try Q.run(Q.fixture("fatal.md"), out: dir + "/report")
        let a = first.finish()
        XCTAssertEqual(a.status, 0, a.stderr)
        XCTAssertEqual(second.status, 1)
        XCTAssertTrue(second.stderr.contains("quire: another run is writing \(dir)/report; waiting for it to finish …"), second.stderr)
        XCTAssertTrue(second.html?.contains("the model diverged") == true, "the second run's report is the one left")
    }

    private func write(_ path: String, _ text: String) throws -> String {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
