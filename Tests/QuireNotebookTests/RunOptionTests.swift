import Foundation
import XCTest

/// `quire run`'s notebook-wide options: --seed, --timeout, several notebooks in one command.
final class RunOptionTests: XCTestCase {
    typealias Q = QuireCLIHarness

    func testSeedOptionReplacesTheFrontMattersSeed() throws {
        let r = try Q.run(Q.fixture("good.md"), arguments: ["--seed", "99"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(try XCTUnwrap(r.html).contains("hello: steps=3 rate=0.5 seed=99"))
    }

    func testTimeoutOptionAppliesToCellsWithoutTheirOwn() throws {
        let dir = try Q.scratch()
        let notebook = dir + "/spin.md"
        try "```swift\n//| id: spin\nprint(\"spinning\")\nwhile true {}\n```\n".write(toFile: notebook, atomically: true, encoding: .utf8)
        let start = Date()
        let r = try Q.run(notebook, arguments: ["--timeout", "1"])
        XCTAssertEqual(r.status, 1)
        XCTAssertLessThan(Date().timeIntervalSince(start), 60)
        XCTAssertTrue(try XCTUnwrap(r.html).contains("still running after 1 s"))
        let bad = try Q.run(notebook, arguments: ["--timeout", "0"])
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.contains("--timeout expects a positive number of seconds"), bad.stderr)
    }

    func testListAndDictionaryParametersReachTheCells() throws {
        let dir = try Q.scratch()
        let notebook = dir + "/params.md"
        try """
            ---
            params:
              layers: [64, 32]
              sizes: {small: 32, large: 128}
            ---
            ```swift
            print("layers \\(layers) \\(type(of: layers)) large \\(sizes["large"]!)")
            ```
            """.write(toFile: notebook, atomically: true, encoding: .utf8)
        let r = try Q.run(notebook, arguments: ["-P", "layers=[8,4,2]"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("layers [8, 4, 2] Array<Int> large 128"), r.stdout)
        let bad = try Q.run(notebook, arguments: ["-P", "layers=[8,wide]"])
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.contains("'layers' is [Int]"), bad.stderr)
    }

    /// Each notebook gets its own report; the exit status is the worst of theirs.
    func testSeveralNotebooksRunInTurn() throws {
        let dir = try Q.scratch()
        let r = try Q.quire(["run", Q.fixture("good.md"), Q.fixture("fatal.md"), Q.fixture("bad-option.md")], directory: dir)
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/output/good/index.html"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/output/fatal/index.html"))
        XCTAssertTrue(r.stderr.contains("bad-option.md:10: error: unknown cell option 'colour'"), r.stderr)
        let two = try Q.quire(["run", Q.fixture("good.md"), Q.fixture("fatal.md")], directory: dir)
        XCTAssertEqual(two.status, 1)
        let out = try Q.quire(["run", Q.fixture("good.md"), Q.fixture("fatal.md"), "--out", dir + "/x"])
        XCTAssertEqual(out.status, 2)
        XCTAssertTrue(out.stderr.contains("--out names one report folder"), out.stderr)
    }
}
