import QuireNN
import QuireTensor
import XCTest
@testable import QuireTesting

/// Every assert passes on good input and fails on bad input with the exact message, at the caller's line.
final class AssertTests: XCTestCase {
    /// Runs `body`, expects an AssertionFailure thrown from line `line` of this file, returns its description
    /// without the location prefix.
    func failure(_ body: () throws -> Void, line expectedLine: UInt, file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            try body()
            XCTFail("no failure", file: file, line: line)
            return ""
        } catch let f as AssertionFailure {
            XCTAssertEqual(f.file, "\(#filePath)", file: file, line: line)
            XCTAssertEqual(f.line, Int(expectedLine), file: file, line: line)
            let prefix = "\(#filePath):\(expectedLine): "
            XCTAssertTrue(f.description.hasPrefix(prefix), f.description, file: file, line: line)
            return String(f.description.dropFirst(prefix.count))
        } catch {
            XCTFail("unexpected \(error)", file: file, line: line)
            return ""
        }
    }

    let x = Tensor([[1, 2, 3], [4, 5, 6]] as [[Float]])

    func testShapeRankAndType() throws {
        try assertShape(x, [2, 3])
        try assertShape(x, [nil, 3])
        try assertRank(x, 2)
        try assertType(x, .float32)
        try assertEqualShape([x, x * 2])
        XCTAssertEqual(failure({ try assertShape(x, [2, 4], name: "logits") }, line: #line),
                       "assertShape failed: logits has shape [2, 3], expected [2, 4] (axis 1 is 3, expected 4)")
        XCTAssertEqual(failure({ try assertShape(x, [nil, 3, 1]) }, line: #line),
                       "assertShape failed: tensor has shape [2, 3] (rank 2), expected [_, 3, 1] (rank 3)")
        XCTAssertEqual(failure({ try assertRank(x, 3, name: "images") }, line: #line),
                       "assertRank failed: images has rank 2 (shape [2, 3]), expected rank 3")
        XCTAssertEqual(failure({ try assertType(x, .int32, name: "labels") }, line: #line),
                       "assertType failed: labels has dtype float32, expected int32")
        XCTAssertEqual(failure({ try assertEqualShape([x, x, x.transposed()]) }, line: #line),
                       "assertEqualShape failed: tensor 2 has shape [3, 2] but tensor 0 has shape [2, 3]")
    }

    func testScalars() throws {
        let loss = Tensor(Float(0.25))
        try assertScalar(loss)
        try assertScalarPositive(loss)
        try assertScalarNonNegative(Tensor(Float(0)))
        try assertScalarNegative(Tensor(Float(-1)))
        try assertScalarIn(loss, 0...1)
        XCTAssertEqual(failure({ try assertScalar(x, name: "loss") }, line: #line),
                       "assertScalar failed: loss has shape [2, 3], expected a scalar (shape [])")
        XCTAssertEqual(failure({ try assertScalarPositive(Tensor(Float(-2)), name: "lr") }, line: #line),
                       "assertScalarPositive failed: lr is -2, expected > 0")
        XCTAssertEqual(failure({ try assertScalarNonNegative(Tensor(-0.5)) }, line: #line),
                       "assertScalarNonNegative failed: tensor is -0.5, expected >= 0")
        XCTAssertEqual(failure({ try assertScalarNegative(loss) }, line: #line),
                       "assertScalarNegative failed: tensor is 0.25, expected < 0")
        XCTAssertEqual(failure({ try assertScalarIn(Tensor(1.5), 0...1, name: "accuracy") }, line: #line),
                       "assertScalarIn failed: accuracy is 1.5, expected in [0, 1]")
        XCTAssertEqual(failure({ try assertScalarPositive(x) }, line: #line),
                       "assertScalarPositive failed: tensor has shape [2, 3], expected a scalar > 0")
    }

    func testFiniteCloseAndEqual() throws {
        try assertAllFinite(x)
        let bad = Tensor([1, .nan, 3, .infinity] as [Float]).reshaped([2, 2])
        XCTAssertEqual(failure({ try assertAllFinite(bad, name: "grads") }, line: #line),
                       "assertAllFinite failed: grads[0, 1] is nan (2 of 4 elements are not finite)")
        XCTAssertEqual(failure({ try assertAllFinite(["w": x, "b": bad]) }, line: #line),
                       "assertAllFinite failed: b[0, 1] is nan (2 of 4 elements are not finite)")
        let y = Tensor([1, 2, 3.5] as [Double])
        try assertAllClose(y, y + 1e-9, rtol: 1e-6)
        XCTAssertEqual(failure({ try assertAllClose(y, Tensor([1, 2.1, 3.6] as [Double]), rtol: 1e-3, atol: 1e-6, name: "y") }, line: #line),
                       "assertAllClose failed: y[1] is 2, expected 2.1: |difference| 0.10000000000000009 > atol 1e-06 + rtol 0.001 · |expected| (2 of 3 elements differ)")
        XCTAssertEqual(failure({ try assertAllClose(y, Tensor([1, 2, 3.5] as [Float])) }, line: #line),
                       "assertAllClose failed: tensor has dtype float64, expected float32")
        XCTAssertEqual(failure({ try assertAllEqual(Tensor([3, 1, 4] as [Int32]), Tensor([3, 1, 5] as [Int32]), name: "labels") }, line: #line),
                       "assertAllEqual failed: labels[2] is 4, expected 5 (1 of 3 elements differ)")
        try assertAllClose(Tensor([.nan, 1] as [Double]), Tensor([.nan, 1] as [Double]))
    }

    func testTrees() throws {
        let a: TensorDict = ["layers.0.weight": x, "layers.0.bias": Tensor([0, 0] as [Float])]
        var b = a
        try assertTreesAllEqual(a, b)
        b["layers.0.weight"] = x + Tensor([[0, 0, 0], [0, 1e-3, 0]] as [[Float]])
        try assertTreesAllClose(a, b, rtol: 1e-3)
        XCTAssertEqual(failure({ try assertTreesAllClose(a, b, rtol: 1e-5) }, line: #line),
                       "assertTreesAllClose failed: layers.0.weight[1, 1] is 5, expected 5.000999927520752: |difference| 0.0009999275207519531 > atol 0 + rtol 1e-05 · |expected| (1 of 6 elements differ)")
        XCTAssertEqual(failure({ try assertTreesAllEqual(a, b) }, line: #line),
                       "assertTreesAllEqual failed: layers.0.weight[1, 1] is 5, expected 5.000999927520752 (1 of 6 elements differ)")
        var c = a
        c["layers.1.weight"] = x
        c["layers.0.bias"] = Tensor([0, 0, 0] as [Float])
        XCTAssertEqual(failure({ try assertTreesAllClose(a, c) }, line: #line),
                       "assertTreesAllClose failed: the trees have different paths (only in the second: layers.1.weight)")
        c["layers.1.weight"] = nil
        XCTAssertEqual(failure({ try assertTreesAllClose(a, c) }, line: #line),
                       "assertTreesAllClose failed: layers.0.bias has shape [2], expected [3]")
    }

    /// Module states: a copy loaded from the original's state is equal; a trained step is not.
    func testModuleStates() throws {
        let model = MLP([3, 4, 2], rngs: Rngs(0))
        let copy = MLP([3, 4, 2], rngs: Rngs(1))
        XCTAssertThrowsError(try assertTreesAllClose(copy, model))
        try copy.load(model.state())
        try assertTreesAllEqual(copy, model)
        try assertTreesAllClose(copy, model, rtol: 0)
    }
}
