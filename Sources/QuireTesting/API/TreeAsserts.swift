import QuireNN
import QuireTensor

/// Asserts that two trees of tensors (path-keyed, as parameters, gradients and optimizer states are) have
/// the same paths and that the tensors at each path are close (chex `assert_trees_all_close`): same shape,
/// same dtype, |a − b| ≤ atol + rtol·|b| element for element. The message names the first differing path
/// and element with both values and the tolerance.
///
/// ```swift
/// try assertTreesAllClose(restored.state(), model.state(), rtol: 0, atol: 1e-7)
/// ```
public func assertTreesAllClose(_ actual: TensorDict, _ expected: TensorDict, rtol: Double = 1e-6, atol: Double = 0,
                                file: StaticString = #filePath, line: UInt = #line) throws {
    if let problem = treeDifference(actual, expected, .init(rtol: rtol, atol: atol)) {
        throw AssertionFailure("assertTreesAllClose", problem, file: "\(file)", line: Int(line))
    }
}

/// `assertTreesAllClose` over two modules' states (every parameter kind).
///
/// ```swift
/// try assertTreesAllClose(copy, model)
/// ```
public func assertTreesAllClose(_ actual: Module, _ expected: Module, rtol: Double = 1e-6, atol: Double = 0,
                                file: StaticString = #filePath, line: UInt = #line) throws {
    try assertTreesAllClose(actual.state(), expected.state(), rtol: rtol, atol: atol, file: file, line: line)
}

/// Asserts that two trees of tensors have the same paths and equal tensors (chex `assert_trees_all_equal`).
///
/// ```swift
/// try assertTreesAllEqual(loaded, saved)
/// ```
public func assertTreesAllEqual(_ actual: TensorDict, _ expected: TensorDict,
                                file: StaticString = #filePath, line: UInt = #line) throws {
    if let problem = treeDifference(actual, expected, .init(rtol: 0, atol: 0)) {
        throw AssertionFailure("assertTreesAllEqual", problem, file: "\(file)", line: Int(line))
    }
}

/// `assertTreesAllEqual` over two modules' states (every parameter kind).
public func assertTreesAllEqual(_ actual: Module, _ expected: Module, file: StaticString = #filePath, line: UInt = #line) throws {
    try assertTreesAllEqual(actual.state(), expected.state(), file: file, line: line)
}

/// The first difference between two trees: paths only one has, then per path (in `actual`'s order) shape,
/// dtype and values.
private func treeDifference(_ actual: TensorDict, _ expected: TensorDict, _ tol: Comparison.Tolerance) -> String? {
    let onlyActual = actual.keys.filter { expected[$0] == nil }
    let onlyExpected = expected.keys.filter { actual[$0] == nil }
    if !onlyActual.isEmpty || !onlyExpected.isEmpty {
        var parts: [String] = []
        if !onlyActual.isEmpty { parts.append("only in the first: " + onlyActual.joined(separator: ", ")) }
        if !onlyExpected.isEmpty { parts.append("only in the second: " + onlyExpected.joined(separator: ", ")) }
        return "the trees have different paths (" + parts.joined(separator: "; ") + ")"
    }
    for (path, tensor) in actual {
        if let problem = Comparison.firstDifference(path, tensor, expected[path]!, tol) { return problem }
    }
    return nil
}
