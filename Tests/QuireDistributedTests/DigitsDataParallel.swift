import Foundation
import QuireCheckpoint
import QuireData
import QuireDistributed
import QuireNN
import QuireOptim
import QuireTensor

/// The digits MLP (64-256-256-10, Adam 1e-3) trained data-parallel: each step's global batch of
/// `globalBatch` shuffled rows is split across the ranks (`distributedBatch`), gradients are averaged by
/// the optimizer. Every rank starts from different random weights; the broadcast from rank 0 makes them
/// the single-process model's. Returns the global mean loss of every step.
func trainDigits(steps: Int, globalBatch: Int, checkpoints: URL? = nil, every: Int = 5,
                 group: (any CheckpointGroup)? = nil, onStep: (Int) -> Void = { _ in }) throws -> [Double] {
    let (train, _) = try Digits.load(from: Digits.defaultPath)
    let data = try MapDataset(ArraySource(["x": train.x, "y": train.y])).shuffle(seed: 0).repeat()
        .distributedBatch(globalBatch).iterator()
    let model = MLP([64, 256, 256, 10], rngs: Rngs(Distributed.rank))
    let optimizer = try Optimizer(model, adam(learningRate: 1e-3), dataParallel: true)
    let manager = try checkpoints.map { try CheckpointManager(directory: $0, options: CheckpointOptions(async: false)) }
    var losses: [Double] = []
    for step in 1...steps {
        onStep(step)
        let batch = try data.nextElement()!
        let (loss, grads) = try valueAndGrad(of: model) { m in
            softmaxCrossEntropy(logits: m(batch["x"]!), labels: batch["y"]!).mean()
        }
        try optimizer.update(grads)
        losses.append(try Distributed.allReduce(loss.item(as: Double.self), .mean))
        if let manager, step % every == 0 {
            try manager.save(step: step, replicated: ["model": model, "opt": optimizer], perRank: ["data": data],
                             metrics: ["loss": losses.last!], group: group ?? Distributed.checkpointGroup)
        }
    }
    return losses
}
