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

    /// `update(averaging:)` equals `update` with `(a + b) · 0.5` (three shares: `((a + b) + c) · (1/3)`) bit
    /// for bit: Adam takes two shares' mean inside its fused pass; SGD and three shares average first.
    func testAveragingSharesEqualsUpdatingWithTheirMean() throws {
        let halves = [x[0..<4], x[4..<8]], labels = [y[0..<4], y[4..<8]]
        for tx in [adam(learningRate: 0.01), sgd(learningRate: 0.1, momentum: 0.9)] {
            for count in [2, 3] {
                let a = MLP([3, 5, 3], rngs: Rngs(0)), b = MLP([3, 5, 3], rngs: Rngs(0))
                let shared = Optimizer(a, tx), plain = Optimizer(b, tx)
                for _ in 0..<3 {
                    let shares = try (0..<count).map { s in
                        try valueAndGrad(of: a) { m in softmaxCrossEntropy(logits: m(halves[s % 2]), labels: labels[s % 2]).mean() }.gradients
                    }
                    let scale = 1 / Double(count)
                    let mean = TensorDict(shares[0].keys.map { k in (k, shares.dropFirst().map { $0[k]! }.reduce(shares[0][k]!, +) * scale) })
                    try shared.update(averaging: shares)
                    try plain.update(mean)
                }
                for (path, t) in b.state() {
                    XCTAssertEqual(a.state()[path]!.scalars(as: Float.self).map(\.bitPattern), t.scalars(as: Float.self).map(\.bitPattern),
                                   "\(count) shares, \(path)")
                }
            }
        }
        // Shares with different paths throw, naming them, before anything changes.
        let model = MLP([3, 3], rngs: Rngs(0))
        let optimizer = Optimizer(model, adam(learningRate: 0.1))
        let full = try valueAndGrad(of: model, loss).gradients
        var partial = full
        partial["layers.0.bias"] = nil
        XCTAssertThrowsError(try optimizer.update(averaging: [full, partial])) { error in
            XCTAssertTrue(String(describing: error).contains("layers.0.bias"), String(describing: error))
        }
        XCTAssertEqual(optimizer.step, 0)
    }
}
