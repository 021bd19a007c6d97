import XCTest
@testable import QuireTensor

final class ConversionTests: XCTestCase {
    /// Every float16 value survives float16 → float32 → float16, and bfloat16 likewise.
    func testHalfPrecisionRoundTripsExhaustively() {
        let halves = (0...UInt16.max).map { Float16(bitPattern: $0) }
        let h = Tensor(halves)
        let back = h.cast(to: .float32).cast(to: .float16).scalars(as: Float16.self)
        for (x, y) in zip(halves, back) where !x.isNaN {
            XCTAssertEqual(x.bitPattern, y.bitPattern)
        }
        let brains = (0...UInt16.max).map { BFloat16(bitPattern: $0) }
        let b = Tensor(brains).cast(to: .float32).cast(to: .bfloat16).scalars(as: BFloat16.self)
        for (x, y) in zip(brains, b) where !Float(x).isNaN {
            XCTAssertEqual(x.bitPattern, y.bitPattern)
        }
    }

    /// float32 → bfloat16 rounds to nearest, ties to even, checked on exact halfway points.
    func testBFloat16RoundsToNearestEven() {
        // 1 + 2^-8 lies halfway between 1 and 1 + 2^-7: ties go to the even mantissa (1).
        XCTAssertEqual(Float(BFloat16(Float(1) + 0x1p-8)), 1)
        // 1 + 3·2^-8 lies halfway between 1 + 2^-7 and 1 + 2^-6: ties go to 1 + 2^-6.
        XCTAssertEqual(Float(BFloat16(Float(1) + 3 * 0x1p-8)), 1 + 0x1p-6)
        XCTAssertEqual(Float(BFloat16(Float(1) + 0x1p-8 + 0x1p-20)), 1 + 0x1p-7)
        XCTAssertTrue(Float(BFloat16(Float.nan)).isNaN)
        XCTAssertEqual(Float(BFloat16(Float.infinity)), .infinity)
        XCTAssertEqual(Float(BFloat16(Float.greatestFiniteMagnitude)), .infinity)
    }

    func testIntegerConversionSaturatesAndTruncates() {
        let x = Tensor([-1e10, -2.9, -0.5, 0.5, 2.9, 1e10, .nan] as [Float])
        XCTAssertEqual(x.cast(to: .int32).scalars(as: Int32.self), [Int32.min, -2, 0, 0, 2, Int32.max, 0])
        XCTAssertEqual(x.cast(to: .int8).scalars(as: Int8.self), [-128, -2, 0, 0, 2, 127, 0])
        XCTAssertEqual(x.cast(to: .uint8).scalars(as: UInt8.self), [0, 0, 0, 0, 2, 255, 0])
        XCTAssertEqual(x.cast(to: .bool).scalars(as: Bool.self), [true, true, true, true, true, true, true])
    }

    func testEveryDTypePairRoundTripsSmallIntegers() {
        let values: [Float] = [0, 1, 2, 3, 7, 100]
        for a in DType.allCases where a != .bool {
            for b in DType.allCases where b != .bool {
                let t = Tensor(values).cast(to: a).cast(to: b).cast(to: .float32)
                XCTAssertEqual(t.scalars(), values, "\(a) -> \(b)")
            }
        }
    }

    func testCreation() {
        XCTAssertEqual(Tensor.zeros([2, 3], dtype: .int8).scalars(as: Int8.self), [0, 0, 0, 0, 0, 0])
        XCTAssertEqual(Tensor.ones([2], dtype: .bfloat16).scalars(), [1, 1])
        XCTAssertEqual(Tensor.full([2, 2], 7, dtype: .int32).scalars(as: Int32.self), [7, 7, 7, 7])
        XCTAssertEqual(Tensor.arange(4, dtype: .int32).scalars(as: Int32.self), [0, 1, 2, 3])
        XCTAssertEqual(Tensor([[1, 2], [3, 4]] as [[Float]]).shape, [2, 2])
        XCTAssertEqual(Tensor(Float(3)).shape, [])
        XCTAssertEqual(Tensor(Float(3)).item(), 3)
        XCTAssertEqual(Tensor.zeros([0, 3]).scalarCount, 0)
        XCTAssertEqual(Tensor.zeros([0, 3]).exp().shape, [0, 3])
        XCTAssertEqual(Tensor.zeros(like: Tensor.eye(2, dtype: .float64)).dtype, .float64)
    }

    func testReshapeViewsAndCopies() {
        let x = Tensor.arange(24).reshaped(2, 3, 4)
        XCTAssertTrue(x.reshaped(6, -1).storage === x.storage)
        let t = x.transposed()   // [2, 4, 3], not contiguous
        let r = t.reshaped(2, 2, 2, 3)   // splits a strided dim: still a view
        XCTAssertTrue(r.storage === x.storage)
        XCTAssertEqual(r.scalars(), t.copied().reshaped(2, 2, 2, 3).scalars())
        let empty = Tensor.zeros([2, 0, 2, 3]).transposed()
        XCTAssertTrue(empty.isContiguous)
        XCTAssertEqual(empty.reshaped(0, 6).shape, [0, 6])
        XCTAssertEqual(empty.reshaped(-1, 4).shape, [0, 4])
        let flat = t.reshaped(-1)    // needs a copy
        XCTAssertFalse(flat.storage === x.storage)
        XCTAssertEqual(flat.scalars(), t.copied().scalars())
    }
}

final class DescriptionTests: XCTestCase {
    func testPrintsLikeNumPy() {
        XCTAssertEqual(Tensor([[1, 2.5], [3, 4]] as [[Float]]).description,
                       "[[1.  2.5]\n [3.  4. ]]  shape: [2, 2], dtype: float32")
        XCTAssertEqual(Tensor([1, -2, 30] as [Int32]).description, "[ 1 -2 30]  shape: [3], dtype: int32")
        XCTAssertEqual(Tensor([true, false]).description, "[ true false]  shape: [2], dtype: bool")
        XCTAssertEqual(Tensor(Float(0.5)).description, "0.5  shape: [], dtype: float32")
        XCTAssertEqual(Tensor([1e-5, 1] as [Float]).description, "[1.0000e-05 1.0000e+00]  shape: [2], dtype: float32")
    }

    func testElidesLargeTensors() {
        let text = Tensor.arange(2000).reshaped(2, 1000).description
        XCTAssertEqual(text, "[[   0.    1.    2. ...  997.  998.  999.]\n [1000. 1001. 1002. ... 1997. 1998. 1999.]]  shape: [2, 1000], dtype: float32")
        let cube = Tensor.arange(8).reshaped(2, 2, 2).description
        XCTAssertEqual(cube, "[[[0. 1.]\n  [2. 3.]]\n\n [[4. 5.]\n  [6. 7.]]]  shape: [2, 2, 2], dtype: float32")
    }
}

final class CopyTests: XCTestCase {
    /// Transposed sources take the tiled path; every layout must give NumPy's row-major order.
    func testTransposedCopiesMatchElementwiseReads() {
        for shape in [[70, 33], [3, 129, 65], [2, 3, 40, 50]] {
            let n = shape.reduce(1, *)
            let x = Tensor((0..<n).map { Float($0 % 2039) }, shape: shape)   // exact in float16 too
            for perm in [Array((0..<shape.count).reversed()), Array(0..<(shape.count - 2)) + [shape.count - 1, shape.count - 2]] {
                let v = x.permuted(perm)
                let c = v.copied()
                var expected = [Float]()
                expected.reserveCapacity(n)
                var index = [Int](repeating: 0, count: v.rank)
                for _ in 0..<n {
                    expected.append(Float(v.scalarValue(at: index)))
                    var d = v.rank - 1
                    while d >= 0 {
                        index[d] += 1
                        if index[d] < v.shape[d] { break }
                        index[d] = 0
                        d -= 1
                    }
                }
                XCTAssertEqual(c.scalars(), expected, "\(shape) permuted \(perm)")
                XCTAssertEqual(v.cast(to: .float16).copied().cast(to: .float32).scalars(), expected)
            }
        }
    }

    /// Short innermost rows (broadcast and strided) take the short-row path.
    func testShortInnerRowCopies() {
        let base = Tensor((0..<(64 * 3)).map { Float($0) }, shape: [64, 1, 3])
        let wide = base.broadcast(to: [64, 50, 3])
        let c = wide.copied()
        for i in [0, 17, 63] {
            for j in [0, 49] {
                for k in 0..<3 {
                    XCTAssertEqual(Float(c.scalarValue(at: [i, j, k])), Float(i * 3 + k))
                }
            }
        }
        let strided = Tensor.arange(4000).reshaped(1000, 4).sliced(axis: 1, 0, 4, step: 2)
        var expected: [Float] = []
        for i in 0..<1000 {
            expected.append(Float(i * 4))
            expected.append(Float(i * 4 + 2))
        }
        XCTAssertEqual(strided.copied().scalars(), expected)
        XCTAssertEqual(wide.cast(to: .int8).copied().cast(to: .float32).scalars(as: Float.self).prefix(6),
                       [0, 1, 2, 0, 1, 2])
    }
}
