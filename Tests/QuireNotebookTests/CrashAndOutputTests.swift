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

    private func write(_ path: String, _ text: String) throws -> String {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
