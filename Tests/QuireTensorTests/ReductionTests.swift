import QuireTestSupport
import XCTest
@testable import QuireTensor

/// Reductions, softmax and cumsum against NumPy (Fixtures/gen_reduction.py), plus identities that
/// must hold on larger random inputs.
final class ReductionTests: XCTestCase {
    // MARK: - Fixtures

    private func applyView(_ x: Tensor, _ c: FixtureCase) -> Tensor {
        var t = x
        if let p = c.attrs["perm"]?.ints { t = t.permuted(p) }
        if let s = c.attrs["slice"]?.ints { t = t.sliced(axis: s[0], 0, nil, step: s[1]) }
        return t
    }

    private func run(_ c: FixtureCase, _ x: Tensor) -> Tensor {
        let axes = c.attrs["axes"]?.ints
        let keep = c.attrs["keepDims"]?.bool ?? false
        let axis = c.attrs["axis"]?.int
        let correction = c.attrs["correction"]?.int ?? 0
        switch c.attrs["op"]!.string! {
        case "sum": return x.sum(axes: axes, keepDims: keep)
        case "mean": return x.mean(axes: axes, keepDims: keep)
        case "prod": return x.prod(axes: axes, keepDims: keep)
        case "max": return x.max(axes: axes, keepDims: keep)
        case "min": return x.min(axes: axes, keepDims: keep)
        case "all": return x.all(axes: axes, keepDims: keep)
        case "any": return x.any(axes: axes, keepDims: keep)
        case "argmax": return x.argmax(axis: axis, keepDims: keep)
        case "argmin": return x.argmin(axis: axis, keepDims: keep)
        case "variance": return x.variance(axes: axes, keepDims: keep, correction: correction)
        case "std": return x.standardDeviation(axes: axes, keepDims: keep, correction: correction)
        case "logsumexp": return x.logSumExp(axes: axes, keepDims: keep)
        case "softmax": return x.softmax(axis: axis ?? -1)
        case "logsoftmax": return x.logSoftmax(axis: axis ?? -1)
        case "cumsum": return x.cumsum(axis: axis!)
        case let op: fatalError("unknown op \(op)")
        }
    }

    private func tolerance(_ dtype: DType) -> (rtol: Double, atol: Double) {
        switch dtype {
        case .float64: return (1e-12, 1e-12)
        case .float32: return (2e-6, 2e-6)
        case .float16: return (1e-3, 1e-3)
        case .bfloat16: return (8e-3, 8e-3)
        default: return (0, 0)
        }
    }

    func testAgainstNumPy() throws {
        let cases = try Fixtures.load("reduction")
        XCTAssertGreaterThan(cases.count, 250)
        for c in cases {
            let x = applyView(c.input("x"), c)
            let (rtol, atol) = tolerance(c.out.dtype)
            assertClose(run(c, x), c.out, rtol: rtol, atol: atol, c.name)
            if !x.isContiguous {
                // The same values laid out contiguously give the same answer.
                assertClose(run(c, x.copied()), c.out, rtol: rtol, atol: atol, c.name + " (contiguous copy)")
            }
        }
    }

    // MARK: - Properties on larger inputs

    /// Deterministic pseudo-random float32 values in [-scale, scale).
    private func random(_ shape: [Int], seed: UInt64, scale: Float = 1) -> Tensor {
        var state = seed &* 6364136223846793005 &+ 1442695040888963407
        let n = shape.reduce(1, *)
        var values = [Float](repeating: 0, count: n)
        for i in 0..<n {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            values[i] = (Float(state >> 40) / Float(1 << 24) * 2 - 1) * scale
        }
        return Tensor(values, shape: shape)
    }

    func testSumIdentities() {
        let x = random([7, 33, 50], seed: 1)
        assertClose(x.sum(), x.sum(axes: [0]).sum(), rtol: 1e-5, atol: 1e-4, "all vs axis 0 then rest")
        assertClose(x.sum(), x.sum(axes: [2]).sum(axes: [1]).sum(), rtol: 1e-5, atol: 1e-4)
        assertClose(x.sum(axes: [0, 2]), x.sum(axes: [2]).sum(axes: [0]), rtol: 1e-5, atol: 1e-5)
        // Summing a permuted tensor = permuting the sums.
        let p = x.permuted([2, 0, 1])                      // [50, 7, 33]
        assertClose(p.sum(axes: [0]), x.sum(axes: [2]), rtol: 1e-5, atol: 1e-5)
        assertClose(p.sum(axes: [1]), x.sum(axes: [0]).permuted([1, 0]), rtol: 1e-5, atol: 1e-5)
        assertClose(p.sum(axes: [1, 2]), x.sum(axes: [0, 1]), rtol: 1e-5, atol: 1e-5)
        // mean · count = sum.
        assertClose(x.mean(axes: [1]) * 33, x.sum(axes: [1]), rtol: 1e-5, atol: 1e-5)
        assertClose(x.mean() * Float(x.scalarCount), x.sum(), rtol: 1e-5, atol: 1e-4)
        // keepDims only changes the shape.
        XCTAssertEqual(x.sum(axes: [1], keepDims: true).shape, [7, 1, 50])
        XCTAssertEqual(x.sum(axes: [1], keepDims: true).scalars(as: Float.self), x.sum(axes: [1]).scalars(as: Float.self))
        XCTAssertEqual(x.max(axes: [0, 2], keepDims: true).shape, [1, 33, 1])
    }

    func testViewsMatchContiguousCopies() {
        let x = random([40, 30, 20], seed: 2)
        let views = [x.permuted([2, 0, 1]), x.transposed(0, 2), x.sliced(axis: 1, 3, 27, step: 4),
                     x.sliced(axis: 2, 1, nil, step: 3).permuted([1, 2, 0]),
                     Tensor([1, 2, 3] as [Float]).broadcast(to: [50, 3])]
        for (i, v) in views.enumerated() {
            let c = v.copied()
            for axes in [nil, [0], [1], [v.rank - 1], [0, v.rank - 1]] as [[Int]?] {
                let msg = "view \(i) axes \(axes.map { "\($0)" } ?? "nil")"
                assertClose(v.sum(axes: axes), c.sum(axes: axes), rtol: 1e-6, atol: 1e-5, msg)
                assertClose(v.max(axes: axes), c.max(axes: axes), rtol: 0, atol: 0, msg)
                assertClose(v.min(axes: axes), c.min(axes: axes), rtol: 0, atol: 0, msg)
                assertClose(v.variance(axes: axes), c.variance(axes: axes), rtol: 1e-5, atol: 1e-6, msg)
            }
            for axis in 0..<v.rank {
                XCTAssertEqual(v.argmax(axis: axis).scalars(as: Int32.self), c.argmax(axis: axis).scalars(as: Int32.self))
                assertClose(v.softmax(axis: axis), c.softmax(axis: axis), rtol: 1e-6, atol: 1e-7)
                assertClose(v.cumsum(axis: axis), c.cumsum(axis: axis), rtol: 1e-6, atol: 1e-5)
            }
            XCTAssertEqual(v.argmin().item(as: Int32.self), c.argmin().item(as: Int32.self))
        }
    }

    func testLongSumsStayAccurate() {
        // 0.1 is not exact in binary: a plain float32 running sum drifts by whole percents here.
        let n = 3_000_000
        let x = Tensor.full([n], 0.1)
        let exact = Double(Float(0.1)) * Double(n)
        XCTAssertEqual(Double(x.sum().item(as: Float.self)), exact, accuracy: exact * 1e-6)
        XCTAssertEqual(Double(x.mean().item(as: Float.self)), Double(Float(0.1)), accuracy: 1e-7)
        // Column mode (reducing the outer axis) and row mode with long rows.
        let cols = Tensor.full([n / 3, 3], 0.1).sum(axes: [0])
        for v in cols.scalars(as: Float.self) { XCTAssertEqual(Double(v), exact / 3, accuracy: exact * 1e-6) }
        let rows = Tensor.full([3, n / 3], 0.1).sum(axes: [1])
        for v in rows.scalars(as: Float.self) { XCTAssertEqual(Double(v), exact / 3, accuracy: exact * 1e-6) }
        // A cumulative sum keeps its running total in double precision.
        let c = Tensor.full([100_000], 0.1).cumsum(axis: 0)
        XCTAssertEqual(Double(c.scalarValue(at: [99_999])), Double(Float(0.1)) * 100_000, accuracy: 1e-2)
        // Variance with a large offset (two-pass).
        let v = (random([100_000], seed: 3) + 10_000).variance().item(as: Float.self)
        XCTAssertEqual(v, 1.0 / 3.0, accuracy: 5e-3)
    }

    func testResultsDoNotDependOnThreadCount() {
        let x = random([600_000], seed: 4, scale: 100)
        let m = random([1000, 300], seed: 5)
        let saved = Parallelism.threadCount
        defer { Parallelism.threadCount = saved }
        Parallelism.threadCount = 1
        let one = [x.sum(), x.max(), m.sum(axes: [0]), m.sum(axes: [1]), m.softmax(), m.cumsum(axis: 0)]
        Parallelism.threadCount = 3
        let three = [x.sum(), x.max(), m.sum(axes: [0]), m.sum(axes: [1]), m.softmax(), m.cumsum(axis: 0)]
        for (a, b) in zip(one, three) { XCTAssertEqual(a.scalars(as: Float.self), b.scalars(as: Float.self)) }
    }

    func testSoftmaxProperties() {
        let x = random([64, 300], seed: 6, scale: 20)
        let s = x.softmax()
        for v in s.sum(axes: [1]).scalars(as: Float.self) { XCTAssertEqual(v, 1, accuracy: 1e-5) }
        assertClose(x.logSoftmax(), s.log(), rtol: 1e-4, atol: 1e-4, "logSoftmax = log(softmax)")
        assertClose(x.logSoftmax(), x - x.logSumExp(axes: [1], keepDims: true), rtol: 1e-5, atol: 1e-5)
        // Along the first axis too (moved last internally).
        for v in x.softmax(axis: 0).sum(axes: [0]).scalars(as: Float.self) { XCTAssertEqual(v, 1, accuracy: 1e-5) }
        // Shift invariance, and huge logits stay finite.
        assertClose((x + 1000).softmax(), s, rtol: 1e-3, atol: 1e-6)
        XCTAssertTrue((x * 1e6).softmax().isFinite().all().item(as: Bool.self))
        let lse = Tensor([1000, 1000] as [Float]).logSumExp().item(as: Float.self)
        XCTAssertTrue(lse.isFinite)
        XCTAssertEqual(lse, 1000.693147, accuracy: 1e-3)
        XCTAssertEqual(Tensor([-Float.infinity, -.infinity]).logSumExp().item(as: Float.self), -.infinity)
        // float64 path agrees with float32.
        assertClose(x.cast(to: .float64).softmax().cast(to: .float32), s, rtol: 1e-5, atol: 1e-7)
    }

    func testDTypes() {
        let i8 = Tensor([100, 100, 100] as [Int8])
        XCTAssertEqual(i8.sum().dtype, .int32)
        XCTAssertEqual(i8.sum().item(as: Int32.self), 300)
        XCTAssertEqual(i8.max().dtype, .int8)
        XCTAssertEqual(i8.mean().dtype, .float32)
        XCTAssertEqual(Tensor([true, false, true]).sum().item(as: Int32.self), 2)
        let h = Tensor([1, 2, 3] as [Float]).cast(to: .float16)
        XCTAssertEqual(h.sum().dtype, .float16)
        XCTAssertEqual(h.softmax().dtype, .float16)
        XCTAssertEqual(h.argmax().dtype, .int32)
        XCTAssertEqual(Tensor([1, 2] as [Int32]).variance().dtype, .float32)
        XCTAssertEqual(Tensor([1, 2] as [Int32]).cumsum(axis: 0).dtype, .int32)
        XCTAssertEqual(Tensor([1, 2] as [Float]).all().dtype, .bool)
        // Rank-0 input and reducing over no axes.
        let s = Tensor(3.5 as Float)
        XCTAssertEqual(s.sum().item(as: Float.self), 3.5)
        XCTAssertEqual(s.max().item(as: Float.self), 3.5)
        XCTAssertEqual(s.argmax().item(as: Int32.self), 0)
        XCTAssertEqual(random([2, 3], seed: 1).sum(axes: []).shape, [2, 3])
        // Empty reductions with an identity.
        XCTAssertEqual(Tensor.zeros([0]).sum().item(as: Float.self), 0)
        XCTAssertEqual(Tensor.zeros([2, 0]).prod(axes: [1]).scalars(as: Float.self), [1, 1])
        XCTAssertEqual(Tensor.zeros([2, 0]).all(axes: [1]).scalars(as: Bool.self), [true, true])
        XCTAssertEqual(Tensor.zeros([2, 0]).any(axes: [1]).scalars(as: Bool.self), [false, false])
    }

    func testMisuseMessages() {
        XCTAssertThrowsError(try Tensor.validatedReductionAxes([2], rank: 2, op: "sum")) { e in
            XCTAssertEqual("\(e)", "sum: axis 2 is out of range for a rank-2 tensor (axes [2])")
        }
        XCTAssertThrowsError(try Tensor.validatedReductionAxes([1, -1], rank: 2, op: "mean")) { e in
            XCTAssertEqual("\(e)", "mean: axis -1 is repeated in axes [1, -1]")
        }
        XCTAssertEqual(try Tensor.validatedReductionAxes([-1, 0], rank: 3, op: "sum"), [0, 2])
        XCTAssertEqual(try Tensor.validatedReductionAxes(nil, rank: 3, op: "sum"), [0, 1, 2])
        XCTAssertEqual(Tensor.emptyReductionMessage(shape: [0, 3], axes: [0], op: "max"),
                       "cannot reduce over zero-size axis 0 of shape [0, 3]: max of no elements is undefined")
        XCTAssertNil(Tensor.emptyReductionMessage(shape: [0, 3], axes: [1], op: "max"))   // empty result: fine
        XCTAssertNil(Tensor.emptyReductionMessage(shape: [2, 3], axes: [0, 1], op: "max"))
    }
}
