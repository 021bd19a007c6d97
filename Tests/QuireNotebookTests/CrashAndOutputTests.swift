import Foundation
import XCTest

/// What a failing cell shows: the crash message and line.
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

    private func write(_ path: String, _ text: String) throws -> String {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
