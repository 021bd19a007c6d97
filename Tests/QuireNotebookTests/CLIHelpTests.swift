import QuireTestSupport
import XCTest

/// What the CLI says about itself.
final class CLIHelpTests: XCTestCase {
    typealias Q = QuireCLIHarness

    func testDemoHelpPointsAtTheNotebooks() throws {
        let r = try Q.quire(["demo", "--help"])
        XCTAssertEqual(r.status, 0)
        // The whole help text, exactly: its overview, the pointer to `quire run notebooks/quickstart.md`.
        assertSnapshot(r.stdout, named: "demo-help")
    }
}
