import Foundation
import XCTest

/// What a failing or printing cell shows: the crash message and line, output decoded whole.
final class CrashAndOutputTests: XCTestCase {
    typealias Q = QuireCLIHarness

    func testPreconditionFailureShowsItsMessageAndLine() throws {
        let dir = try Q.scratch()
        let notebook = try write(dir + "/pre.md", """
            ```swift
            //| id: check
            let rate = -1.0
            precondition(rate > 0, "the learning rate must be positive")
            ```
            """)
        let r = try Q.run(notebook)
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("error: cell check (1–5) failed: Precondition failed: the learning rate must be positive (at \(notebook):4)"), r.stderr)
        let html = try XCTUnwrap(r.html)
        XCTAssertFalse(html.contains("Notebook/"), "stray #fileID prefix")
        XCTAssertFalse(html.contains("Illegal instruction"))
        XCTAssertTrue(html.contains("<span class=\"err\">4</span>"), "the crash line is marked in the gutter")
    }

    func testMultibyteOutputSurvivesPipeReads() throws {
        let dir = try Q.scratch()
        let notebook = try write(dir + "/utf8.md", """
            ```swift
            for _ in 0..<50 { print("x" + String(repeating: "é€😀", count: 3000)) }
            ```
            """)
        let r = try Q.run(notebook)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertFalse(try XCTUnwrap(r.html).contains("\u{FFFD}"), "a character was cut between two reads")
        XCTAssertFalse(r.stdout.contains("\u{FFFD}"))
    }

    /// 200,000 printed lines: the report keeps the head and the tail with a link to the whole text, saved
    /// beside it; the terminal echo stops after a while.
    func testHugeOutputIsCutInTheReportAndKeptInAFile() throws {
        let dir = try Q.scratch()
        let notebook = try write(dir + "/chatty.md", """
            ```swift
            //| id: chatty
            for i in 0..<200_000 { print("line \\(i)") }
            ```

            ```swift
            //| id: next
            print("next cell")
            ```
            """)
        let r = try Q.run(notebook)
        XCTAssertEqual(r.status, 0, r.stderr)
        let html = try XCTUnwrap(r.html)
        XCTAssertLessThan(html.utf8.count, 400_000)
        XCTAssertTrue(html.contains("line 0\nline 1\n") && html.contains("line 199999\n"), "head and tail")
        XCTAssertTrue(html.contains("more lines not shown; <a href=\"outputs/chatty.txt\">the full output</a>"))
        XCTAssertTrue(html.contains("next cell"))
        let full = try String(contentsOfFile: r.outputDirectory + "/outputs/chatty.txt", encoding: .utf8)
        XCTAssertEqual(full.split(separator: "\n").count, 200_000)
        XCTAssertTrue(full.hasPrefix("line 0\n") && full.hasSuffix("line 199999\n"))
        XCTAssertLessThan(r.stdout.utf8.count, 300_000, "the terminal echo is bounded")
        XCTAssertTrue(r.stdout.contains("more output not shown here"))
        let manifest = try String(contentsOfFile: r.outputDirectory + "/.quire-report.json", encoding: .utf8)
        XCTAssertEqual(manifest, #"{"quire":1,"wrote":["figures","index.html","outputs"]}"#)
    }

    private func write(_ path: String, _ text: String) throws -> String {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
