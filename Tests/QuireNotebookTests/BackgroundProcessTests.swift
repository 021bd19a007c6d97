import Foundation
import XCTest

/// A cell that starts a process in the background: the run ends when the notebook program does, not when
/// the background process closes the pipes it inherited.
final class BackgroundProcessTests: XCTestCase {
    typealias Q = QuireCLIHarness

    func testRunDoesNotWaitForABackgroundGrandchild() throws {
        let dir = try Q.scratch()
        let marker = "quire-bg-\(UUID().uuidString.prefix(8))"
        try """
            ```swift
            import Foundation
            system("exec -a \(marker) /bin/sleep 60 &")
            print("started")
            ```
            """.write(toFile: dir + "/nb.md", atomically: true, encoding: .utf8)
        let r = try Q.run(dir + "/nb.md", directory: dir)
        defer { _ = try? CacheTests.shell("pkill -f \(marker)") }
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.html?.contains("started") == true)
        // quire returned while the background process still runs: it did not wait for its pipes to close.
        let alive = try CacheTests.shell("pgrep -f \(marker) || true")
        XCTAssertFalse(alive.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "the background process should still be running")
    }
}
