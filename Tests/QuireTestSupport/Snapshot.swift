import Foundation
import XCTest

/// Asserts that `actual` is exactly the golden file `Snapshots/<name>.txt` beside the calling test file.
/// The file holds the text plus one final newline (so editors leave it alone). On a difference it reports
/// the first differing line with both versions.
///
/// To re-record golden files after an intended change, run the tests with `QUIRE_RECORD_SNAPSHOTS=1`
/// (they fail while recording, so a recording run is never mistaken for a passing one), review the
/// diff with `git diff`, and commit it:
///
/// ```sh
/// QUIRE_RECORD_SNAPSHOTS=1 swift test --skip-build --filter SummaryTests
/// ```
///
/// Test targets with snapshots exclude their `Snapshots` folder in Package.swift.
///
/// ```swift
/// assertSnapshot(model.summary(), named: "mlp-summary")
/// ```
public func assertSnapshot(_ actual: String, named name: String, file: StaticString = #filePath, line: UInt = #line) {
    let folder = URL(fileURLWithPath: "\(file)").deletingLastPathComponent().appendingPathComponent("Snapshots")
    let url = folder.appendingPathComponent(name + ".txt")
    if ProcessInfo.processInfo.environment["QUIRE_RECORD_SNAPSHOTS"] == "1" {
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try (actual + "\n").write(to: url, atomically: true, encoding: .utf8)
            XCTFail("recorded snapshot \(url.path); run again without QUIRE_RECORD_SNAPSHOTS to check it", file: file, line: line)
        } catch {
            XCTFail("could not record snapshot \(url.path): \(error)", file: file, line: line)
        }
        return
    }
    guard let stored = try? String(contentsOf: url, encoding: .utf8) else {
        return XCTFail("no snapshot \(url.path): record it with QUIRE_RECORD_SNAPSHOTS=1 and commit it", file: file, line: line)
    }
    let expected = stored.hasSuffix("\n") ? String(stored.dropLast()) : stored
    guard actual != expected else { return }
    let a = actual.components(separatedBy: "\n"), e = expected.components(separatedBy: "\n")
    let i = (0..<min(a.count, e.count)).first { a[$0] != e[$0] } ?? min(a.count, e.count)
    let got = i < a.count ? a[i] : "<end of output>", want = i < e.count ? e[i] : "<end of snapshot>"
    XCTFail("""
        output differs from snapshot \(url.lastPathComponent) at line \(i + 1):
          got:      \(got)
          expected: \(want)
        full output:
        \(actual)
        (re-record with QUIRE_RECORD_SNAPSHOTS=1 if the change is intended)
        """, file: file, line: line)
}
