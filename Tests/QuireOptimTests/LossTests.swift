import Foundation
import QuireOptim
import QuireTensor
import QuireTestSupport
import XCTest

/// Losses against hand-computed values, their gradients against closed forms and finite differences.
final class LossTests: XCTestCase {
    let logits = Tensor([[1, 2, 3], [1, 0, -1]] as [[Double]])
    let labels = Tensor([2, 0] as [Int32])

    func logSoftmaxRow(_ r: [Double]) -> [Double] {
        let m = r.max()!
        let lse = m + log(r.map { exp($0 - m) }.reduce(0, +))
        return r.map { $0 - lse }
    }

    func testSoftmaxCrossEntropyIntegerOneHotAndSmoothing() {
        let rows = [[1.0, 2, 3], [1.0, 0, -1]]
        let expected = [-logSoftmaxRow(rows[0])[2], -logSoftmaxRow(rows[1])[0]]
        let ce = softmaxCrossEntropy(logits: logits, labels: labels).scalars(as: Double.self)
        XCTAssertEqual(ce[0], expected[0], accuracy: 1e-12)
        XCTAssertEqual(ce[1], expected[1], accuracy: 1e-12)
        let oneHot = softmaxCrossEntropy(logits: logits, labels: labels.oneHot(depth: 3, dtype: .float64)).scalars(as: Double.self)
        XCTAssertEqual(oneHot[0], expected[0], accuracy: 1e-12)
        // Smoothing 0.3 over 3 classes: targets 0.1, 0.1, 0.8 for row 0.
        let smooth = softmaxCrossEntropy(logits: logits, labels: labels, labelSmoothing: 0.3).scalars(as: Double.self)
        let lp = logSoftmaxRow(rows[0])
        XCTAssertEqual(smooth[0], -(0.1 * lp[0] + 0.1 * lp[1] + 0.8 * lp[2]), accuracy: 1e-12)
        // Stable for huge logits.
        let big = softmaxCrossEntropy(logits: Tensor([[1000, 0]] as [[Float]]), labels: Tensor([1] as [Int32])).item()
        XCTAssertEqual(big, 1000, accuracy: 1e-3)
    }

    func testSoftmaxCrossEntropyGradientIsSoftmaxMinusOneHot() throws {
        let g = try grad { (z: Tensor) in softmaxCrossEntropy(logits: z, labels: self.labels).mean() }(logits)
        let expected = (logits.softmax(axis: -1) - labels.oneHot(depth: 3, dtype: .float64)) / 2
        assertClose(g.scalars(as: Double.self), expected.scalars(as: Double.self), rtol: 0, atol: 1e-12)
    }

    func testSigmoidBinaryCrossEntropy() throws {
        let x = Tensor([-2, 0.5, 3, 100, -100] as [Double]), y = Tensor([0, 1, 0.3, 1, 0] as [Double])
        let got = sigmoidBinaryCrossEntropy(logits: x, labels: y).scalars(as: Double.self)
        for (i, (xi, yi)) in zip(x.scalars(as: Double.self), y.scalars(as: Double.self)).enumerated() {
            let s = 1 / (1 + exp(-xi))
            let want = abs(xi) > 30 ? max(xi, 0) - xi * yi + log1p(exp(-abs(xi))) : -(yi * log(s) + (1 - yi) * log(1 - s))
            XCTAssertEqual(got[i], want, accuracy: 1e-9, "element \(i)")
        }
        let g = try grad { (z: Tensor) in sigmoidBinaryCrossEntropy(logits: z, labels: y).sum() }(x)
        let want = zip(x.scalars(as: Double.self), y.scalars(as: Double.self)).map { 1 / (1 + exp(-$0)) - $1 }
        assertClose(g.scalars(as: Double.self), want, rtol: 0, atol: 1e-9)
    }

    func testMeanSquaredErrorHuberAndKL() throws {
        let p = Tensor([1, 2, 5] as [Double]), t = Tensor([0.5, 2, 2] as [Double])
        XCTAssertEqual(meanSquaredError(predictions: p, targets: t).item(as: Double.self), (0.25 + 0 + 9) / 3, accuracy: 1e-12)
        // |e| = 0.5 → ½·0.25; 0 → 0; 3 (> delta 1) → 1·(3 − 0.5).
        assertClose(huber(predictions: p, targets: t).scalars(as: Double.self), [0.125, 0, 2.5], rtol: 0, atol: 1e-12)
        let logq = Tensor([log(0.25), log(0.25), log(0.5)] as [Double])
        let kl = klDivergence(logPredictions: logq, targets: Tensor([0.5, 0.5, 0] as [Double])).item(as: Double.self)
        XCTAssertEqual(kl, log(2.0), accuracy: 1e-12)
    }

    func testHuberAndKLGradientsMatchFiniteDifferences() throws {
        let t = Tensor([0.5, 2, 2] as [Double])
        let fHuber: (Tensor) -> Tensor = { huber(predictions: $0, targets: t, delta: 1).sum() }
        try checkFiniteDifferences(fHuber, at: Tensor([1, 2.3, 5] as [Double]))
        let targets = Tensor([0.2, 0.5, 0.3] as [Double])
        let fKL: (Tensor) -> Tensor = { klDivergence(logPredictions: $0.logSoftmax(axis: -1), targets: targets).sum() }
        try checkFiniteDifferences(fKL, at: Tensor([0.3, -1, 2] as [Double]))
        let fMSE: (Tensor) -> Tensor = { meanSquaredError(predictions: $0, targets: t) }
        try checkFiniteDifferences(fMSE, at: Tensor([1, 2.3, 5] as [Double]))
    }

    func checkFiniteDifferences(_ f: @escaping (Tensor) -> Tensor, at x: Tensor, file: StaticString = #filePath, line: UInt = #line) throws {
        let g = try grad { f($0) }(x).scalars(as: Double.self)
        let xs = x.scalars(as: Double.self), h = 1e-6
        for i in xs.indices {
            var up = xs, down = xs
            up[i] += h; down[i] -= h
            let fd = (f(Tensor(up)).item(as: Double.self) - f(Tensor(down)).item(as: Double.self)) / (2 * h)
            XCTAssertEqual(g[i], fd, accuracy: 1e-6, "component \(i)", file: file, line: line)
        }
    }

    func testAccuracy() {
        let z = Tensor([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7], [0.6, 0.4]] as [[Float]])
        XCTAssertEqual(accuracy(logits: z, labels: Tensor([1, 0, 0, 0] as [Int32])), 0.75)
        XCTAssertEqual(accuracy(logits: z, labels: Tensor([1, 0, 0, 0] as [Int32]).oneHot(depth: 2)), 0.75)
    }
}
