import Foundation
import QuireData
import QuireNN
import QuireOptim
import QuireTensor

/// Issue 4's digits run timed end to end, as the JAX + Flax NNX peer (`w2_mlp.py`) times it: MLP
/// 64-256-256-10 (ReLU), batch 128, Adam 1e-3, 20 epochs (220 steps), seed 0. The first step is timed
/// alone; steps/s is over the other 219. The step is split into valueAndGrad (forward + backward) and
/// the optimizer update, and a forward-only loss on the same batches gives the forward share.
let mlpBenchmark = Benchmark(name: "mlp", summary: "digits MLP 64-256-256-10 training: steps/s (Adam, batch 128, 220 steps), test accuracy, step split") { r in
    guard r.wants("digits_train") else { return }
    let (train, test) = try Digits.load(from: Digits.defaultPath)
    let model = MLP([64, 256, 256, 10], rngs: Rngs(0))
    let optimizer = Optimizer(model, adam(learningRate: 1e-3))
    let shuffle = PRNGKey(seed: 0)
    let epochs = 20
    let lossOf = { (m: MLP, x: Tensor, y: Tensor) in softmaxCrossEntropy(logits: m(x), labels: y).mean() }
    func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    var batches: [(x: Tensor, y: Tensor)] = []
    var batchSeconds = 0.0
    for epoch in 0..<epochs {
        let t = now()
        batches += Digits.batches(train.x, train.y, batchSize: 128, key: shuffle.fold(in: epoch))
        batchSeconds += now() - t
    }
    var gradSeconds = 0.0, updateSeconds = 0.0, firstStep = 0.0, lastLoss: Float = .nan
    let loopStart = now()
    var afterFirst = loopStart
    for (i, (x, y)) in batches.enumerated() {
        let t0 = now()
        let (loss, grads) = try valueAndGrad(of: model) { m in lossOf(m, x, y) }
        let t1 = now()
        try optimizer.update(grads)
        let t2 = now()
        lastLoss = loss.item(as: Float.self)
        if i == 0 { firstStep = t2 - t0; afterFirst = now() } else { gradSeconds += t1 - t0; updateSeconds += t2 - t1 }
    }
    let loop = now() - afterFirst
    let steps = batches.count - 1
    // Forward only (no trace), on the same batches: its share of valueAndGrad is the forward cost.
    let t3 = now()
    for (x, y) in batches.dropFirst() { _ = lossOf(model, x, y).item(as: Float.self) }
    let forwardSeconds = now() - t3
    let testAccuracy = accuracy(logits: model(test.x), labels: test.y)
    let perStepMs = { (s: Double) in round(s * 1e3 / Double(steps), 4) }
    r.emit(["benchmark": "mlp", "case": "digits_train", "steps": batches.count, "batch": 128, "epochs": epochs,
            "steps_per_s": round(Double(steps) / loop, 1), "samples_per_s": round(Double(steps * 128) / loop, 0),
            "first_step_s": round(firstStep, 4), "final_train_loss": round(Double(lastLoss), 4),
            "test_accuracy": round(testAccuracy, 4),
            "value_and_grad_ms": perStepMs(gradSeconds), "optimizer_update_ms": perStepMs(updateSeconds),
            "forward_only_ms": perStepMs(forwardSeconds),
            "backward_est_ms": perStepMs(max(0, gradSeconds - forwardSeconds)),
            "batching_ms_per_step": round(batchSeconds * 1e3 / Double(batches.count), 4)])
}
