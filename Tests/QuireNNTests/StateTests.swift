import XCTest
import QuireTensor
@testable import QuireNN

final class StateTests: XCTestCase {
    func testStateLoadRoundTrip() throws {
        let a = MLP([3, 5, 2], rngs: Rngs(0)), b = MLP([3, 5, 2], rngs: Rngs(1))
        let x = sample([4, 3])
        XCTAssertNotEqual(a(x).scalars(as: Float.self), b(x).scalars(as: Float.self))
        try b.load(a.state())
        XCTAssertEqual(a(x).scalars(as: Float.self), b(x).scalars(as: Float.self))
        for (k, v) in a.state() { XCTAssertEqual(b.state()[k]!.scalars(as: Float.self), v.scalars(as: Float.self)) }
    }

    func testLoadListsEveryBadPathAndChangesNothing() {
        let m = MLP([3, 5, 2], rngs: Rngs(0))
        var s = m.state()
        s["layers.0.bias"] = nil
        s["layers.1.weight"] = Tensor.zeros([5, 3])
        s["layers.2.weight"] = Tensor.zeros([1])
        let before = m.state()["layers.0.weight"]!.scalars(as: Float.self)
        s["layers.0.weight"] = Tensor.zeros([3, 5])
        XCTAssertThrowsError(try m.load(s)) { error in
            XCTAssertEqual("\(error)", """
                3 problems:
                  - missing: layers.0.bias ([5] float32)
                  - mismatched: layers.1.weight expects [5, 2] float32, got [5, 3] float32
                  - unexpected: layers.2.weight ([1] float32)
                """)
        }
        XCTAssertEqual(m.state()["layers.0.weight"]!.scalars(as: Float.self), before)
    }

    func testParameterCount() {
        let m = MLP([64, 256, 10], rngs: Rngs(0))
        XCTAssertEqual(m.parameterCount(), 64 * 256 + 256 + 256 * 10 + 10)
        XCTAssertEqual(BatchNorm(4).parameterCount(.buffer), 8)
    }

    func testUpdateReplacesASubset() throws {
        let m = MLP([2, 2], rngs: Rngs(0))
        try m.update(parameters: ["layers.0.bias": Tensor([1, 2] as [Float])])
        XCTAssertEqual(m.layers[0].bias!.value.scalars(), [1, 2])
        XCTAssertThrowsError(try m.update(parameters: ["nope": Tensor.zeros([1])]))
    }

    func testLoadWithFilter() throws {
        let bn = BatchNorm(3)
        try bn.load(["mean": Tensor.ones([3]), "var": Tensor.full([3], 2)], filter: .buffer)
        XCTAssertEqual(bn.mean.value.scalars(), [1, 1, 1])
        XCTAssertThrowsError(try bn.load(["mean": Tensor.ones([3])], filter: .buffer)) { error in
            XCTAssertEqual("\(error)", "missing: var ([3] float32)")
        }
    }
}
