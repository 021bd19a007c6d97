/// The error every QuireTesting assert throws: which assert, what was wrong, and where it was called.
///
/// `description` reads `FILE:LINE: assertShape failed: x has shape [2, 3], expected [2, 4]`. In a notebook
/// cell `FILE:LINE` is the notebook's own line (cells are compiled under `#sourceLocation`), so the report
/// shows the failure where it happened. In XCTest, a `throws` test method reports it as the failure.
///
/// ```swift
/// do { try assertRank(x, 3) }
/// catch let failure as AssertionFailure { print(failure.message) }   // "tensor has rank 2 (shape [4, 5]), expected rank 3"
/// ```
public struct AssertionFailure: Error, CustomStringConvertible, Equatable, Sendable {
    /// The assert that failed, e.g. `assertTreesAllClose`.
    public let assertion: String
    /// What was expected and what was found, without the location.
    public let message: String
    /// Where the assert was called (`#filePath`, `#line`).
    public let file: String
    public let line: Int
    /// The test variant (`eager`, `jit`, …) the failure happened under, if any.
    public let variant: String?

    public init(_ assertion: String, _ message: String, file: String, line: Int, variant: String? = nil) {
        (self.assertion, self.message, self.file, self.line, self.variant) = (assertion, message, file, line, variant)
    }

    public var description: String {
        let under = variant.map { " [variant \($0)]" } ?? ""
        return "\(file):\(line): \(assertion) failed\(under): \(message)"
    }

    /// The same failure, marked as happening under `variant`.
    func under(_ variant: String) -> AssertionFailure {
        AssertionFailure(assertion, message, file: file, line: line, variant: variant)
    }
}

/// Throws an ``AssertionFailure`` for `assertion` at the caller's location unless `condition` holds.
@inline(__always)
func require(_ condition: Bool, _ assertion: String, _ message: @autoclosure () -> String,
             _ file: StaticString, _ line: UInt) throws {
    if !condition { throw AssertionFailure(assertion, message(), file: "\(file)", line: Int(line)) }
}
