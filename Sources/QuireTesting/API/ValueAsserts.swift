import QuireTensor

/// Asserts that every element of `tensor` is finite: no NaN, no ±∞ (chex `assert_tree_all_finite`).
/// The message names the first bad element and how many there are.
///
/// ```swift
/// try assertAllFinite(loss, name: "loss")
/// ```
public func assertAllFinite(_ tensor: Tensor, name: String = "tensor",
                            file: StaticString = #filePath, line: UInt = #line) throws {
    if let problem = nonFinite(name, tensor) {
        throw AssertionFailure("assertAllFinite", problem, file: "\(file)", line: Int(line))
    }
}

/// Asserts that every tensor of `tree` is finite; the message names the first bad path and element.
///
/// ```swift
/// try assertAllFinite(grads)
/// ```
public func assertAllFinite(_ tree: TensorDict, file: StaticString = #filePath, line: UInt = #line) throws {
    for (path, tensor) in tree {
        if let problem = nonFinite(path, tensor) {
            throw AssertionFailure("assertAllFinite", problem, file: "\(file)", line: Int(line))
        }
    }
}

func nonFinite(_ name: String, _ tensor: Tensor) -> String? {
    guard tensor.dtype.isFloatingPoint else { return nil }
    let values = tensor.hostValues
    guard let i = values.firstIndex(where: { !$0.isFinite }) else { return nil }
    let count = values.lazy.filter { !$0.isFinite }.count
    return "\(name)\(Format.index(flat: i, shape: tensor.shape)) is \(values[i]) (\(count) of \(values.count) elements are not finite)"
}

/// Asserts that `actual` and `expected` have the same shape and dtype and that every element satisfies
/// |actual − expected| ≤ atol + rtol·|expected| (NaNs must match). The message gives the first element
/// that does not, both values, the tolerance, and how many differ.
///
/// ```swift
/// try assertAllClose(y, reference, rtol: 1e-6, name: "y")
/// ```
public func assertAllClose(_ actual: Tensor, _ expected: Tensor, rtol: Double = 1e-6, atol: Double = 0,
                           name: String = "tensor", file: StaticString = #filePath, line: UInt = #line) throws {
    if let problem = Comparison.firstDifference(name, actual, expected, .init(rtol: rtol, atol: atol)) {
        throw AssertionFailure("assertAllClose", problem, file: "\(file)", line: Int(line))
    }
}

/// Asserts that `actual` and `expected` are equal element for element, with the same shape and dtype.
///
/// ```swift
/// try assertAllEqual(predictions, Tensor([3, 1, 4] as [Int32]))
/// ```
public func assertAllEqual(_ actual: Tensor, _ expected: Tensor, name: String = "tensor",
                           file: StaticString = #filePath, line: UInt = #line) throws {
    if let problem = Comparison.firstDifference(name, actual, expected, .init(rtol: 0, atol: 0)) {
        throw AssertionFailure("assertAllEqual", problem, file: "\(file)", line: Int(line))
    }
}
