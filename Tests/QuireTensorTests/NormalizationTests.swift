import QuireTestSupport
import XCTest
@testable import QuireTensor

final class NormalizationTests: XCTestCase {
    func testFixtures() throws {
        let cases = try Fixtures.load("nn").filter { $0.attrs["kind"]?.string == "norm" }
        XCTAssertGreaterThan(cases.count, 10)
        for c in cases {
            let x = nnInput(c)
            let out = normalize(x, c)
            var tol = nnTolerance(c.out.dtype)
            // 1000 + N(0, 1) in float32: the inputs themselves carry ~3e-5 of rounding.
            if c.name == "layerNorm_large_offset" { tol.atol = 1e-3 }
            assertClose(out, c.out, rtol: tol.rtol, atol: tol.atol, c.name)
            if !x.isContiguous {
                assertClose(normalize(x.contiguous(), c), out, rtol: 0, atol: 0, "contiguous copy of \(c.name)")
            }
        }
    }

    private func normalize(_ x: Tensor, _ c: FixtureCase) -> Tensor {
        let axes = c.attrs["axes"]!.ints!, eps = c.attrs["epsilon"]!.double!
        let w = c.inputs["w"] != nil ? c.input("w") : nil
        let b = c.inputs["b"] != nil ? c.input("b") : nil
        if c.attrs["op"]!.string == "rmsNorm" {
            return axes.count == 1 ? x.rmsNorm(axis: axes[0], epsilon: eps, weight: w)
                : x.rmsNorm(axes: axes, epsilon: eps, weight: w)
        }
        return axes.count == 1 ? x.layerNorm(axis: axes[0], epsilon: eps, weight: w, bias: b)
            : x.layerNorm(axes: axes, epsilon: eps, weight: w, bias: b)
    }

    /// Properties: each normalized row has mean 0 and variance 1/(1 + eps/var); rmsNorm rows have
    /// mean square 1/(1 + eps/ms); long rows (many SIMD blocks plus a tail) and the thread count agree.
    func testRowStatisticsAndThreads() {
        let d = 1037, rows = 24
        let values = (0..<(rows * d)).map { Float(sin(Double($0) * 0.37) * 3 + Double($0 % 7)) }
        let x = Tensor(values, shape: [rows, d])
        let saved = Parallelism.threadCount
        Parallelism.threadCount = 1
        let one = x.layerNorm(epsilon: 0)
        Parallelism.threadCount = 5
        let five = x.layerNorm(epsilon: 0)
        let rms = x.rmsNorm(epsilon: 0)
        Parallelism.threadCount = saved
        assertClose(five, one, rtol: 0, atol: 0, "thread count")
        let y = one.scalars(as: Double.self), z = rms.scalars(as: Double.self)
        for r in 0..<rows {
            let row = y[(r * d)..<((r + 1) * d)]
            let mean = row.reduce(0, +) / Double(d)
            let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(d)
            XCTAssertEqual(mean, 0, accuracy: 1e-5)
            XCTAssertEqual(variance, 1, accuracy: 1e-4)
            let ms = z[(r * d)..<((r + 1) * d)].map { $0 * $0 }.reduce(0, +) / Double(d)
            XCTAssertEqual(ms, 1, accuracy: 1e-4)
        }
    }

    /// The column kernel (axes before the last) agrees with the row kernel on the transposed tensor,
    /// including column blocks split across work items (inner > 512) and several axes.
    func testColumnKernelMatchesRows() {
        let x = patterned([2, 7, 1100], mul: 37, mod: 29, scale: 5, shift: 2)
        let w = patterned([7], mul: 3, mod: 7, scale: 3, shift: -0.5), b = patterned([7], mul: 5, mod: 7, scale: 2, shift: 1)
        let columns = x.layerNorm(axis: 1, weight: w, bias: b)
        let rows = x.permuted(0, 2, 1).layerNorm(weight: w, bias: b).permuted(0, 2, 1)
        assertClose(columns, rows, rtol: 1e-5, atol: 1e-5, "layerNorm axis 1")
        assertClose(x.rmsNorm(axis: 1, weight: w), x.permuted(0, 2, 1).rmsNorm(weight: w).permuted(0, 2, 1),
                    rtol: 1e-5, atol: 1e-5, "rmsNorm axis 1")
        let y = patterned([3, 4, 5, 6], mul: 7, mod: 31, scale: 4, shift: 3)
        let both = y.layerNorm(axes: [1, 2])
        let viaRows = y.permuted(0, 3, 1, 2).layerNorm(axes: [2, 3]).permuted(0, 2, 3, 1)
        assertClose(both, viaRows, rtol: 1e-5, atol: 1e-5, "layerNorm axes [1, 2]")
    }

    func testDtypesAndShapes() {
        let x = Tensor([[1, 2, 3], [2, 4, 6]] as [[Float]])
        let y = x.layerNorm().scalars(as: Float.self)
        XCTAssertEqual(y[0], -1.2247, accuracy: 1e-3)
        XCTAssertEqual(y[4], 0, accuracy: 1e-6)
        XCTAssertEqual(Tensor([[3, 4]] as [[Float]]).rmsNorm().scalars(as: Float.self)[0], 0.848528, accuracy: 1e-5)
        XCTAssertEqual(x.cast(to: .int32).layerNorm().dtype, .float32)
        XCTAssertEqual(x.cast(to: .bfloat16).rmsNorm().dtype, .bfloat16)
        XCTAssertEqual(x.layerNorm(weight: Tensor.ones([3], dtype: .float64)).dtype, .float64)
        XCTAssertEqual(Tensor.zeros([0, 5]).layerNorm().shape, [0, 5])
        XCTAssertEqual(Tensor.zeros([3, 0]).rmsNorm().shape, [3, 0])
        // A constant row normalizes to zeros (variance 0, epsilon keeps it finite).
        XCTAssertEqual(Tensor.full([2, 4], 7).layerNorm().scalars(as: Float.self), [Float](repeating: 0, count: 8))
    }

    func testMisuseMessages() {
        XCTAssertEqual(nnErrorMessage {
            try Tensor.normalizationLayout(op: "layerNorm", shape: [2, 3], axes: [2], weight: nil, bias: nil)
        }, "layerNorm: axis 2 is out of range for a rank-2 tensor: input [2, 3], axes [2]")
        XCTAssertEqual(nnErrorMessage {
            try Tensor.normalizationLayout(op: "rmsNorm", shape: [2, 3], axes: [1, -1], weight: nil, bias: nil)
        }, "rmsNorm: axis -1 is repeated: input [2, 3], axes [1, -1]")
        XCTAssertEqual(nnErrorMessage {
            try Tensor.normalizationLayout(op: "layerNorm", shape: [2, 3, 4], axes: [-1], weight: [3], bias: nil)
        }, "layerNorm: weight [3] does not broadcast to the normalized shape [4]: input [2, 3, 4], axes [-1]")
        XCTAssertEqual(nnErrorMessage {
            try Tensor.normalizationLayout(op: "layerNorm", shape: [2, 3, 4], axes: [2, 1], weight: [3, 4], bias: [2, 3, 4])
        }, "layerNorm: bias [2, 3, 4] does not broadcast to the normalized shape [3, 4]: input [2, 3, 4], axes [2, 1]")
        let layout = try? Tensor.normalizationLayout(op: "layerNorm", shape: [2, 3, 4, 5], axes: [2, -3], weight: nil, bias: nil)
        XCTAssertEqual(layout?.permutation, [0, 3, 1, 2])
        XCTAssertEqual(layout?.featureShape, [3, 4])
    }
}
