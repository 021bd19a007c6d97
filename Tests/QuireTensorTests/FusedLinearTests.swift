import Foundation
import QuireTestSupport
import XCTest
@testable import QuireTensor

/// `linear(weight:bias:activation:)` against the unfused `matmul` + `+` (+ `gelu()`) under `grad`:
/// values, first and second derivatives, float32 and float64; against finite differences; and its
/// bias cotangent independent of the thread count.
final class FusedLinearTests: XCTestCase {
    private func inputs(_ dtype: DType, seed: UInt64, rows: Int = 37, features: Int = 12, out: Int = 9) -> [Tensor] {
        var rng = TestRNG(seed: seed)
        return [rng.tensor([rows, features]), rng.tensor([features, out], -0.6, 0.6), rng.tensor([out], -1, 1)]
            .map { $0.cast(to: dtype) }
    }

    private func fused(_ activation: LinearActivation) -> ([Tensor]) -> Tensor {
        { xs in xs[0].linear(weight: xs[1], bias: xs[2], activation: activation) }
    }

    private func unfused(_ activation: LinearActivation) -> ([Tensor]) -> Tensor {
        { xs in
            let y = xs[0].matmul(xs[1]) + xs[2]
            return activation == .geluTanh ? y.gelu() : y
        }
    }

    /// The float32 GELU loops in C (CQuireFused/rows.c) give the Swift kernels' values bit for bit, across
    /// the tails, ±0, infinities and NaN (whose sign bit follows operand order, which the compilers pick,
    /// so any NaN matches a NaN): the activation (alone, and beside the slope in the fused layer's
    /// forward) and the cotangent (slope times g).
    func testCGeluLoopsMatchTheSwiftKernelsBitForBit() {
        func same(_ a: Float, _ b: Float) -> Bool { a.bitPattern == b.bitPattern || (a.isNaN && b.isNaN) }
        var rng = TestRNG(seed: 11)
        var values = rng.tensor([4099], -12, 12).scalars(as: Float.self)
        values += [0, -0.0, 0.625, -0.625, 0.62, 20, -20, 60, -60, 1e-30, -1e-30, .infinity, -.infinity, .nan, 88, -104]
        let x = Tensor(values, shape: [values.count])
        let swiftForward = x.unary(GeluTanhKernel.self).scalars(as: Float.self)
        let slopePass = x.copied()
        let cForwards = [geluTanhFloat32(x), geluReplacingWithSlope(slopePass)].map { $0.scalars(as: Float.self) }
        for cForward in cForwards {
            for (i, (a, b)) in zip(swiftForward, cForward).enumerated() {
                XCTAssertTrue(same(a, b), "gelu(\(values[i])): Swift \(a), C \(b)")
            }
        }
        for (i, (v, d)) in zip(values, slopePass.scalars(as: Float.self)).enumerated() {
            let swiftSlope = GeluTanhBackwardKernel.slope(v)
            XCTAssertTrue(same(swiftSlope, d), "gelu'(\(values[i])): Swift \(swiftSlope), C \(d)")
        }
        // The cotangent through the fused layer's passes (float32: the C loops) against the Swift kernel.
        let g = rng.tensor([values.count], -2, 2).cast(to: .float32)
        let fusedGradient = geluCotangentFloat32(g.reshaped([1, values.count]), pre: x.reshaped([1, values.count]))
        let swiftGradient = Tensor.geluTanhBackward(x, cotangent: g).scalars(as: Float.self)
        for (i, (a, b)) in zip(swiftGradient, fusedGradient.scalars(as: Float.self)).enumerated() {
            XCTAssertTrue(same(a, b), "g·gelu'(\(values[i])): Swift \(a), C \(b)")
        }
    }

    /// The slope form of gelu' against the tanh form it replaced, in float64 (no cancellation either way
    /// at these magnitudes), and float32's against float64's.
    func testGeluSlopeMatchesTheTanhForm() {
        let c = 0.7978845608028654
        for i in 0...2400 {
            let x = Double(i - 1200) / 100
            let t = Foundation.tanh(c * x * (1 + 0.044715 * x * x))
            let tanhForm = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * 0.044715 * x * x)
            XCTAssertEqual(GeluTanhBackwardKernel.slope(x), tanhForm, accuracy: 1e-14, "x = \(x)")
            XCTAssertEqual(Double(GeluTanhBackwardKernel.slope(Float(x))), tanhForm, accuracy: 2e-6, "x = \(x) (float32)")
        }
    }

    func testValuesAndGradientsMatchUnfused() throws {
        for activation in [LinearActivation.identity, .geluTanh] {
            for (dtype, tol) in [(DType.float64, 1e-12), (.float32, 2e-5)] {
                let xs = inputs(dtype, seed: 1)
                var rng = TestRNG(seed: 2)
                let cotangent = rng.tensor([37, 9])
                let y = fused(activation)(xs)
                XCTAssertEqual(y.dtype, dtype)
                XCTAssertEqual(y.shape, [37, 9])
                assertClose(y, unfused(activation)(xs), rtol: tol, atol: tol, "\(activation) \(dtype)")
                let gf = try reverseModeGradients(fused(activation), xs, cotangent: cotangent)
                let gu = try reverseModeGradients(unfused(activation), xs, cotangent: cotangent)
                for (i, name) in ["x", "weight", "bias"].enumerated() {
                    XCTAssertEqual(gf[i].shape, xs[i].shape, "\(activation) \(dtype) d\(name)")
                    assertClose(gf[i].cast(to: .float64), gu[i].cast(to: .float64), rtol: 10 * tol, atol: 10 * tol,
                                "\(activation) \(dtype) d\(name)")
                }
            }
        }
    }

    /// `linear(…, adding: r)` is `r + x·w + b`: values and all four cotangents against the unfused ops,
    /// float32 and float64, and against finite differences; a mismatched residual takes the ops.
    func testResidualFormMatchesUnfused() throws {
        let withResidual = { (xs: [Tensor]) in xs[0].linear(weight: xs[1], bias: xs[2], adding: xs[3]) }
        let unfusedResidual = { (xs: [Tensor]) in xs[3] + (xs[0].matmul(xs[1]) + xs[2]) }
        for (dtype, tol) in [(DType.float64, 1e-12), (.float32, 2e-5)] {
            var rng = TestRNG(seed: 12)
            let xs = inputs(dtype, seed: 13) + [rng.tensor([37, 9]).cast(to: dtype)]
            let cotangent = rng.tensor([37, 9])
            assertClose(withResidual(xs), unfusedResidual(xs), rtol: tol, atol: tol, "\(dtype)")
            let gf = try reverseModeGradients(withResidual, xs, cotangent: cotangent)
            let gu = try reverseModeGradients(unfusedResidual, xs, cotangent: cotangent)
            for i in 0..<4 {
                assertClose(gf[i].cast(to: .float64), gu[i].cast(to: .float64), rtol: 10 * tol, atol: 10 * tol, "\(dtype) input \(i)")
            }
        }
        var rng = TestRNG(seed: 15)
        let xs = inputs(.float64, seed: 14, rows: 5, features: 4, out: 3) + [rng.tensor([5, 3])]
        let cotangent = rng.tensor([5, 3])
        let analytic = try reverseModeGradients(withResidual, xs, cotangent: cotangent)
        let numeric = finiteDifferenceGradients(withResidual, xs, cotangent: cotangent, step: 1e-6)
        for i in 0..<4 { assertClose(analytic[i], numeric[i], rtol: 1e-6, atol: 1e-7, "input \(i)") }
        let broadcastRow = xs[3][0..<1]
        assertClose(xs[0].linear(weight: xs[1], bias: xs[2], adding: broadcastRow),
                    broadcastRow + xs[0].matmul(xs[1]) + xs[2], rtol: 1e-12, atol: 1e-12)
    }

    func testGradientsMatchFiniteDifferences() throws {
        for activation in [LinearActivation.identity, .geluTanh] {
            let xs = inputs(.float64, seed: 3, rows: 5, features: 4, out: 3)
            var rng = TestRNG(seed: 4)
            let cotangent = rng.tensor([5, 3])
            let analytic = try reverseModeGradients(fused(activation), xs, cotangent: cotangent)
            let numeric = finiteDifferenceGradients(fused(activation), xs, cotangent: cotangent, step: 1e-6)
            for i in 0..<3 { assertClose(analytic[i], numeric[i], rtol: 1e-6, atol: 1e-7, "\(activation) input \(i)") }
        }
    }

    /// The backward differentiated again (its traced path) equals the composite's second derivative.
    func testSecondDerivativeMatchesUnfused() throws {
        let xs = inputs(.float64, seed: 5, rows: 6, features: 5, out: 4)
        var rng = TestRNG(seed: 6)
        let (c, v) = (rng.tensor([6, 4]), rng.tensor([6, 5]))
        func hvp(_ f: @escaping ([Tensor]) -> Tensor) throws -> [Tensor] {
            try grad { (ys: [Tensor]) in
                let g = try grad { (zs: [Tensor]) in (f(zs) * c).sum() }(ys)
                return (g[0] * v).sum() + g[1].square().sum() + g[2].square().sum()
            }(xs)
        }
        for activation in [LinearActivation.identity, .geluTanh] {
            let (hf, hu) = (try hvp(fused(activation)), try hvp(unfused(activation)))
            for i in 0..<3 { assertClose(hf[i], hu[i], rtol: 1e-9, atol: 1e-10, "\(activation) input \(i)") }
        }
    }

    func testOtherShapesAndDtypesFallBackToTheOps() throws {
        var rng = TestRNG(seed: 7)
        let x3 = rng.tensor([2, 3, 4]), w = rng.tensor([4, 5]), b = rng.tensor([5])
        assertClose(x3.linear(weight: w, bias: b, activation: .geluTanh), (x3.matmul(w) + b).gelu(), rtol: 1e-6, atol: 1e-6)
        let half = x3.cast(to: .float16)
        let y = half.reshaped([6, 4]).linear(weight: w.cast(to: .float16), bias: b.cast(to: .float16))
        XCTAssertEqual(y.dtype, .float16)
        assertClose(y, half.reshaped([6, 4]).matmul(w.cast(to: .float16)) + b.cast(to: .float16), rtol: 1e-3, atol: 1e-3)
    }

    /// Rows split over threads never change a result: the bias sums use fixed row blocks and the GEMMs
    /// fixed tiles of C.
    func testResultsDoNotDependOnThreadCount() throws {
        let saved = Parallelism.threadCount
        defer { Parallelism.threadCount = saved }
        let xs = inputs(.float32, seed: 8, rows: 700, features: 64, out: 96)
        var rng = TestRNG(seed: 9)
        let cotangent = rng.tensor([700, 96])
        var runs: [[[Float]]] = []
        for threads in [1, 2, 3] {
            Parallelism.threadCount = threads
            let value = fused(.geluTanh)(xs)
            let grads = try reverseModeGradients(fused(.geluTanh), xs, cotangent: cotangent)
            runs.append([value.scalars(as: Float.self)] + grads.map { $0.scalars(as: Float.self) })
        }
        XCTAssertEqual(runs[0], runs[1])
        XCTAssertEqual(runs[0], runs[2])
    }
}
