import QuireTestSupport
import XCTest
@testable import QuireTensor

/// Matrix products against NumPy (Fixtures/gen_matmul.py), BLAS layout selection, and larger
/// products checked against a reduction-based reference.
final class MatmulTests: XCTestCase {
    private func applyView(_ t: Tensor, _ kind: String?) -> Tensor {
        switch kind {
        case "T": return t.transposed()
        case "step": return t.sliced(axis: t.rank - 1, 0, nil, step: 2)
        default: return t
        }
    }

    func testAgainstNumPy() throws {
        let cases = try Fixtures.load("matmul")
        XCTAssertGreaterThan(cases.count, 30)
        for c in cases {
            let a = applyView(c.input("a"), c.attrs["aView"]?.string)
            let b = applyView(c.input("b"), c.attrs["bView"]?.string)
            let out = a.matmul(b)
            switch c.out.dtype {
            case .float64: assertClose(out, c.out, rtol: 1e-12, atol: 1e-12, c.name)
            case .float32: assertClose(out, c.out, rtol: 1e-5, atol: 1e-5, c.name)
            case .float16: assertClose(out, c.out, rtol: 2e-3, atol: 5e-3, c.name)
            case .bfloat16: assertClose(out, c.out, rtol: 1e-2, atol: 1e-2, c.name)
            default: assertClose(out, c.out, rtol: 0, atol: 0, c.name)
            }
            // A contiguous copy of the operands gives the same product.
            if !a.isContiguous || !b.isContiguous {
                assertClose(a.copied().matmul(b.copied()), out, rtol: 1e-6, atol: 1e-6, c.name + " (copies)")
            }
        }
    }

    func testBLASLayouts() {
        // Row-major, and the transpose of a row-major matrix, are read in place.
        XCTAssertEqual(GemmOperand(rows: 3, cols: 4, rowStride: 4, colStride: 1), GemmOperand(transposed: false, ld: 4))
        XCTAssertEqual(GemmOperand(rows: 3, cols: 4, rowStride: 1, colStride: 3), GemmOperand(transposed: true, ld: 3))
        // A slice of wider rows keeps its leading dimension.
        XCTAssertEqual(GemmOperand(rows: 3, cols: 4, rowStride: 10, colStride: 1), GemmOperand(transposed: false, ld: 10))
        // Gaps inside rows, or broadcast (stride-0) dimensions, need a copy.
        XCTAssertNil(GemmOperand(rows: 3, cols: 4, rowStride: 8, colStride: 2))
        XCTAssertNil(GemmOperand(rows: 3, cols: 4, rowStride: 0, colStride: 1))
        // Single rows and columns: any stride along the unit dimension works.
        XCTAssertEqual(GemmOperand(rows: 1, cols: 4, rowStride: 99, colStride: 1), GemmOperand(transposed: false, ld: 4))
        XCTAssertEqual(GemmOperand(rows: 4, cols: 1, rowStride: 7, colStride: 99), GemmOperand(transposed: false, ld: 7))
        XCTAssertEqual(GemmOperand(rows: 1, cols: 4, rowStride: 1, colStride: 5), GemmOperand(transposed: true, ld: 5))

        let m = Tensor.arange(12).reshaped([3, 4])
        let t = m.transposed()
        XCTAssertNotNil(GemmOperand(rows: 4, cols: 3, rowStride: t.strides[0], colStride: t.strides[1]))
    }

    func testShapeValidation() {
        XCTAssertEqual(try Tensor.matmulShape([2, 1, 3, 4], [5, 4, 6]), [2, 5, 3, 6])
        XCTAssertEqual(try Tensor.matmulShape([4], [4]), [])
        XCTAssertEqual(try Tensor.matmulShape([4], [2, 4, 3]), [2, 3])
        XCTAssertEqual(try Tensor.matmulShape([2, 3, 4], [4]), [2, 3])
        XCTAssertEqual(try Tensor.matmulShape([0, 3, 4], [4, 0]), [0, 3, 0])
        XCTAssertThrowsError(try Tensor.matmulShape([2, 3], [4, 5])) { e in
            XCTAssertEqual("\(e)", "matmul: inner dimensions differ: [2, 3] x [4, 5] (3 vs 4)")
        }
        XCTAssertThrowsError(try Tensor.matmulShape([3], [4])) { e in
            XCTAssertEqual("\(e)", "matmul: inner dimensions differ: [3] x [4] (3 vs 4)")
        }
        XCTAssertThrowsError(try Tensor.matmulShape([2, 3, 4], [3, 4, 5])) { e in
            XCTAssertEqual("\(e)", "matmul: batch dimensions [2] and [3] of [2, 3, 4] x [3, 4, 5] cannot be broadcast together")
        }
        XCTAssertThrowsError(try Tensor.matmulShape([], [3])) { e in
            XCTAssertTrue("\(e)".hasPrefix("matmul: operands must have at least one dimension, got [] x [3]"))
        }
    }

    /// Deterministic pseudo-random values in [-1, 1).
    private func random(_ shape: [Int], seed: UInt64) -> Tensor {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 &+ 1
        let values = (0..<shape.reduce(1, *)).map { _ -> Float in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(state >> 40) / Float(1 << 24) * 2 - 1
        }
        return Tensor(values, shape: shape)
    }

    /// a·b as broadcast multiply and sum: independent of BLAS.
    private func reference(_ a: Tensor, _ b: Tensor) -> Tensor {
        let (m, k, n) = (a.shape[0], a.shape[1], b.shape[1])
        return (a.reshaped([m, k, 1]) * b.reshaped([1, k, n])).sum(axes: [1])
    }

    func testLargerProductsAndBatching() {
        let a = random([70, 130], seed: 1), b = random([130, 90], seed: 2)
        assertClose(a.matmul(b), reference(a, b), rtol: 1e-5, atol: 1e-4)
        // Transposed operands (views), both ways round.
        let at = random([130, 70], seed: 3), bt = random([90, 130], seed: 4)
        assertClose(at.transposed().matmul(bt.transposed()), reference(at.transposed(), bt.transposed()), rtol: 1e-5, atol: 1e-4)
        // A stacked left operand with a shared right matrix (one folded product) equals the
        // per-matrix products, and so does a broadcast batch.
        let stack = random([4, 5, 6], seed: 5), w = random([6, 7], seed: 6)
        let folded = stack.matmul(w)
        let wb = w.broadcast(to: [4, 6, 7])   // stride-0 batch: per-matrix loop
        assertClose(stack.matmul(wb), folded, rtol: 1e-6, atol: 1e-6)
        for i in 0..<4 {
            let slice = stack.sliced(axis: 0, i, i + 1).reshaped([5, 6])
            assertClose(folded.sliced(axis: 0, i, i + 1).reshaped([5, 7]), slice.matmul(w), rtol: 1e-6, atol: 1e-6)
        }
        // A permuted stack whose rows do not fold.
        let p = random([5, 4, 6], seed: 7).permuted([1, 0, 2])
        assertClose(p.matmul(w), p.copied().matmul(w), rtol: 1e-6, atol: 1e-6)
        // float64 agrees with float32.
        assertClose(a.cast(to: .float64).matmul(b.cast(to: .float64)).cast(to: .float32), a.matmul(b), rtol: 1e-5, atol: 1e-4)
    }

    func testDTypesAndOuter() {
        let h = Tensor([[1, 2], [3, 4]] as [[Float]]).cast(to: .float16)
        XCTAssertEqual(h.matmul(h).dtype, .float16)
        XCTAssertEqual(h.matmul(h).scalars(as: Float.self), [7, 10, 15, 22])
        let i = Tensor([[1, 2], [3, 4]] as [[Int32]])
        XCTAssertEqual(i.matmul(i).dtype, .int32)
        XCTAssertEqual(i.matmul(i).scalars(as: Int32.self), [7, 10, 15, 22])
        let b = Tensor([true, false, true], shape: [1, 3])
        XCTAssertEqual(b.matmul(b.transposed()).scalars(as: Int32.self), [2])
        // Mixed: int with float32 promotes to float32.
        XCTAssertEqual(i.matmul(Tensor.eye(2)).dtype, .float32)

        let o = Tensor.outer(Tensor([1, 2] as [Float]), Tensor([1, 10, 100] as [Float]))
        XCTAssertEqual(o.shape, [2, 3])
        XCTAssertEqual(o.scalars(as: Float.self), [1, 10, 100, 2, 20, 200])
    }

    func testZeroSizeAndInnerZero() {
        XCTAssertEqual(Tensor.zeros([0, 4]).matmul(Tensor.zeros([4, 5])).shape, [0, 5])
        let z = Tensor.ones([3, 0]).matmul(Tensor.ones([0, 5]))
        XCTAssertEqual(z.shape, [3, 5])
        XCTAssertEqual(z.scalars(as: Float.self), [Float](repeating: 0, count: 15))
        XCTAssertEqual(Tensor.zeros([2, 1, 3, 4]).matmul(Tensor.zeros([0, 4, 6])).shape, [2, 0, 3, 6])
    }

    func testBLASThreadCount() {
        let saved = Parallelism.blasThreadCount
        defer { Parallelism.blasThreadCount = saved }
        XCTAssertGreaterThanOrEqual(saved, 1)
        Parallelism.blasThreadCount = 1
        XCTAssertEqual(Parallelism.blasThreadCount, 1)
        Parallelism.blasThreadCount = 0
        XCTAssertEqual(Parallelism.blasThreadCount, 1)
        let a = random([64, 64], seed: 9)
        let single = a.matmul(a)
        Parallelism.blasThreadCount = saved
        assertClose(a.matmul(a), single, rtol: 1e-6, atol: 1e-6)
    }
}
