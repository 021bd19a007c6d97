import QuireTestSupport
import XCTest
@testable import QuireTensor

final class IndexingTests: XCTestCase {
    func testIndexingAndGatherAgainstNumPy() throws {
        let cases = try Fixtures.load("shape")
        var ran = 0
        for c in cases {
            let a = c.attrs
            switch a["op"]!.string! {
            case "index":
                let spec = ShapeTestSupport.indices(a["spec"])
                ShapeTestSupport.check(c) { [$0[indices: spec]] }
            case "setindex":
                let spec = ShapeTestSupport.indices(a["spec"])
                ShapeTestSupport.check(c) { x in
                    var y = x
                    y[indices: spec] = c.input("value")
                    return [y]
                }
                // The value itself may be a strided view.
                for (layout, v) in ShapeTestSupport.layouts(c.input("value")) {
                    var y = c.input("x")
                    y[indices: spec] = v
                    assertClose(y, c.out, rtol: 0, atol: 0, "\(c.name) value [\(layout)]")
                }
            case "take":
                ShapeTestSupport.check(c) { [$0.take(c.input("indices"), axis: a["axis"]?.int)] }
            case "take_along":
                ShapeTestSupport.check(c) { [$0.take(along: c.input("indices"), axis: a["axis"]!.int!)] }
            case "scatter":
                ShapeTestSupport.check(c) { [$0.scatterAdding(c.input("values"), at: c.input("indices"), axis: a["axis"]!.int!)] }
            case "scatter_along":
                ShapeTestSupport.check(c) {
                    [$0.scatterAdding(c.input("values"), along: c.input("indices"), axis: a["axis"]!.int!)]
                }
            case "onehot":
                let dtype = DType(rawValue: a["dtype"]!.string!)!
                ShapeTestSupport.check(c) { [$0.oneHot(depth: a["depth"]!.int!, dtype: dtype)] }
            default:
                continue
            }
            ran += 1
        }
        XCTAssertGreaterThan(ran, 35)
    }

    func testSwiftSubscriptSyntax() {
        let x = Tensor.arange(24, dtype: .int32).reshaped(2, 3, 4)
        func values(_ t: Tensor) -> [Int32] { t.scalars(as: Int32.self) }
        XCTAssertEqual(x[1].shape, [3, 4])
        XCTAssertEqual(values(x[1, 2]), [20, 21, 22, 23])
        XCTAssertEqual(x[-1, -1, -1].shape, [])
        XCTAssertEqual(x[-1, -1, -1].item(as: Int32.self), 23)
        XCTAssertEqual(values(x[0, 1...]), [4, 5, 6, 7, 8, 9, 10, 11])
        XCTAssertEqual(values(x[0, ..<1]), [0, 1, 2, 3])
        XCTAssertEqual(values(x[0, 0, 1..<3]), [1, 2])
        XCTAssertEqual(values(x[0, 0, 1...2]), [1, 2])
        XCTAssertEqual(values(x[0, 0, (-2)...(-1)]), [2, 3])
        XCTAssertEqual(values(x[0, 0, ...(-2)]), [0, 1, 2])
        XCTAssertEqual(values(x[.all, 2, 0]), [8, 20])
        XCTAssertEqual(values(x[.ellipsis, 3]), [3, 7, 11, 15, 19, 23])
        XCTAssertEqual(x[.newAxis].shape, [1, 2, 3, 4])
        XCTAssertEqual(x[.all, .newAxis, 0].shape, [2, 1, 4])
        XCTAssertEqual(values(x[0, 0, .range(nil, nil, step: -1)]), [3, 2, 1, 0])
        XCTAssertEqual(values(x[1, 2, .range(0, 10, step: 2)]), [20, 22])
        XCTAssertEqual(values(x[1, 2, stride(from: 3, to: 0, by: -2)]), [23, 21])
        XCTAssertEqual(values(x[1, 2, stride(from: 1, to: 4, by: 2)]), [21, 23])
        XCTAssertEqual(values(x[0, 0, .range(3, 1)]), [])
        XCTAssertEqual(values(x[0, 0, .range(2, nil, step: -1)]), [2, 1, 0])
        XCTAssertTrue(x[1, .all, 2].storage === x.storage, "reading is a view")
    }

    func testAssignmentIsCopyOnWrite() {
        let original = Tensor.arange(12).reshaped(3, 4)
        var x = original
        let view = original[1]
        x[1] = Tensor(Float(-1))
        XCTAssertEqual(x.scalars(as: Float.self), [0, 1, 2, 3, -1, -1, -1, -1, 8, 9, 10, 11])
        XCTAssertEqual(original.scalars(as: Float.self), Array(0..<12).map(Float.init), "the original is untouched")
        XCTAssertEqual(view.scalars(as: Float.self), [4, 5, 6, 7], "views of the original are untouched")
        // Assigning from the tensor itself (overlapping storage).
        var y = Tensor.arange(6).reshaped(2, 3)
        y[0] = y[1]
        XCTAssertEqual(y.scalars(as: Float.self), [3, 4, 5, 3, 4, 5])
        var z = Tensor.arange(5)
        z[1...] = z[..<4]
        XCTAssertEqual(z.scalars(as: Float.self), [0, 0, 1, 2, 3])
        // Compound assignment through the subscript.
        var w = Tensor.zeros([2, 2], dtype: .int32)
        w[.all, 1] += Tensor(Int32(5))
        XCTAssertEqual(w.scalars(as: Int32.self), [0, 5, 0, 5])
        // A broadcast (stride-0) tensor becomes its own storage before the write.
        var b = Tensor(Float(1)).broadcast(to: [2, 2])
        b[0, 0] = Tensor(Float(9))
        XCTAssertEqual(b.scalars(as: Float.self), [9, 1, 1, 1])
        // Leading size-1 axes of the value are ignored; a value that does not broadcast is refused first.
        var l = Tensor.zeros([2, 3])
        l[1] = Tensor([1, 2, 3] as [Float], shape: [1, 1, 3])
        XCTAssertEqual(l.scalars(as: Float.self), [0, 0, 0, 1, 2, 3])
        // Writing through a transposed tensor.
        var t = Tensor.arange(6).reshaped(2, 3).transposed()
        t[0] = Tensor([7, 8] as [Float])
        XCTAssertEqual(t.scalars(as: Float.self), [7, 8, 1, 4, 2, 5])
    }

    func testIndexErrorsNameIndexAndAxis() {
        let x = Tensor.zeros([2, 3])
        func message(_ indices: [TensorIndex]) -> String {
            do {
                _ = try x.indexedView(indices)
                return "no error"
            } catch {
                return "\(error)"
            }
        }
        let m = message([.all, .at(3)])
        XCTAssertTrue(m.contains("index 3") && m.contains("axis 1") && m.contains("size 3"), m)
        XCTAssertTrue(message([.at(-3)]).contains("index -3"), message([.at(-3)]))
        XCTAssertTrue(message([.at(0), .at(0), .at(0)]).contains("3 indices for a rank-2"))
        XCTAssertTrue(message([.ellipsis, .ellipsis]).contains("ellipsis"))
        XCTAssertTrue(message([.range(0, 2, step: 0)]).contains("step"))

        let idx = Tensor([0, 5] as [Int32])
        XCTAssertThrowsError(try Tensor.resolvedIndices(idx, size: 4, axis: 1, op: "take")) { e in
            let m = "\(e)"
            XCTAssertTrue(m.contains("take") && m.contains("index 5") && m.contains("axis 1") && m.contains("size 4"), m)
        }
        XCTAssertThrowsError(try Tensor.resolvedIndices(Tensor([0.5] as [Float]), size: 4, axis: 0, op: "take")) { e in
            XCTAssertTrue("\(e)".contains("integer"), "\(e)")
        }
        XCTAssertEqual(try Tensor.resolvedIndices(Tensor([-1, -4, 3] as [Int32]), size: 4, axis: 0, op: "take"), [3, 0, 3])
    }

    func testGatherScatterProperties() {
        // scatterAdding(at:) is the adjoint of take: <take(x, i), v> == <x, scatter(0, v, i)>.
        let x = Tensor.arange(20, dtype: .float64).reshaped(5, 4) * 0.25
        let i = Tensor([4, 0, 4, 2, -1, 1] as [Int32]).reshaped(2, 3)
        let v = Tensor.arange(24, dtype: .float64).reshaped(2, 3, 4) - 7
        let lhs = (x.take(i, axis: 0) * v).scalars(as: Double.self).reduce(0, +)
        let scattered = Tensor.zeros([5, 4], dtype: .float64).scatterAdding(v, at: i, axis: 0)
        let rhs = (x * scattered).scalars(as: Double.self).reduce(0, +)
        XCTAssertEqual(lhs, rhs, accuracy: 1e-9)
        // The same for take(along:) and scatterAdding(along:).
        let j = Tensor([[3, 0, 3], [1, 1, 2], [0, 0, 0], [2, 3, -1], [1, 0, 2]] as [[Int32]])
        let w = Tensor.arange(15, dtype: .float64).reshaped(5, 3) + 1
        let lhs2 = (x.take(along: j, axis: 1) * w).scalars(as: Double.self).reduce(0, +)
        let rhs2 = (x * Tensor.zeros([5, 4], dtype: .float64).scatterAdding(w, along: j, axis: 1)).scalars(as: Double.self).reduce(0, +)
        XCTAssertEqual(lhs2, rhs2, accuracy: 1e-9)
        // oneHot then argmax-by-take recovers the labels; -1 and out-of-range give zero rows.
        let labels = Tensor([2, 0, 1, -1, 3] as [Int32])
        let oh = labels.oneHot(depth: 3)
        XCTAssertEqual(oh.shape, [5, 3])
        XCTAssertEqual(oh.scalars(as: Float.self), [0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0])
        // Scattering into a float16 tensor accumulates in float32 and keeps the dtype.
        let h = Tensor.zeros([2], dtype: .float16).scatterAdding(Tensor.full([3000], 1, dtype: .float16),
                                                                 at: Tensor.zeros([3000], dtype: .int32), axis: 0)
        XCTAssertEqual(h.dtype, .float16)
        XCTAssertEqual(h.scalars(as: Float.self), [3000, 0])
        // take on a large input takes the parallel paths and agrees with a simple loop.
        let big = Tensor.arange(64 * 1024).reshaped(64, 1024)
        let rows = Tensor((0..<200).map { Int32(($0 * 37) % 64) })
        let got = big.take(rows, axis: 0).scalars(as: Float.self)
        var want: [Float] = []
        for r in 0..<200 { want += (0..<1024).map { Float((r * 37) % 64 * 1024 + $0) } }
        XCTAssertEqual(got, want)
        let cols = big.take(Tensor([1023, 0, 5] as [Int32]), axis: 1)
        XCTAssertEqual(cols[63].scalars(as: Float.self), [Float(63 * 1024 + 1023), Float(63 * 1024), Float(63 * 1024 + 5)])
    }
}
