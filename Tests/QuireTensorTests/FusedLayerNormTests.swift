import QuireTestSupport
import XCTest
@testable import QuireTensor

/// `fusedLayerNorm` against the unfused `layerNorm` (traced composite under `grad`): values, first and
/// second derivatives, float32 and float64; and against finite differences.
final class FusedLayerNormTests: XCTestCase {
    private func inputs(_ dtype: DType, seed: UInt64, shape: [Int] = [3, 5, 24]) -> [Tensor] {
        var rng = TestRNG(seed: seed)
        let d = shape.last!
        // Rows with an offset and a spread per row, so mean and variance both matter.
        let x = rng.tensor(shape, -3, 3) * rng.tensor(Array(shape.dropLast()) + [1], 0.2, 2) + 1.5
        return [x, rng.tensor([d], 0.5, 1.5), rng.tensor([d], -1, 1)].map { $0.cast(to: dtype) }
    }

    private let fused = { (xs: [Tensor]) in xs[0].fusedLayerNorm(epsilon: 1e-5, weight: xs[1], bias: xs[2]) }
    private let unfused = { (xs: [Tensor]) in xs[0].layerNorm(axis: -1, epsilon: 1e-5, weight: xs[1], bias: xs[2]) }

    func testValuesAndGradientsMatchUnfused() throws {
        // float32 over widths below one 8-lane group, exactly two, with a partial last group, and the
        // transformer's 128.
        let cases: [(DType, Double, [Int])] = [(.float64, 1e-11, [3, 5, 24])]
            + [[3, 5, 24], [7, 5], [9, 16], [4, 37], [33, 128]].map { (.float32, 2e-5, $0) }
        for (dtype, tol, shape) in cases {
            let xs = inputs(dtype, seed: 1, shape: shape)
            var rng = TestRNG(seed: 2)
            let cotangent = rng.tensor(xs[0].shape)
            let y = fused(xs)
            XCTAssertEqual(y.dtype, dtype)
            assertClose(y, unfused(xs), rtol: tol, atol: tol, "\(dtype) \(shape)")
            let gf = try reverseModeGradients(fused, xs, cotangent: cotangent)
            let gu = try reverseModeGradients(unfused, xs, cotangent: cotangent)
            for (i, name) in ["x", "weight", "bias"].enumerated() {
                XCTAssertEqual(gf[i].shape, xs[i].shape, "\(dtype) d\(name)")
                assertClose(gf[i].cast(to: .float64), gu[i].cast(to: .float64), rtol: 10 * tol, atol: 10 * tol,
                            "\(dtype) \(shape) d\(name)")
            }
        }
    }

    func testGradientsMatchFiniteDifferences() throws {
        let xs = inputs(.float64, seed: 3, shape: [4, 6])
        var rng = TestRNG(seed: 4)
        let cotangent = rng.tensor([4, 6])
        let analytic = try reverseModeGradients(fused, xs, cotangent: cotangent)
        let numeric = finiteDifferenceGradients(fused, xs, cotangent: cotangent, step: 1e-6)
        for i in 0..<3 { assertClose(analytic[i], numeric[i], rtol: 1e-6, atol: 1e-7) }
    }

    /// The backward differentiated again (its traced path) equals the composite's second derivative.
    func testSecondDerivativeMatchesUnfused() throws {
        let xs = inputs(.float64, seed: 5, shape: [3, 8])
        var rng = TestRNG(seed: 6)
        let (c, v) = (rng.tensor([3, 8]), rng.tensor([3, 8]))
        func hvp(_ f: @escaping ([Tensor]) -> Tensor) throws -> [Tensor] {
            try grad { (ys: [Tensor]) in
                let g = try grad { (zs: [Tensor]) in (f(zs) * c).sum() }(ys)
                return (g[0] * v).sum() + g[1].square().sum()
            }(xs)
        }
        let (hf, hu) = (try hvp(fused), try hvp(unfused))
        for i in 0..<3 { assertClose(hf[i], hu[i], rtol: 1e-9, atol: 1e-10) }
    }

    func testOtherShapesAndDtypesFallBackToLayerNorm() {
        let x = Tensor([[1, 2, 3], [2, 4, 7]] as [[Float]]).cast(to: .float16)
        let (w, b) = (Tensor.ones([3], dtype: .float16), Tensor.zeros([3], dtype: .float16))
        assertClose(x.fusedLayerNorm(weight: w, bias: b).cast(to: .float32),
                    x.layerNorm(weight: w, bias: b).cast(to: .float32))
    }
}
