import Foundation
import QuireTestSupport
import XCTest
import QuireNN
import QuireOptim
import QuireTensor
@testable import QuireCheckpoint

/// A data position: shuffled minibatches over a fixed data set, reshuffled each epoch from a key. Its
/// checkpoint state is the epoch, the position in the epoch and the key (metadata only).
private struct ShuffledBatches: Checkpointable {
    let x: Tensor, y: Tensor
    let batchSize: Int
    var key: PRNGKey
    var epoch = 0
    var position = 0

    mutating func next() -> (x: Tensor, y: Tensor) {
        let n = x.shape[0]
        if position + batchSize > n {
            epoch += 1
            position = 0
        }
        let order = Tensor.permutation(key.fold(in: epoch), count: n)
        let idx = order[position..<(position + batchSize)]
        position += batchSize
        return (x.take(idx), y.take(idx))
    }

    func checkpointState() throws -> CheckpointState {
        var s = try key.checkpointState()
        try s.setMetadata("epoch", to: epoch)
        try s.setMetadata("position", to: position)
        return s
    }

    mutating func load(_ state: CheckpointState) throws {
        var k = key
        try k.load(state)
        let e: Int = try state.metadata("epoch"), p: Int = try state.metadata("position")
        (key, epoch, position) = (k, e, p)
    }
}

final class ExactResumeTests: XCTestCase {
    private struct Run {
        let model: MLP
        let optimizer: Optimizer<MLP>
        var data: ShuffledBatches
        var dropoutKey: PRNGKey

        init(seed: Int) {
            let key = PRNGKey(seed: 11)
            let x = Tensor.normal(key.fold(in: 1), shape: [40, 6])
            let y = x.argmax(axis: 1)
            model = MLP([6, 16, 6], rngs: Rngs(seed))
            let schedule = Schedule.warmupCosineDecay(initialValue: 0, peakValue: 0.05, warmupSteps: 4, decaySteps: 30)
            optimizer = Optimizer(model, chain(clipByGlobalNorm(1.0), adam(learningRate: schedule)))
            data = ShuffledBatches(x: x, y: y, batchSize: 16, key: PRNGKey(seed: seed))
            dropoutKey = PRNGKey(seed: seed + 1)
        }

        /// One training step; returns the loss.
        mutating func step() throws -> Float {
            let batch = data.next()
            let (k, noiseKey) = dropoutKey.splitPair()
            dropoutKey = k
            let noise = Tensor.normal(noiseKey, shape: batch.x.shape, stddev: 0.01)
            let (loss, grads) = try valueAndGrad(of: model) { m in
                softmaxCrossEntropy(logits: m(batch.x + noise), labels: batch.y).mean()
            }
            try optimizer.update(grads)
            return loss.item()
        }
    }

    func testARestoredRunContinuesWithBitIdenticalLosses() throws {
        let total = 14, saveAt = 6
        var straight = Run(seed: 3)
        let expected = try (0..<total).map { _ in try straight.step() }

        let dir = try temporaryDirectory(self)
        do {
            var first = Run(seed: 3)
            let manager = try CheckpointManager(directory: dir, options: CheckpointOptions(saveIntervalSteps: saveAt))
            for step in 1...saveAt + 2 {
                _ = try first.step()
                try manager.save(step: step, items: ["model": first.model, "opt": first.optimizer, "data": first.data,
                                                     "noise": first.dropoutKey])
            }
            try manager.wait()
        }
        // A fresh state (other initial weights and keys), restored from disk.
        var resumed = Run(seed: 77)
        let manager = try CheckpointManager(directory: dir)
        let restored = try manager.restore(.latest)
        XCTAssertEqual(restored.step, saveAt)
        try restored.load("model", into: resumed.model)
        try restored.load("opt", into: resumed.optimizer)
        try restored.load("data", into: &resumed.data)
        try restored.load("noise", into: &resumed.dropoutKey)
        XCTAssertEqual(resumed.optimizer.step, saveAt)
        let continued = try (saveAt..<total).map { _ in try resumed.step() }
        XCTAssertEqual(continued.map(\.bitPattern), expected[saveAt...].map(\.bitPattern),
                       "resumed \(continued) vs uninterrupted \(Array(expected[saveAt...]))")
        XCTAssertGreaterThan(resumed.data.epoch, 0, "the run crossed an epoch boundary")
    }
}
