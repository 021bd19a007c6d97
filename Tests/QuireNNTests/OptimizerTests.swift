import XCTest
import QuireOptim
import QuireTensor
@testable import QuireNN

final class OptimizerTests: XCTestCase {
    private let x = Tensor.normal(PRNGKey(seed: 1), shape: [8, 3])
    private let y = Tensor([0, 1, 2, 0, 1, 2, 0, 1] as [Int32])

    private func loss(_ m: MLP) -> Tensor { softmaxCrossEntropy(logits: m(x), labels: y).mean() }

    func testStepEqualsManualPath() throws {
        let a = MLP([3, 5, 3], rngs: Rngs(0)), b = MLP([3, 5, 3], rngs: Rngs(0))
        let tx = adam(learningRate: 0.01)
        let optimizer = Optimizer(a, tx)
        var state = tx.initialize(params: b.state(.trainable))
        for _ in 0..<3 {
            try optimizer.update(try valueAndGrad(of: a, loss).gradients)
            let grads = try valueAndGrad(of: b, loss).gradients
            let params = b.state(.trainable)
            let (updates, next) = try tx.update(grads: grads, state: state, params: params)
            try b.update(parameters: applyUpdates(params, updates))
            state = next
        }
        for (path, t) in b.state() {
            XCTAssertEqual(a.state()[path]!.scalars(as: Float.self), t.scalars(as: Float.self), path)
        }
        XCTAssertEqual(optimizer.step, 3)
        XCTAssertEqual(optimizer.step, state.step)
        XCTAssertEqual(optimizer.learningRate!, 0.01, accuracy: 1e-12)
        XCTAssertEqual(optimizer.state.tensors.keys, state.tensors.keys)
    }

    func testStepAndLearningRateBeforeAnyUpdate() {
        let optimizer = Optimizer(MLP([3, 2], rngs: Rngs(0)), adam(learningRate: 1e-3))
        XCTAssertEqual(optimizer.step, 0)
        XCTAssertEqual(optimizer.learningRate!, 1e-3, accuracy: 1e-12)
    }

    func testUnknownOrMisshapedGradientsThrowAndChangeNothing() throws {
        let model = MLP([3, 2], rngs: Rngs(0))
        let optimizer = Optimizer(model, adam(learningRate: 0.1))
        let before = model.state()
        let bad: TensorDict = ["layers.0.wieght": Tensor.zeros([3, 2]), "layers.0.bias": Tensor.zeros([5])]
        XCTAssertThrowsError(try optimizer.update(bad)) { error in
            let text = String(describing: error)
            XCTAssertTrue(text.contains("unexpected gradient: layers.0.wieght"), text)
            XCTAssertTrue(text.contains("mismatched gradient: layers.0.bias"), text)
        }
        XCTAssertEqual(optimizer.step, 0)
        for (k, v) in before { XCTAssertEqual(model.state()[k]!.scalars(as: Float.self), v.scalars(as: Float.self)) }
    }
}
