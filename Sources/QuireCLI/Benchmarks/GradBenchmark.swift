import QuireTensor

/// A 64-256-256-10 ReLU MLP's softmax cross-entropy on a batch (integer labels), parameters by path.
private func mlpLoss(_ p: TensorDict, _ x: Tensor, _ labels: Tensor) -> Tensor {
    let h1 = (x.matmul(p["l1.w"]!) + p["l1.b"]!).relu()
    let h2 = (h1.matmul(p["l2.w"]!) + p["l2.b"]!).relu()
    let logits = h2.matmul(p["l3.w"]!) + p["l3.b"]!
    return -logits.logSoftmax().take(along: labels, axis: 1).mean()
}

/// The 64-256-256-10 MLP's parameters (scaled by 1/√fan-in, zero biases), a batch of 128 inputs and labels.
private func mlpProblem() -> (params: TensorDict, x: Tensor, labels: Tensor) {
    let sizes = [64, 256, 256, 10]
    var params = TensorDict()
    for i in 0..<3 {
        params["l\(i + 1).w"] = benchInput([sizes[i], sizes[i + 1]], seed: UInt64(10 + i)) / Double(sizes[i]).squareRoot()
        params["l\(i + 1).b"] = Tensor.zeros([sizes[i + 1]])
    }
    let x = benchInput([128, 64], seed: 20) * 0.5 + 0.5
    return (params, x, Tensor((0..<128).map { Int32($0 % 10) }, shape: [128, 1]))
}

/// Reverse-mode cost: the overhead tracing adds per op on a tiny function (where bookkeeping dominates),
/// and one valueAndGrad of a 64-256-256-10 MLP on a batch of 128 (where the arithmetic does).
let gradBenchmark = Benchmark(name: "grad", summary: "µs overhead per traced op (tiny function); ms per valueAndGrad of a 64-256-256-10 MLP, batch 128; per-example gradients by vmap vs a loop; checkpoint peak memory") { r in
    let chainLength = 100
    if r.wants("tiny_chain") {
        // A chain of 100 elementwise ops on 4 floats, run plain and under valueAndGrad.
        let x = benchInput([4], seed: 5)
        let chain: (Tensor) -> Tensor = { x in
            var h = x
            for i in 0..<(chainLength / 2) { h = (h * 0.99).tanh() + (i % 2 == 0 ? 0.01 : -0.01) }
            return h
        }
        let plain = measure(minSeconds: 1) { blackHole(chain(x).sum()) }
        let traced = measure(minSeconds: 1) { blackHole(try! valueAndGrad { chain($0).sum() }(x)) }
        let ops = Double(chainLength + chainLength / 2 + 1)   // 100 chain ops (+ the weak-scalar adds) and the sum
        r.emit(["benchmark": "grad", "case": "tiny_chain", "ops": Int(ops),
                "plain_us_per_op": round(plain.best * 1e6 / ops, 3),
                "value_and_grad_us_per_op": round(traced.best * 1e6 / ops, 3),
                "overhead_us_per_traced_op": round((traced.best - plain.best) * 1e6 / ops, 3),
                "plain_us": round(plain.best * 1e6, 1), "value_and_grad_us": round(traced.best * 1e6, 1),
                "reps": traced.reps])
    }
    if r.wants("mlp_64_256_256_10_b128") {
        let (params, x, labels) = mlpProblem()
        let forward = measure(minSeconds: 1) { blackHole(mlpLoss(params, x, labels)) }
        let step = measure(minSeconds: 2) { blackHole(try! valueAndGrad { (p: TensorDict) in mlpLoss(p, x, labels) }(params)) }
        r.emit(["benchmark": "grad", "case": "mlp_64_256_256_10_b128",
                "forward_ms": round(forward.best * 1e3, 3),
                "value_and_grad_ms": round(step.best * 1e3, 3), "median_ms": round(step.median * 1e3, 3),
                "reps": step.reps])
    }
    if r.wants("per_example_grads_b128") {
        // Per-example gradients of the same MLP for 128 examples: vmap (recorded once, run on the batch)
        // against a loop of 128 single-example gradients; the results are checked equal.
        let (params, x, labels) = mlpProblem()
        let keys = params.keys.sorted()
        let oneExample: ([Tensor]) throws -> Tensor = { xs in
            let g = try grad { (p: TensorDict) in mlpLoss(p, xs[0].reshaped([1, 64]), xs[1].reshaped([1, 1])) }(params)
            return Tensor.concatenate(keys.map { g[$0]!.reshaped([-1]) }, axis: 0)
        }
        let mapped = vmap(oneExample)
        let viaVmap = try mapped([x, labels])
        let looped = {
            Tensor.stack(try (0..<128).map { k in
                try oneExample([x.sliced(axis: 0, k, k + 1).reshaped([64]), labels.sliced(axis: 0, k, k + 1).reshaped([1])])
            }, axis: 0)
        }
        let difference = (viaVmap - (try looped())).abs().max().item(as: Double.self)
        let batched = measure(minSeconds: 1) { blackHole(try! mapped([x, labels])) }
        let loop = measure(minSeconds: 1) { blackHole(try! looped()) }
        r.emit(["benchmark": "grad", "case": "per_example_grads_b128", "vmap_ms": round(batched.best * 1e3, 2),
                "loop_ms": round(loop.best * 1e3, 2), "speedup": round(loop.best / batched.best, 1),
                "max_abs_difference": difference, "reps": batched.reps])
    }
    if r.wants("checkpoint_chain") {
        // 32 residual tanh layers on a [256, 256] activation; checkpointing blocks of 8 layers.
        let x = benchInput([256, 256], seed: 30)
        let w = benchInput([256, 256], seed: 31) / 16
        let layer: @Sendable (Tensor, Tensor) -> Tensor = { h, w in h.matmul(w).tanh() * 0.9 + h * 0.1 }
        let block = checkpoint { (xs: [Tensor]) -> Tensor in
            (0..<8).reduce(xs[0]) { h, _ in layer(h, xs[1]) }
        }
        let plainLoss: (Tensor) -> Tensor = { w in (0..<32).reduce(x) { h, _ in layer(h, w) }.square().mean() }
        let rematLoss: (Tensor) -> Tensor = { w in (0..<4).reduce(x) { h, _ in block([h, w]) }.square().mean() }
        for (name, f) in [("plain", plainLoss), ("checkpoint_every_8", rematLoss)] {
            MemoryStats.isTracking = true
            let before = MemoryStats.liveBytes
            MemoryStats.resetPeak()
            blackHole(try! grad(f)(w))
            let peak = MemoryStats.peakBytes - before
            MemoryStats.isTracking = false
            let t = measure(minSeconds: 1) { blackHole(try! grad(f)(w)) }
            r.emit(["benchmark": "grad", "case": "checkpoint_chain_\(name)", "layers": 32,
                    "peak_mb": round(Double(peak) / 1048576, 1), "ms": round(t.best * 1e3, 2), "reps": t.reps])
        }
    }
}
