import Foundation
import XCTest

/// A fresh directory under the system's temporary directory, named after the test and removed when
/// the test ends.
///
/// ```swift
/// let dir = try temporaryDirectory(self)
/// try data.write(to: dir.appendingPathComponent("x.bin"))
/// ```
public func temporaryDirectory(_ test: XCTestCase, _ name: String = #function) throws -> URL {
    let dir = FileManager.default.temporaryDirectory
        .appendingPathComponent("quire-test-\(name.filter { $0.isLetter || $0.isNumber })-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
    return dir
}
