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
    if r.wants("digits_train_jit") { try jittedDigitsRun(r, shares: 1) }
    // One share of the batch per core (data parallelism over the cores; averaged gradients).
    let cores = ProcessInfo.processInfo.activeProcessorCount
    if cores > 1, r.wants("digits_train_jit_shares") { try jittedDigitsRun(r, shares: cores) }
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

/// The same run as a `jitTrainStep`: forward and backward traced on the first batch (and once more for
/// the smaller last batch of each epoch), replayed afterwards with fused `linear` instructions and
/// arena buffers, and Adam applied in place to the donated parameters and moments. Also: the jitted
/// forward + backward alone, the GEMM floor (the step's eight matrix products alone, at its shapes),
/// and peak step memory (5 steps with `MemoryStats` tracking on, off while timing; the jitted figure
/// adds the arena the program keeps between calls).
///
/// With `shares` > 1 (case `digits_train_jit_shares`), `jitTrainStep(batchShares:)`: each core runs the
/// compiled step on its own share of the batch's rows, and the gradients are averaged.
private func jittedDigitsRun(_ r: BenchReporter, shares: Int) throws {
    let (train, test) = try Digits.load(from: Digits.defaultPath)
    let model = MLP([64, 256, 256, 10], rngs: Rngs(0))
    let shuffle = PRNGKey(seed: 0)
    let epochs = 20
    func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
    var batches: [(x: Tensor, y: Tensor)] = []
    for epoch in 0..<epochs { batches += Digits.batches(train.x, train.y, batchSize: 128, key: shuffle.fold(in: epoch)) }
    let lossOf = { (m: MLP, b: [Tensor]) in softmaxCrossEntropy(logits: m(b[0]), labels: b[1]).mean() }

    let step = jitTrainStep(Optimizer(model, adam(learningRate: 1e-3)), batchShares: shares, loss: lossOf)
    let t0 = now()
    var loss = try step(batches[0].x, batches[0].y)
    let firstCall = now() - t0
    let loopStart = now()
    for b in batches.dropFirst() { loss = try step(b.x, b.y) }
    let loop = now() - loopStart
    let lastLoss = loss.item(as: Float.self)
    let testAccuracy = accuracy(logits: model(test.x), labels: test.y)

    // Peak bytes allocated during 5 steps, jitted and (below) eager, same batch and model; the jitted
    // figure adds the arena its program keeps between calls. Measured before anything else holds the
    // parameters (a held parameter is copied by the in-place update, once).
    func peak(_ body: () throws -> Void) rethrows -> Int {
        MemoryStats.isTracking = true
        defer { MemoryStats.isTracking = false }
        MemoryStats.resetPeak()
        let base = MemoryStats.liveBytes
        try body()
        return MemoryStats.peakBytes - base
    }
    let b = batches[1]
    let jitPeak = try peak { for _ in 0..<5 { _ = try step(b.x, b.y) } } + step.arenaBytes
    let eagerPeak = try peak {
        for _ in 0..<5 {
            let (_, grads) = try valueAndGrad(of: model) { m in lossOf(m, [b.x, b.y]) }
            try step.optimizer.update(grads)
        }
    }

    let steps = batches.count - 1
    var fields: [String: Any] = [
        "benchmark": "mlp", "case": shares > 1 ? "digits_train_jit_shares" : "digits_train_jit", "batch_shares": shares,
        "steps": batches.count, "batch": 128, "epochs": epochs,
        "steps_per_s": round(Double(steps) / loop, 1), "samples_per_s": round(Double(steps * 128) / loop, 0),
        "first_call_trace_compile_s": round(firstCall, 4), "traces": step.cacheMisses, "replays": step.cacheHits,
        "instructions": step.lastCompile?.instructions ?? 0, "traced_nodes": step.lastCompile?.tracedNodes ?? 0,
        "fused_linear": step.lastCompile?.fusedLinear ?? 0,
        "final_train_loss": round(Double(lastLoss), 4), "test_accuracy": round(testAccuracy, 4),
        "peak_step_bytes_jit": jitPeak, "peak_step_bytes_eager": eagerPeak, "arena_bytes": step.arenaBytes]
    if shares == 1 {
        // Forward + backward alone under jit (no update), to compare with the eager value_and_grad_ms.
        let params = model.state(.trainable)
        let gradOnly = jit { (xs: [Tensor]) in
            let (value, grads) = try valueAndGrad { (p: TensorDict) in
                try model.update(parameters: p)
                return lossOf(model, [xs[0], xs[1]])
            }(TensorDict(Array(zip(params.keys, xs.dropFirst(2)))))
            return [value] + grads.values
        }
        defer { try? model.load(params, filter: .trainable) }
        _ = try gradOnly([batches[0].x, batches[0].y] + params.values)
        let gradStart = now()
        for b in batches.dropFirst() { _ = try gradOnly([b.x, b.y] + params.values) }
        let gradSeconds = now() - gradStart
        fields["jit_value_and_grad_ms"] = round(gradSeconds * 1e3 / Double(steps), 4)
        fields["gemm_floor_ms"] = round(gemmFloorSeconds(batch: 128, sizes: [64, 256, 256, 10]) * 1e3, 4)
    }
    r.emit(fields)
}

/// The time of one step's matrix products alone, at the step's shapes and layouts (forward `h·W`;
/// backward `hᵀ·g` and `g·Wᵀ`, the first layer's input gradient skipped), median of 200 repetitions:
/// what a step cannot go below while its GEMMs stay on BLAS.
private func gemmFloorSeconds(batch: Int, sizes: [Int]) -> Double {
    let key = PRNGKey(seed: 1)
    let hs = sizes.dropLast().enumerated().map { Tensor.normal(key.fold(in: $0.offset), shape: [batch, $0.element]) }
    let ws = (0..<(sizes.count - 1)).map { Tensor.normal(key.fold(in: 10 + $0), shape: [sizes[$0], sizes[$0 + 1]]) }
    let gs = sizes.dropFirst().enumerated().map { Tensor.normal(key.fold(in: 20 + $0.offset), shape: [batch, $0.element]) }
    var times: [Double] = []
    for _ in 0..<200 {
        let t = DispatchTime.now().uptimeNanoseconds
        for l in ws.indices {
            _ = hs[l].matmul(ws[l])
            _ = hs[l].transposed().matmul(gs[l])
            if l > 0 { _ = gs[l].matmul(ws[l].transposed()) }
        }
        times.append(Double(DispatchTime.now().uptimeNanoseconds - t) / 1e9)
    }
    return times.sorted()[times.count / 2]
}
