import XCTest
@testable import QuireNotebook

/// Runner pieces without a program.
final class RunnerUnitTests: XCTestCase {
    func testReportFolderNames() {
        for bad in ["", ".", "..", "a/b"] { XCTAssertFalse(ReportFolder.isPlainName(bad), bad) }
        for good in ["digits", ".hidden", "a..b"] { XCTAssertTrue(ReportFolder.isPlainName(good), good) }
    }
}
