import XCTest
import QuireTensor
@testable import QuireNN

func assertClose(_ a: Tensor, _ b: Tensor, tolerance: Double = 1e-5, _ message: String = "",
                 file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.shape, b.shape, "shape \(message)", file: file, line: line)
    guard a.shape == b.shape else { return }
    let x = a.cast(to: .float64).scalars(as: Double.self), y = b.cast(to: .float64).scalars(as: Double.self)
    var worst = 0.0
    for (u, v) in zip(x, y) { worst = max(worst, abs(u - v) / max(1, abs(v))) }
    XCTAssertLessThanOrEqual(worst, tolerance, "max error \(worst) \(message)", file: file, line: line)
}

/// Deterministic test input.
func sample(_ shape: [Int], seed: Int = 42, stddev: Double = 1) -> Tensor {
    Tensor.normal(PRNGKey(seed: seed), shape: shape, stddev: stddev)
}
