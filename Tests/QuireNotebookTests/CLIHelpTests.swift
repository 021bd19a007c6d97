import XCTest

/// What the CLI says about itself.
final class CLIHelpTests: XCTestCase {
    typealias Q = QuireCLIHarness

    func testDemoHelpPointsAtTheNotebooks() throws {
        let r = try Q.quire(["demo", "--help"])
        XCTAssertEqual(r.status, 0)
        XCTAssertTrue(r.stdout.contains("OVERVIEW: Print a short tour of the tensor engine (no notebook needed)."), r.stdout)
        XCTAssertTrue(r.stdout.contains("quire run notebooks/quickstart.md"), r.stdout)
        XCTAssertFalse(r.stdout.contains("until `quire run` exists"))
    }
}
