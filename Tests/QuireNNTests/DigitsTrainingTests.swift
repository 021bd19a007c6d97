import XCTest
import QuireOptim
import QuireData
import QuireTensor
@testable import QuireNN

/// Issue 4's first real run: MLP 64-256-256-10 (ReLU), batch 128, Adam 1e-3, 20 epochs, seed 0.
final class DigitsTrainingTests: XCTestCase {
    func testMLPReachesNinetySevenPercentOnDigits() throws {
        let (train, test) = try Digits.load(from: Digits.defaultPath)
        let model = MLP([64, 256, 256, 10], rngs: Rngs(0))
        let optimizer = Optimizer(model, adam(learningRate: 1e-3))
        let shuffle = PRNGKey(seed: 0)
        var firstLoss = Float.nan, lastLoss = Float.nan
        for epoch in 0..<20 {
            for (x, y) in Digits.batches(train.x, train.y, batchSize: 128, key: shuffle.fold(in: epoch)) {
                let (loss, grads) = try valueAndGrad(of: model) { m in
                    softmaxCrossEntropy(logits: m(x), labels: y).mean()
                }
                try optimizer.update(grads)
                lastLoss = loss.item(as: Float.self)
                if firstLoss.isNaN { firstLoss = lastLoss }
            }
        }
        XCTAssertEqual(optimizer.step, 220)
        XCTAssertLessThan(lastLoss, firstLoss / 10)
        let testAccuracy = accuracy(logits: model(test.x), labels: test.y)
        XCTAssertGreaterThanOrEqual(testAccuracy, 0.97, "test accuracy \(testAccuracy)")
        print("digits MLP: final train loss \(lastLoss), test accuracy \(testAccuracy)")
    }
}
