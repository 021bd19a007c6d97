import QuireTestSupport
import XCTest
@testable import QuireTensor

/// Helpers shared by ShapeTests, IndexingTests and EinopsTests.
enum ShapeTestSupport {
    /// The same values in several memory layouts: contiguous, every other element of a wider buffer,
    /// a transposed copy transposed back, and a reversed copy flipped back (negative strides).
    static func layouts(_ x: Tensor) -> [(String, Tensor)] {
        var out = [("contiguous", x)]
        guard x.rank >= 1 else { return out }
        let strided = x.expandingDims(at: -1).broadcast(to: x.shape + [2]).copied()
            .sliced(axis: -1, 0, 1).squeezed(axes: [-1])
        out.append(("strided", strided))
        if x.rank >= 2 {
            let rev = Array((0..<x.rank).reversed())
            out.append(("transposed", x.permuted(rev).copied().permuted(rev)))
        }
        out.append(("flipped", x.flipped().copied().flipped()))
        return out
    }

    static func pairs(_ a: FixtureAttr?) -> [(Int, Int)] {
        guard case .array(let items)? = a else { return [] }
        return items.map { item in
            let v = item.ints ?? []
            return (v[0], v[1])
        }
    }

    /// Index spec items: int | "all" | "new" | "ell" | ["r", start, end, step].
    static func indices(_ a: FixtureAttr?) -> [TensorIndex] {
        guard case .array(let items)? = a else { return [] }
        return items.map { item -> TensorIndex in
            switch item {
            case .number(let d): return .at(Int(d))
            case .string("all"): return .all
            case .string("new"): return .newAxis
            case .string("ell"): return .ellipsis
            case .array(let r): return .range(r[1].int, r[2].int, step: r[3].int ?? 1)
            default: fatalError("bad index spec \(item)")
            }
        }
    }

    /// Runs `body` on every layout of the case's input "x" and compares with the expected outputs.
    static func check(_ c: FixtureCase, file: StaticString = #filePath, line: UInt = #line,
                      _ body: (Tensor) -> [Tensor]) {
        for (layout, x) in layouts(c.input("x")) {
            if layout != "contiguous" && x.shape.filter({ $0 > 1 }).count >= (layout == "transposed" ? 2 : 1) {
                XCTAssertFalse(x.isContiguous, "\(c.name) \(layout) layout should be strided", file: file, line: line)
            }
            let outs = body(x)
            let keys = c.expected.keys.count == 1 && c.expected["out"] != nil ? ["out"]
                : (0..<c.expected.count).map { "out\($0)" }
            XCTAssertEqual(outs.count, keys.count, "\(c.name) [\(layout)] number of outputs", file: file, line: line)
            for (k, o) in zip(keys, outs) {
                assertClose(o, c.expected[k]!.tensor, rtol: 0, atol: 0, "\(c.name) [\(layout)] \(k)", file: file, line: line)
            }
        }
    }
}

final class ShapeTests: XCTestCase {
    func testShapeOpsAgainstNumPy() throws {
        let cases = try Fixtures.load("shape")
        var ran = 0
        for c in cases {
            let a = c.attrs
            let op = a["op"]!.string!
            let axis = a["axis"]?.int ?? 0
            switch op {
            case "squeeze":
                ShapeTestSupport.check(c) { [$0.squeezed(axes: a["axes"]?.ints)] }
            case "expand":
                ShapeTestSupport.check(c) { [$0.expandingDims(at: axis)] }
            case "flatten":
                ShapeTestSupport.check(c) { [$0.flattened(from: a["start"]!.int!, to: a["end"]!.int!)] }
            case "concat", "stack":
                let names = ["a", "b", "c"].filter { c.inputs[$0] != nil }
                let inputs = names.map { c.input($0) }
                // Every input in each of the layouts.
                for (layout, _) in ShapeTestSupport.layouts(inputs[0]) {
                    let xs = inputs.map { t in ShapeTestSupport.layouts(t).first { $0.0 == layout }?.1 ?? t }
                    let out = op == "concat" ? Tensor.concatenate(xs, axis: axis) : Tensor.stack(xs, axis: axis)
                    assertClose(out, c.out, rtol: 0, atol: 0, "\(c.name) [\(layout)]")
                }
            case "split_sizes":
                ShapeTestSupport.check(c) { $0.split(sizes: a["sizes"]!.ints!, axis: axis) }
            case "split_count":
                ShapeTestSupport.check(c) { $0.split(count: a["count"]!.int!, axis: axis) }
            case "chunk":
                ShapeTestSupport.check(c) { $0.chunked(a["count"]!.int!, axis: axis) }
            case "pad":
                let mode: PaddingMode
                switch a["mode"]!.string! {
                case "constant": mode = .constant(a["value"]!.double!)
                case "reflect": mode = .reflect
                case "symmetric": mode = .symmetric
                case "edge": mode = .edge
                default: mode = .wrap
                }
                ShapeTestSupport.check(c) { [$0.padded(ShapeTestSupport.pairs(a["widths"]), mode: mode)] }
            case "tile":
                ShapeTestSupport.check(c) { [$0.tiled(a["reps"]!.ints!)] }
            case "flip":
                ShapeTestSupport.check(c) { [$0.flipped(axes: a["axes"]?.ints)] }
            case "roll":
                ShapeTestSupport.check(c) { [$0.rolled(shift: a["shift"]!.int!, axis: a["axis"]?.int)] }
            case "tril":
                ShapeTestSupport.check(c) { [$0.tril(k: a["k"]!.int!)] }
            case "triu":
                ShapeTestSupport.check(c) { [$0.triu(k: a["k"]!.int!)] }
            default:
                continue
            }
            ran += 1
        }
        XCTAssertGreaterThan(ran, 60)
    }

    func testViewsShareStorageAndCopiesDoNot() {
        let x = Tensor.arange(24).reshaped(2, 3, 4)
        for v in [x.squeezed(), x.expandingDims(at: 1), x.flipped(axes: [2]), x.split(count: 2, axis: 2)[1],
                  x.chunked(2, axis: 1)[0], x.flattened(from: 1)] {
            XCTAssertTrue(v.storage === x.storage, "expected a view")
        }
        for c in [x.tiled([1, 1, 1]), x.padded([(0, 0), (0, 0), (0, 0)]), x.tril(k: 3), x.rolled(shift: 0, axis: 0)] {
            XCTAssertFalse(c.storage === x.storage, "expected a copy")
            XCTAssertEqual(c.scalars(as: Float.self), x.scalars(as: Float.self))
        }
    }

    func testSplitThenConcatenateRoundTrip() {
        let x = Tensor.arange(60).reshaped(3, 4, 5).transposed(0, 2)   // [5, 4, 3], strided
        for axis in 0..<3 {
            for count in 1...4 {
                let back = Tensor.concatenate(x.chunked(count, axis: axis), axis: axis)
                XCTAssertEqual(back.shape, x.shape)
                XCTAssertEqual(back.scalars(as: Float.self), x.scalars(as: Float.self), "axis \(axis) count \(count)")
            }
            let n = x.shape[axis]
            let parts = x.split(sizes: [1, 0, n - 1], axis: axis - 3)
            XCTAssertEqual(Tensor.concatenate(parts, axis: axis).scalars(as: Float.self), x.scalars(as: Float.self))
        }
        let pieces = Tensor.stack([x, x + 1], axis: 1).split(count: 2, axis: 1).map { $0.squeezed(axes: [1]) }
        XCTAssertEqual(pieces[0].scalars(as: Float.self), x.scalars(as: Float.self))
        XCTAssertEqual(pieces[1].scalars(as: Float.self), (x + 1).scalars(as: Float.self))
    }

    func testFlipRollAndTriangleIdentities() {
        let x = Tensor.arange(30, dtype: .int32).reshaped(5, 6)
        XCTAssertEqual(x.flipped().flipped().scalars(as: Int32.self), x.scalars(as: Int32.self))
        XCTAssertEqual(x.rolled(shift: 4, axis: 1).rolled(shift: -4, axis: 1).scalars(as: Int32.self),
                       x.scalars(as: Int32.self))
        XCTAssertEqual(x.rolled(shift: 6, axis: 1).scalars(as: Int32.self), x.scalars(as: Int32.self))
        XCTAssertEqual(x.rolled(shifts: [1, 2], axes: [0, 1]).scalars(as: Int32.self),
                       x.rolled(shift: 1, axis: 0).rolled(shift: 2, axis: 1).scalars(as: Int32.self))
        // tril(k) + triu(k + 1) == x
        for k in -6...6 {
            XCTAssertEqual((x.tril(k: k) + x.triu(k: k + 1)).scalars(as: Int32.self), x.scalars(as: Int32.self), "k \(k)")
        }
        // A flipped view feeds elementwise ops, reshape and copies correctly.
        let f = x.flipped(axes: [0])
        XCTAssertEqual((f + 0).scalars(as: Int32.self), f.copied().scalars(as: Int32.self))
        XCTAssertEqual(f.reshaped(30).scalars(as: Int32.self), f.copied().reshaped(30).scalars(as: Int32.self))
        XCTAssertEqual(f.scalars(as: Int32.self).prefix(6), [24, 25, 26, 27, 28, 29])
    }

    func testEmptyAndUnitDimensions() {
        let e = Tensor.zeros([0, 3])
        XCTAssertEqual(e.flipped().shape, [0, 3])
        XCTAssertEqual(e.tiled([2, 2]).shape, [0, 6])
        XCTAssertEqual(e.padded([(1, 1), (0, 0)], mode: .constant(5)).scalars(as: Float.self), [5, 5, 5, 5, 5, 5])
        XCTAssertEqual(e.chunked(3).count, 1)
        XCTAssertEqual(e.rolled(shift: 3, axis: 0).shape, [0, 3])
        XCTAssertEqual(e.tril().shape, [0, 3])
        XCTAssertEqual(Tensor.stack([e, e], axis: 2).shape, [0, 3, 2])
        let s = Tensor(Float(4))
        XCTAssertEqual(s.expandingDims(at: 0).shape, [1])
        XCTAssertEqual(s.squeezed().shape, [])
        XCTAssertEqual(s.flattened().shape, [1])
        XCTAssertEqual(Tensor.stack([s, s]).scalars(as: Float.self), [4, 4])
        XCTAssertEqual(s.tiled([3]).scalars(as: Float.self), [4, 4, 4])
    }

    func testConcatenationErrorsNameShapesAndAxis() {
        XCTAssertThrowsError(try Tensor.concatenationLayout([Tensor.zeros([2, 3]), Tensor.zeros([2, 4])], axis: 0)) { e in
            let m = "\(e)"
            XCTAssertTrue(m.contains("concatenate") && m.contains("[2, 4]") && m.contains("[2, 3]") && m.contains("axis 0"), m)
        }
        XCTAssertThrowsError(try Tensor.concatenationLayout([Tensor.zeros([2])], axis: 1)) { e in
            XCTAssertTrue("\(e)".contains("axis 1"), "\(e)")
        }
        XCTAssertThrowsError(try Tensor.concatenationLayout([], axis: 0))
        XCTAssertThrowsError(try Tensor.concatenationLayout([Tensor(Float(1))], axis: 0))
        XCTAssertEqual(try Tensor.concatenationLayout([Tensor.zeros([2, 3], dtype: .int8), Tensor.zeros([2, 1], dtype: .uint8)],
                                                      axis: -1).dtype, .int32)
    }
}
