import Foundation
import QuireData
import QuireNN
import QuireOptim
import QuireTensor

/// Issue 4's digits run timed end to end, as the JAX + Flax NNX peer (`w2_mlp.py`) times it: MLP
/// 64-256-256-10 (ReLU), batch 128, Adam 1e-3, 20 epochs (220 steps), seed 0. The first step is timed
/// alone; steps/s is over the other 219. The step is split into valueAndGrad (forward + backward) and
/// the optimizer update, and a forward-only loss on the same batches gives the forward share.
let mlpBenchmark = Benchmark(name: "mlp", summary: "digits MLP 64-256-256-10 training: steps/s (Adam, batch 128, 220 steps), "
                             + "test accuracy, step split; jitted step") { r in
    if r.wants("digits_train_jit") { try jittedDigitsRun(r) }
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

/// The same run with the whole step (forward, backward, Adam) under `jit`: traced on the first batch
/// (and once more for the smaller last batch of each epoch, if any), replayed afterwards. Adam runs in
/// the program with its step count as a tensor (the Optax-style optimizer keeps it as a Swift number,
/// which a trace would freeze). Peak memory is measured over 5 further steps of each kind with
/// `MemoryStats` tracking on (off while timing).
private func jittedDigitsRun(_ r: BenchReporter) throws {
    let (train, test) = try Digits.load(from: Digits.defaultPath)
    let model = MLP([64, 256, 256, 10], rngs: Rngs(0))
    let shuffle = PRNGKey(seed: 0)
    let epochs = 20
    func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
    var batches: [(x: Tensor, y: Tensor)] = []
    for epoch in 0..<epochs { batches += Digits.batches(train.x, train.y, batchSize: 128, key: shuffle.fold(in: epoch)) }

    let paths = model.state(.trainable).keys
    var state = model.state(.trainable)
    for k in paths {
        state["mu/" + k] = Tensor.zeros(state[k]!.shape, dtype: state[k]!.dtype)
        state["nu/" + k] = Tensor.zeros(state[k]!.shape, dtype: state[k]!.dtype)
    }
    state["count"] = Tensor(0, dtype: .float32)
    let (b1, b2, eps, lr) = (0.9, 0.999, 1e-8, 1e-3)
    let step = jit { (s: TensorDict) in
        let params = TensorDict(paths.map { ($0, s[$0]!) })
        let (loss, grads) = try valueAndGrad { (p: TensorDict) in
            try model.update(parameters: p)
            return softmaxCrossEntropy(logits: model(s["x"]!), labels: s["y"]!).mean()
        }(params)
        var next = TensorDict()
        let count = s["count"]! + 1
        let c1 = 1 - Tensor(b1, dtype: .float32).pow(count), c2 = 1 - Tensor(b2, dtype: .float32).pow(count)
        for k in paths {
            let g = grads[k]!
            let mu = s["mu/" + k]! * b1 + g * (1 - b1)
            let nu = s["nu/" + k]! * b2 + g.square() * (1 - b2)
            next[k] = s[k]! - (mu / c1) / ((nu / c2).sqrt() + eps) * lr
            next["mu/" + k] = mu
            next["nu/" + k] = nu
        }
        next["count"] = count
        next["loss"] = loss
        return next
    }
    func withBatch(_ s: TensorDict, _ b: (x: Tensor, y: Tensor)) -> TensorDict {
        var d = TensorDict()
        for k in s.keys where k != "loss" { d[k] = s[k]! }
        d["x"] = b.x
        d["y"] = b.y
        return d
    }
    let t0 = now()
    state = try step(withBatch(state, batches[0]))
    let firstCall = now() - t0
    let loopStart = now()
    for b in batches.dropFirst() { state = try step(withBatch(state, b)) }
    let loop = now() - loopStart
    let lastLoss = state["loss"]!.item(as: Float.self)
    try model.load(TensorDict(paths.map { ($0, state[$0]!) }), filter: .trainable)
    let testAccuracy = accuracy(logits: model(test.x), labels: test.y)

    // Forward + backward alone under jit (no update), to compare with the eager value_and_grad_ms.
    let gradOnly = jit { (s: TensorDict) in
        let (loss, grads) = try valueAndGrad { (p: TensorDict) in
            try model.update(parameters: p)
            return softmaxCrossEntropy(logits: model(s["x"]!), labels: s["y"]!).mean()
        }(TensorDict(paths.map { ($0, s[$0]!) }))
        var out = grads
        out["loss"] = loss
        return out
    }
    _ = try gradOnly(withBatch(state, batches[0]))
    let gradStart = now()
    for b in batches.dropFirst() { _ = try gradOnly(withBatch(state, b)) }
    let gradSeconds = now() - gradStart

    // Peak bytes allocated during 5 steps, jitted and eager (same batch, same model).
    func peak(_ body: () throws -> Void) rethrows -> Int {
        MemoryStats.isTracking = true
        defer { MemoryStats.isTracking = false }
        MemoryStats.resetPeak()
        let base = MemoryStats.liveBytes
        try body()
        return MemoryStats.peakBytes - base
    }
    let b = batches[1]
    let jitPeak = try peak { for _ in 0..<5 { state = try step(withBatch(state, b)) } }
    let optimizer = Optimizer(model, adam(learningRate: lr))
    let eagerPeak = try peak {
        for _ in 0..<5 {
            let (_, grads) = try valueAndGrad(of: model) { m in softmaxCrossEntropy(logits: m(b.x), labels: b.y).mean() }
            try optimizer.update(grads)
        }
    }
    let steps = batches.count - 1
    r.emit(["benchmark": "mlp", "case": "digits_train_jit", "steps": batches.count, "batch": 128, "epochs": epochs,
            "steps_per_s": round(Double(steps) / loop, 1), "samples_per_s": round(Double(steps * 128) / loop, 0),
            "first_call_trace_compile_s": round(firstCall, 4), "traces": step.cacheMisses, "replays": step.cacheHits,
            "instructions": step.lastCompile?.instructions ?? 0, "traced_nodes": step.lastCompile?.tracedNodes ?? 0,
            "final_train_loss": round(Double(lastLoss), 4), "test_accuracy": round(testAccuracy, 4),
            "peak_step_bytes_jit": jitPeak, "peak_step_bytes_eager": eagerPeak,
            "jit_value_and_grad_ms": round(gradSeconds * 1e3 / Double(steps), 4)])
}
