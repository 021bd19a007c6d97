import QuireTestSupport
import XCTest
@testable import QuireTensor

/// `Tensor.meanSoftmaxCrossEntropy` against the unfused composition
/// `-logits.logSoftmax().take(along: labels).mean()`: values, gradients, second derivatives, float32
/// and float64, large logits, and its errors.
final class FusedCrossEntropyTests: XCTestCase {
    private func unfused(_ logits: Tensor, _ labels: Tensor) -> Tensor {
        -logits.logSoftmax().take(along: labels.expandingDims(at: -1), axis: -1).mean()
    }

    private func labels(_ shape: [Int], classes: Int, seed: UInt64) -> Tensor {
        var rng = TestRNG(seed: seed)
        return Tensor((0..<shape.reduce(1, *)).map { _ in Int32(rng.int(0...(classes - 1))) }, shape: shape)
    }

    func testValuesAndGradientsMatchUnfused() throws {
        for (dtype, tol) in [(DType.float64, 1e-12), (.float32, 2e-6)] {
            var rng = TestRNG(seed: 1)
            // Shifted rows (one far from zero) exercise the max subtraction.
            let logits = (rng.tensor([2, 7, 37], -4, 4) + Tensor([0, 900] as [Double], shape: [2, 1, 1])).cast(to: dtype)
            let y = labels([2, 7], classes: 37, seed: 2)
            let fused = try Tensor.meanSoftmaxCrossEntropy(logits: logits, labels: y)
            XCTAssertEqual(fused.shape, [])
            XCTAssertEqual(fused.dtype, dtype)
            assertClose(fused.cast(to: .float64), unfused(logits, y).cast(to: .float64), rtol: tol, atol: tol)
            let (lf, gf) = try valueAndGrad { x in try Tensor.meanSoftmaxCrossEntropy(logits: x * 3, labels: y) }(logits)
            let (lu, gu) = try valueAndGrad { x in self.unfused(x * 3, y) }(logits)
            assertClose(lf.cast(to: .float64), lu.cast(to: .float64), rtol: tol, atol: tol)
            XCTAssertEqual(gf.shape, logits.shape)
            assertClose(gf.cast(to: .float64), gu.cast(to: .float64), rtol: 10 * tol, atol: 10 * tol)
        }
    }

    func testGradientMatchesFiniteDifferences() throws {
        var rng = TestRNG(seed: 3)
        let logits = rng.tensor([5, 6])
        let y = labels([5], classes: 6, seed: 4)
        let f = { (xs: [Tensor]) in try! Tensor.meanSoftmaxCrossEntropy(logits: xs[0], labels: y) }
        let analytic = try reverseModeGradients(f, [logits], cotangent: Tensor(1.0))
        let numeric = finiteDifferenceGradients(f, [logits], cotangent: Tensor(1.0), step: 1e-6)
        assertClose(analytic[0], numeric[0], rtol: 1e-6, atol: 1e-8)
    }

    func testSecondDerivativeMatchesUnfused() throws {
        var rng = TestRNG(seed: 5)
        let (logits, v) = (rng.tensor([4, 5]), rng.tensor([4, 5]))
        let y = labels([4], classes: 5, seed: 6)
        let hf = try grad { x in (try grad { z in try Tensor.meanSoftmaxCrossEntropy(logits: z, labels: y) }(x) * v).sum() }(logits)
        let hu = try grad { x in (try grad { z in self.unfused(z, y) }(x) * v).sum() }(logits)
        assertClose(hf, hu, rtol: 1e-10, atol: 1e-12)
    }

    func testBadLabelsThrowNamingTheProblem() {
        let logits = Tensor.zeros([2, 3])
        XCTAssertThrowsError(try Tensor.meanSoftmaxCrossEntropy(logits: logits, labels: Tensor([0, 3] as [Int32]))) {
            XCTAssertTrue("\($0)".contains("label 3 at row 1 is outside 0..<3"), "\($0)")
        }
        XCTAssertThrowsError(try Tensor.meanSoftmaxCrossEntropy(logits: logits, labels: Tensor([0, 1, 2] as [Int32]))) {
            XCTAssertTrue("\($0)".contains("of shape [2]"), "\($0)")
        }
        XCTAssertThrowsError(try Tensor.meanSoftmaxCrossEntropy(logits: logits, labels: Tensor([0, 1] as [Float])))
    }
}
