import QuireOptim
import QuireTensor
import QuireTestSupport
import XCTest

/// The per-element losses and label smoothing, as Optax defines them.
final class ElementwiseLossTests: XCTestCase {
    func testSquaredErrorAndL2LossArePerElement() {
        let p = Tensor([[1, 2], [3, -1]] as [[Double]]), t = Tensor([[0, 4], [3, 1.5]] as [[Double]])
        let se = squaredError(predictions: p, targets: t)
        XCTAssertEqual(se.shape, [2, 2])
        XCTAssertEqual(se.scalars(as: Double.self), [1, 4, 0, 6.25])
        XCTAssertEqual(l2Loss(predictions: p, targets: t).scalars(as: Double.self), [0.5, 2, 0, 3.125])
        // Without targets, against zero (Optax's targets=None).
        XCTAssertEqual(squaredError(predictions: p).scalars(as: Double.self), [1, 4, 9, 1])
        XCTAssertEqual(l2Loss(predictions: p).scalars(as: Double.self), [0.5, 2, 4.5, 0.5])
        // The scalar mean is the mean of the per-element values.
        XCTAssertEqual(meanSquaredError(predictions: p, targets: t).item(as: Double.self), 11.25 / 4)
    }

    func testL2LossGradientIsTheResidual() throws {
        let t = Tensor([0.5, -1, 2] as [Double])
        let g = try grad { (p: Tensor) in l2Loss(predictions: p, targets: t).sum() }(Tensor([1, 1, 1] as [Double]))
        assertClose(g.scalars(as: Double.self), [0.5, 2, -1], rtol: 0, atol: 1e-12)
    }

    func testSmoothLabelsMixesWithTheUniformDistribution() {
        let labels = Tensor([[0, 1, 0], [1, 0, 0]] as [[Double]])
        assertClose(smoothLabels(labels, alpha: 0.3).scalars(as: Double.self), [0.1, 0.8, 0.1, 0.8, 0.1, 0.1],
                    rtol: 0, atol: 1e-15)
        XCTAssertEqual(smoothLabels(labels, alpha: 0).scalars(as: Double.self), labels.scalars(as: Double.self))
        // Cross-entropy's labelSmoothing is the same smoothing.
        let logits = Tensor([[0.2, 1.5, -0.3], [2, 0, 1]] as [[Double]])
        assertClose(softmaxCrossEntropy(logits: logits, labels: labels, labelSmoothing: 0.3),
                    softmaxCrossEntropy(logits: logits, labels: smoothLabels(labels, alpha: 0.3)), rtol: 0, atol: 1e-15)
    }
}
