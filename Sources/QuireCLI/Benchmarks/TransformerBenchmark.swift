import Foundation
import QuireData
import QuireKernels
import QuireNN
import QuireOptim
import QuireTensor

private let transformerSummary = "char transformer LM training (peer w3): steps/s, tokens/s, losses, step split; "
    + "attention core per flash block size; KV-cache generation tokens/s"

/// Issue 18's character transformer, as the JAX + Flax NNX peer (`w3_transformer.py`) runs it: 2 layers,
/// d_model 128, 4 heads, MLP 512 (GELU), pre-LayerNorm, learned positions, seq 128, batch 32, AdamW 3e-4
/// (weight decay 1e-4), 300 steps, on the fortunes corpus (90 % train, random windows; the last 10 %
/// held out: 16 batches for the eval loss). The first step is timed alone; steps/s is over the other 299
/// and, like the peer's loop, includes drawing each batch. The step is split into data, valueAndGrad
/// (forward + backward) and the optimizer; a forward-only loss on 20 training batches gives the forward
/// share. The `attention_*` cases time the step's attention core alone (qkv rows → heads → flash kernels →
/// rows, forward and forward + backward) for several flash block sizes. The `generate` case times 256
/// new tokens of KV-cached sampling (rotary positions, same sizes, since learned positions stop at 128).
let transformerBenchmark = Benchmark(name: "transformer", summary: transformerSummary) { r in
    let corpus = try TextCorpus.debian()
    let tokenizer = CharTokenizer(training: corpus.text)
    let ids = try tokenizer.encodeTensor(corpus.text)
    let n = ids.shape[0], split = Int(0.9 * Double(n))
    let (seq, batch, steps) = (128, 32, 300)
    let config = TransformerConfig(vocabularySize: tokenizer.vocabularySize, maxLength: seq)
    func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    if r.wants("train") {
        let train = try TextWindows(tokens: ids.sliced(axis: 0, 0, split), length: seq, order: .random(seed: 0), count: batch * steps)
        let held = try TextWindows(tokens: ids.sliced(axis: 0, split), length: seq, order: .random(seed: 1), count: batch * 16)
        let batches = MapDataset(train).batch(batch).iterator()
        let model = TransformerLM(config, rngs: Rngs(0))
        let nParams = model.parameters().map { $0.param.value.shape.reduce(1, *) }.reduce(0, +)
        let optimizer = Optimizer(model, adamw(learningRate: 3e-4))
        var data = 0.0, grad = 0.0, update = 0.0, first = 0.0
        var losses: [Double] = []
        var loopStart = 0.0
        for step in 0..<steps {
            let t0 = now()
            let b = try batches.nextElement()!
            let (x, y) = (b["inputs"]!, b["targets"]!)
            let t1 = now()
            let (loss, grads) = try valueAndGrad(of: model) { m in try m.loss(inputs: x, targets: y) }
            let t2 = now()
            try optimizer.update(grads)
            losses.append(loss.item(as: Double.self))
            let t3 = now()
            if step == 0 { first = t3 - t0; loopStart = now() } else { data += t1 - t0; grad += t2 - t1; update += t3 - t2 }
        }
        let loop = now() - loopStart
        let timed = Double(steps - 1)
        // Forward only (no trace) on training batches: its share of valueAndGrad.
        let fwdBatches = try MapDataset(train).batch(batch).slice(0..<20).collect()
        let tf = now()
        for b in fwdBatches { _ = try model.loss(inputs: b["inputs"]!, targets: b["targets"]!).item(as: Double.self) }
        let forward = (now() - tf) / Double(fwdBatches.count)
        model.eval()
        let heldLosses = try MapDataset(held).batch(batch).collect().map {
            try model.loss(inputs: $0["inputs"]!, targets: $0["targets"]!).item(as: Double.self)
        }
        model.train()
        let ms = { (s: Double) in round(s * 1e3, 2) }
        r.emit(["benchmark": "transformer", "case": "train", "corpus": corpus.source, "corpus_chars": n,
                "vocab": tokenizer.vocabularySize, "n_params": nParams, "layers": config.layers, "d_model": config.features,
                "heads": config.heads, "mlp": config.mlpFeatures, "seq": seq, "batch": batch, "lr": 3e-4, "steps": steps,
                "train_steps_per_s": round(timed / loop, 2), "train_tokens_per_s": round(timed * Double(seq * batch) / loop, 0),
                "first_step_s": round(first, 3), "loss_step1": round(losses[0], 4), "loss_step300": round(losses[steps - 1], 4),
                "loss_mean_steps291_300": round(losses.suffix(10).reduce(0, +) / 10, 4),
                "heldout_loss_after_300": round(heldLosses.reduce(0, +) / Double(heldLosses.count), 4),
                "uniform_loss_ln_vocab": round(Foundation.log(Double(tokenizer.vocabularySize)), 4),
                "data_ms": ms(data / timed), "value_and_grad_ms": ms(grad / timed), "optimizer_ms": ms(update / timed),
                "forward_ms": ms(forward), "backward_est_ms": ms(max(0, grad / timed - forward)),
                "peak_rss_mb": round(Double(procStatusKiB("VmHWM")) / 1024, 1)])
    }

    if r.wants("attention") {
        // The training step's attention core alone (qkv rows [32·128, 384] → [32·128, 128], causal, 4
        // heads of 32), forward and forward + backward, per flash block size.
        let qkv = Tensor.normal(PRNGKey(seed: 3), shape: [batch * seq, 3 * config.features])
        let w = Tensor.normal(PRNGKey(seed: 4), shape: [batch * seq, config.features])
        let blas = { (x: Tensor) in try! Tensor.causalAttention(qkvRows: x, batch: batch, heads: config.heads) }
        let fwd = measure(minReps: 5, minSeconds: 0.5) { blackHole(blas(qkv)) }
        let both = measure(minReps: 5, minSeconds: 0.5) { blackHole(try! valueAndGrad { (x: Tensor) in (blas(x) * w).sum() }(qkv)) }
        r.emit(["benchmark": "transformer", "case": "attention_blas", "forward_ms": round(fwd.median * 1e3, 3),
                "forward_backward_ms": round(both.median * 1e3, 3), "forward_best_ms": round(fwd.best * 1e3, 3),
                "forward_backward_best_ms": round(both.best * 1e3, 3)])
        for (bq, bk) in [(64, 64), (32, 64), (64, 32)] {
            let attend = { (x: Tensor) in
                try! Kernels.flashAttention(qkvRows: x, batch: batch, heads: config.heads, causal: true, blockQ: bq, blockK: bk)
            }
            let fwd = measure(minReps: 5, minSeconds: 0.5) { blackHole(attend(qkv)) }
            let both = measure(minReps: 5, minSeconds: 0.5) {
                blackHole(try! valueAndGrad { (x: Tensor) in (attend(x) * w).sum() }(qkv))
            }
            r.emit(["benchmark": "transformer", "case": "attention_b\(bq)x\(bk)", "block_q": bq, "block_k": bk,
                    "forward_ms": round(fwd.median * 1e3, 3), "forward_backward_ms": round(both.median * 1e3, 3),
                    "forward_best_ms": round(fwd.best * 1e3, 3), "forward_backward_best_ms": round(both.best * 1e3, 3)])
        }
    }

    if r.wants("generate") {
        var gen = config
        gen.positions = .rotary
        gen.maxLength = 512
        let model = TransformerLM(gen, rngs: Rngs(1))
        let prompt = try tokenizer.encode("Q: ")
        _ = try model.generate(prompt: prompt, maxTokens: 8, key: PRNGKey(seed: 0))   // warm-up
        let t = measure(minReps: 3, minSeconds: 1) {
            blackHole(try! model.generate(prompt: prompt, maxTokens: 256, temperature: 0.8, topK: 40, key: PRNGKey(seed: 2)))
        }
        r.emit(["benchmark": "transformer", "case": "generate_kv_cache", "new_tokens": 256, "prompt_tokens": prompt.count,
                "median_s": round(t.median, 4), "tokens_per_s": round(256 / t.median, 1), "reps": t.reps])
    }
}
