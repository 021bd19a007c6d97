import QuireTensor
import XCTest

/// `TensorDict`'s in-place access: entries moved out and back, written without a copy.
final class TensorDictTests: XCTestCase {
    private func address(_ t: Tensor) -> UnsafeRawPointer? {
        t.withUnsafeBufferPointer(as: Float.self) { UnsafeRawPointer($0.baseAddress) }
    }

    func testModifyingManyKeysWritesInPlaceAndPutsEveryTensorBack() {
        var dict: TensorDict = ["a": Tensor([1, 2] as [Float]), "b": Tensor([3] as [Float]), "c": Tensor([4] as [Float])]
        let before = address(dict["a"]!)
        let held = dict["c"]!
        let seen = dict.modify(["c", "missing", "a", "a"]) { taken -> [Bool] in
            let present = taken.map { $0 != nil }
            taken[0]!.withUnsafeMutableBufferPointer(as: Float.self) { $0[0] = 40 }
            taken[2]!.withUnsafeMutableBufferPointer(as: Float.self) { $0[1] = 20 }
            return present
        }
        XCTAssertEqual(seen, [true, false, true, false], "a missing key and a repeated one are nil")
        XCTAssertEqual(dict.keys, ["a", "b", "c"])
        XCTAssertEqual(dict["a"]!.scalars(as: Float.self), [1, 20])
        XCTAssertEqual(address(dict["a"]!), before, "a tensor only the dictionary holds is written in place")
        XCTAssertEqual(dict["c"]!.scalars(as: Float.self), [40])
        XCTAssertEqual(held.scalars(as: Float.self), [4], "a held tensor is copied, not changed")
        XCTAssertEqual(dict["b"]!.scalars(as: Float.self), [3])
    }
}
