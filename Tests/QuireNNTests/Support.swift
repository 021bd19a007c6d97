import XCTest
import QuireTensor
@testable import QuireNN

/// Deterministic test input.
func sample(_ shape: [Int], seed: Int = 42, stddev: Double = 1) -> Tensor {
    Tensor.normal(PRNGKey(seed: seed), shape: shape, stddev: stddev)
}
