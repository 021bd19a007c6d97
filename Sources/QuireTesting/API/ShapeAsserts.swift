import QuireTensor

/// Asserts that `tensor` has shape `expected`; `nil` entries match any size (chex `assert_shape`).
///
/// ```swift
/// try assertShape(logits, [batch, 10], name: "logits")
/// try assertShape(x, [nil, 64])            // any batch size
/// ```
public func assertShape(_ tensor: Tensor, _ expected: [Int?], name: String = "tensor",
                        file: StaticString = #filePath, line: UInt = #line) throws {
    let shape = tensor.shape
    guard shape.count == expected.count else {
        throw AssertionFailure("assertShape", "\(name) has shape \(Format.shape(shape)) (rank \(shape.count)), expected \(Format.pattern(expected)) (rank \(expected.count))",
                               file: "\(file)", line: Int(line))
    }
    for (axis, (n, want)) in zip(shape, expected).enumerated() {
        if let want, want != n {
            throw AssertionFailure("assertShape", "\(name) has shape \(Format.shape(shape)), expected \(Format.pattern(expected)) (axis \(axis) is \(n), expected \(want))",
                                   file: "\(file)", line: Int(line))
        }
    }
}

/// Asserts that `tensor` has rank `rank` (chex `assert_rank`).
///
/// ```swift
/// try assertRank(images, 4)
/// ```
public func assertRank(_ tensor: Tensor, _ rank: Int, name: String = "tensor",
                       file: StaticString = #filePath, line: UInt = #line) throws {
    try require(tensor.rank == rank, "assertRank",
                "\(name) has rank \(tensor.rank) (shape \(Format.shape(tensor.shape))), expected rank \(rank)", file, line)
}

/// Asserts that `tensor` has dtype `dtype` (chex `assert_type`).
///
/// ```swift
/// try assertType(labels, .int32, name: "labels")
/// ```
public func assertType(_ tensor: Tensor, _ dtype: DType, name: String = "tensor",
                       file: StaticString = #filePath, line: UInt = #line) throws {
    try require(tensor.dtype == dtype, "assertType", "\(name) has dtype \(tensor.dtype), expected \(dtype)", file, line)
}

/// Asserts that all `tensors` have the same shape (chex `assert_equal_shape`).
///
/// ```swift
/// try assertEqualShape([prediction, target])
/// ```
public func assertEqualShape(_ tensors: [Tensor], file: StaticString = #filePath, line: UInt = #line) throws {
    guard let first = tensors.first else { return }
    for (i, t) in tensors.enumerated().dropFirst() where t.shape != first.shape {
        throw AssertionFailure("assertEqualShape", "tensor \(i) has shape \(Format.shape(t.shape)) but tensor 0 has shape \(Format.shape(first.shape))",
                               file: "\(file)", line: Int(line))
    }
}

/// Asserts that `tensor` is a scalar: rank 0 (chex `assert_scalar`).
///
/// ```swift
/// try assertScalar(loss, name: "loss")
/// ```
public func assertScalar(_ tensor: Tensor, name: String = "tensor",
                         file: StaticString = #filePath, line: UInt = #line) throws {
    try require(tensor.rank == 0, "assertScalar", "\(name) has shape \(Format.shape(tensor.shape)), expected a scalar (shape [])", file, line)
}

/// Asserts that `tensor` is a scalar greater than 0 (chex `assert_scalar_positive`).
public func assertScalarPositive(_ tensor: Tensor, name: String = "tensor",
                                 file: StaticString = #filePath, line: UInt = #line) throws {
    try scalarSatisfies(tensor, "assertScalarPositive", name, "> 0", file, line) { $0 > 0 }
}

/// Asserts that `tensor` is a scalar greater than or equal to 0 (chex `assert_scalar_non_negative`).
public func assertScalarNonNegative(_ tensor: Tensor, name: String = "tensor",
                                    file: StaticString = #filePath, line: UInt = #line) throws {
    try scalarSatisfies(tensor, "assertScalarNonNegative", name, ">= 0", file, line) { $0 >= 0 }
}

/// Asserts that `tensor` is a scalar less than 0 (chex `assert_scalar_negative`).
public func assertScalarNegative(_ tensor: Tensor, name: String = "tensor",
                                 file: StaticString = #filePath, line: UInt = #line) throws {
    try scalarSatisfies(tensor, "assertScalarNegative", name, "< 0", file, line) { $0 < 0 }
}

/// Asserts that `tensor` is a scalar in `range` (chex `assert_scalar_in`).
///
/// ```swift
/// try assertScalarIn(accuracy, 0...1, name: "accuracy")
/// ```
public func assertScalarIn(_ tensor: Tensor, _ range: ClosedRange<Double>, name: String = "tensor",
                           file: StaticString = #filePath, line: UInt = #line) throws {
    let bounds = "in [\(Format.value(range.lowerBound)), \(Format.value(range.upperBound))]"
    try scalarSatisfies(tensor, "assertScalarIn", name, bounds, file, line) { range.contains($0) }
}

private func scalarSatisfies(_ tensor: Tensor, _ assertion: String, _ name: String, _ expectation: String,
                             _ file: StaticString, _ line: UInt, _ predicate: (Double) -> Bool) throws {
    try require(tensor.rank == 0, assertion, "\(name) has shape \(Format.shape(tensor.shape)), expected a scalar \(expectation)", file, line)
    let v = tensor.hostValues[0]
    try require(predicate(v), assertion, "\(name) is \(Format.value(v)), expected \(expectation)", file, line)
}
