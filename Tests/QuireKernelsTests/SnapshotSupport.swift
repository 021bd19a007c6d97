import Foundation
import XCTest

/// Compares `actual` exactly with the golden file `Snapshots/<name>` in this test folder. With
/// `QUIRE_RECORD_SNAPSHOTS=1` in the environment it (re)writes the golden file and passes instead:
/// run the test once that way after an intended change, then review and commit the file's diff.
///
/// ```swift
/// assertSnapshot(try f.emittedC(for: inputs), named: "vector-add.c.golden")
/// ```
func assertSnapshot(_ actual: String, named name: String, file: StaticString = #filePath, line: UInt = #line) {
    let url = URL(fileURLWithPath: "\(#filePath)").deletingLastPathComponent()
        .appendingPathComponent("Snapshots").appendingPathComponent(name)
    if ProcessInfo.processInfo.environment["QUIRE_RECORD_SNAPSHOTS"] == "1" {
        do { try actual.write(to: url, atomically: true, encoding: .utf8) } catch {
            XCTFail("could not record snapshot \(url.path): \(error)", file: file, line: line)
        }
        return
    }
    guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
        return XCTFail("no snapshot at \(url.path); run with QUIRE_RECORD_SNAPSHOTS=1 to record it", file: file, line: line)
    }
    if actual == expected { return }
    let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
    let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
    let common = Swift.min(a.count, e.count)
    let first = (0..<common).first { a[$0] != e[$0] } ?? common
    let got = first < a.count ? String(a[first]) : "<end>", want = first < e.count ? String(e[first]) : "<end>"
    XCTFail("""
        \(name) differs from its snapshot at line \(first + 1):
          expected: \(want)
          actual:   \(got)
        (re-record with QUIRE_RECORD_SNAPSHOTS=1 if the change is intended, and review the diff)
        """, file: file, line: line)
}
