// QuireTestSupport: the helpers every Quire test target shares (swift-argument-parser's
// ArgumentParserTestHelpers in spirit). Use these instead of writing a local copy:
//
//   assertClose(actual, expected, rtol:atol:)   elementwise closeness of tensors or number arrays
//   TestRNG(seed:)                              the seeded SplitMix64 generator for test inputs
//   temporaryDirectory(self)                    a fresh folder removed when the test ends
//   assertSnapshot(text, named:)                exact output against a golden file (Snapshots/<name>.txt)
//
// Add `"QuireTestSupport"` to a test target's dependencies in Package.swift and `import QuireTestSupport`.
import QuireTensor
import XCTest

/// Asserts equal counts and elementwise closeness `|a − e| ≤ atol + rtol·|e|` (NumPy's `allclose`).
/// A NaN expected value matches only NaN; an infinite one only the same infinity. The first five
/// differing elements are reported with both values and the tolerance, then the total.
///
/// ```swift
/// assertClose(losses, [0.25, 0.5], atol: 1e-12)
/// ```
public func assertClose<T: BinaryFloatingPoint>(_ actual: [T], _ expected: [T], rtol: Double = 1e-5, atol: Double = 1e-6,
                                                _ message: @autoclosure () -> String = "",
                                                file: StaticString = #filePath, line: UInt = #line) {
    guard actual.count == expected.count else {
        return XCTFail("\(actual.count) values, expected \(expected.count) \(message())", file: file, line: line)
    }
    var failures = 0
    for i in actual.indices {
        let a = Double(actual[i]), e = Double(expected[i])
        let ok: Bool
        if e.isNaN { ok = a.isNaN }
        else if e.isInfinite { ok = a == e }
        else { ok = Swift.abs(a - e) <= atol + rtol * Swift.abs(e) }
        guard !ok else { continue }
        failures += 1
        if failures <= 5 {
            XCTFail("element \(i): got \(a), expected \(e) (rtol \(rtol), atol \(atol)) \(message())", file: file, line: line)
        }
    }
    if failures > 5 { XCTFail("\(failures) elements differ in total \(message())", file: file, line: line) }
}

/// ``assertClose(_:_:rtol:atol:_:file:line:)-([T],[T],…)`` for tensors, after checking equal shapes (and
/// equal dtypes unless `checkDType` is false). Values are compared in Double.
///
/// ```swift
/// assertClose(layer(x), expected, rtol: 1e-5, atol: 1e-6)
/// ```
public func assertClose(_ actual: Tensor, _ expected: Tensor, rtol: Double = 1e-5, atol: Double = 1e-6,
                        checkDType: Bool = true, _ message: @autoclosure () -> String = "",
                        file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual.shape, expected.shape, "shape \(message())", file: file, line: line)
    if checkDType {
        XCTAssertEqual(actual.dtype, expected.dtype, "dtype \(message())", file: file, line: line)
    }
    guard actual.shape == expected.shape else { return }
    assertClose(actual.scalars(as: Double.self), expected.scalars(as: Double.self), rtol: rtol, atol: atol,
                message(), file: file, line: line)
}
