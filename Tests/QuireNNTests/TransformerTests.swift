import Foundation
import XCTest
import QuireCheckpoint
import QuireOptim
import QuireTensor
import QuireTestSupport
@testable import QuireNN

final class TransformerTests: XCTestCase {
    private static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// A tiny config; `variant` 0 = GPT-style (LayerNorm, GELU, learned, untied), 1 = LLaMA-style
    /// (RMSNorm, SwiGLU, rotary, tied).
    private func tiny(_ variant: Int, dtype: DType = .float32) -> TransformerConfig {
        var c = TransformerConfig(vocabularySize: 7, maxLength: 12, features: 8, heads: 2, layers: 2, mlpFeatures: 12)
        c.dtype = dtype
        if variant == 1 { c.norm = .rmsNorm; c.mlp = .swiglu; c.positions = .rotary; c.tiedEmbeddings = true }
        return c
    }

    private func tokens(_ b: Int, _ t: Int, vocab: Int, seed: Int = 5) -> Tensor {
        Tensor.randint(PRNGKey(seed: seed), shape: [b, t], low: 0, high: vocab)
    }

    func testForwardMatchesFlaxOnSharedWeights() throws {
        let file = try SafetensorsFile(path: Self.fixtures.appendingPathComponent("transformer_flax.safetensors").path)
        let params = try file.tensors(where: { $0.hasPrefix("params.") }, renaming: { String($0.dropFirst(7)) })
        let config = TransformerConfig(vocabularySize: 11, maxLength: 8, features: 16, heads: 2, layers: 2, mlpFeatures: 32)
        let model = TransformerLM(config, rngs: Rngs(0))
        XCTAssertEqual(Set(model.state().keys), Set(params.keys), "Quire's paths are the Flax peer's, renamed")
        try model.load(params)
        let logits = model(try file.tensor("tokens"))
        assertClose(logits, try file.tensor("logits"), rtol: 2e-5, atol: 2e-5, checkDType: false, "logits vs Flax NNX")
    }

    func testParameterPathsAndTying() {
        let gpt = TransformerLM(tiny(0), rngs: Rngs(0))
        let keys = Set(gpt.state().keys)
        for k in ["tok.weight", "pos.weight", "blocks.1.attn.query.weight", "blocks.0.ln2.bias", "blocks.0.fc2.weight",
                  "lnF.scale", "head.weight"] { XCTAssertTrue(keys.contains(k), k) }
        let llama = TransformerLM(tiny(1), rngs: Rngs(0))
        let lk = Set(llama.state().keys)
        XCTAssertTrue(lk.contains("blocks.0.gate.weight"))
        XCTAssertFalse(lk.contains("head.weight") || lk.contains("pos.weight") || lk.contains("lnF.bias"))
        XCTAssertEqual(llama(tokens(2, 5, vocab: 7)).shape, [2, 5, 7])
    }

    /// Every parameter's gradient (float64, plain-op attention) against central differences of the loss.
    func testGradientsMatchFiniteDifferences() throws {
        for variant in [0, 1] {
            let model = TransformerLM(tiny(variant, dtype: .float64), rngs: Rngs(variant))
            let x = tokens(2, 6, vocab: 7, seed: 1), y = tokens(2, 6, vocab: 7, seed: 2)
            let (_, grads) = try valueAndGrad(of: model) { m in try m.loss(inputs: x, targets: y) }
            let h = 1e-5
            for (path, param) in model.parameters(.trainable) {
                let base = param.value
                var values = base.scalars(as: Double.self)
                let g = grads[path]!.scalars(as: Double.self)
                for i in Set([0, values.count / 2, values.count - 1]) {
                    let v0 = values[i]
                    values[i] = v0 + h; param.value = Tensor(values, shape: base.shape)
                    let up = try model.loss(inputs: x, targets: y).item(as: Double.self)
                    values[i] = v0 - h; param.value = Tensor(values, shape: base.shape)
                    let down = try model.loss(inputs: x, targets: y).item(as: Double.self)
                    values[i] = v0; param.value = base
                    let fd = (up - down) / (2 * h)
                    XCTAssertEqual(g[i], fd, accuracy: 1e-7 + 1e-5 * abs(fd), "variant \(variant) \(path)[\(i)]")
                }
            }
        }
    }

    /// float32 training runs attention on the flash kernels; its gradients agree with the float64
    /// plain-op model on the same weights.
    func testFlashAttentionGradientsMatchPlainOps() throws {
        for variant in [0, 1] {
            let f32 = TransformerLM(tiny(variant), rngs: Rngs(3))
            let f64 = TransformerLM(tiny(variant, dtype: .float64), rngs: Rngs(0))
            try f64.load(f32.state().mapValues { $0.cast(to: .float64) })
            let x = tokens(2, 9, vocab: 7, seed: 3), y = tokens(2, 9, vocab: 7, seed: 4)
            let (l32, g32) = try valueAndGrad(of: f32) { m in try m.loss(inputs: x, targets: y) }
            let (l64, g64) = try valueAndGrad(of: f64) { m in try m.loss(inputs: x, targets: y) }
            XCTAssertEqual(l32.item(as: Double.self), l64.item(as: Double.self), accuracy: 1e-5)
            for (path, g) in g64 { assertClose(g32[path]!, g, rtol: 1e-4, atol: 1e-4, checkDType: false, "variant \(variant) \(path)") }
        }
    }

    func testCachedLogitsEqualUncached() {
        for variant in [0, 1] {
            let model = TransformerLM(tiny(variant), rngs: Rngs(variant + 10))
            let seq = tokens(1, 11, vocab: 7, seed: 9)
            let full = model(seq)
            let cache = KVCache(layers: 2)
            var parts = [model(seq.sliced(axis: 1, 0, 4), cache: cache)]
            for t in 4..<11 { parts.append(model(seq.sliced(axis: 1, t, t + 1), cache: cache)) }
            XCTAssertEqual(cache.length, 11)
            XCTAssertEqual(cache.keys[1]!.shape, [1, 2, 11, 4])
            assertClose(Tensor.concatenate(parts, axis: 1), full, rtol: 1e-5, atol: 1e-5, checkDType: false, "variant \(variant)")
        }
    }

    func testGenerateGreedyMatchesUncachedArgmaxAndIsSeeded() throws {
        let model = TransformerLM(tiny(1), rngs: Rngs(4))
        let prompt = [1, 2, 3]
        let greedy = try model.generate(prompt: prompt, maxTokens: 4, temperature: 0, key: PRNGKey(seed: 0))
        var seq = prompt
        for _ in 0..<4 {
            let logits = model(Tensor(seq.map { Int32($0) }, shape: [1, seq.count]))
            seq.append(Int(logits.sliced(axis: 1, seq.count - 1).reshaped([7]).argmax().item(as: Int32.self)))
        }
        XCTAssertEqual(greedy, Array(seq.dropFirst(3)))
        let a = try model.generate(prompt: prompt, maxTokens: 8, temperature: 1.2, topK: 4, topP: 0.9, key: PRNGKey(seed: 1))
        let b = try model.generate(prompt: prompt, maxTokens: 8, temperature: 1.2, topK: 4, topP: 0.9, key: PRNGKey(seed: 1))
        XCTAssertEqual(a, b)
        XCTAssertTrue(a.allSatisfy { (0..<7).contains($0) })
        XCTAssertTrue(model.isTraining, "generate restores training mode")
    }

    func testGenerateRejectsBadRequests() {
        let model = TransformerLM(tiny(0), rngs: Rngs(0))
        let key = PRNGKey(seed: 0)
        XCTAssertThrowsError(try model.generate(prompt: [], maxTokens: 1, key: key))
        XCTAssertThrowsError(try model.generate(prompt: [7], maxTokens: 1, key: key)) { e in
            XCTAssertTrue("\(e)".contains("outside the vocabulary 0..<7"), "\(e)")
        }
        XCTAssertThrowsError(try model.generate(prompt: [1, 2], maxTokens: 11, key: key)) { e in
            XCTAssertTrue("\(e)".contains("maxLength 12"), "\(e)")
        }
        XCTAssertThrowsError(try model.generate(prompt: [1], maxTokens: 1, topP: 0, key: key))
        XCTAssertThrowsError(try model.generate(prompt: [1], maxTokens: 1, topK: 0, key: key))
    }

    func testSamplingFilters() {
        let logits = [0.1, 2.0, 1.9, -1.0]
        for s in 0..<20 {
            let key = PRNGKey(seed: s)
            XCTAssertEqual(sampleToken(logits, temperature: 1, topK: 1, topP: nil, key: key), 1)
            XCTAssertEqual(sampleToken(logits, temperature: 1, topK: nil, topP: 0.01, key: key), 1)
            XCTAssertTrue([1, 2].contains(sampleToken(logits, temperature: 5, topK: 2, topP: nil, key: key)))
        }
        // Top-p 0.6 over probabilities ≈ [.10, .47, .42, .02] keeps the two likeliest.
        let kept = Set((0..<200).map { sampleToken(logits, temperature: 1, topK: nil, topP: 0.6, key: PRNGKey(seed: $0)) })
        XCTAssertEqual(kept, [1, 2])
    }

    func testDropoutOnlyInTraining() {
        var c = tiny(0); c.dropout = 0.5
        let model = TransformerLM(c, rngs: Rngs(params: 0, dropout: 1))
        let x = tokens(1, 5, vocab: 7)
        XCTAssertNotEqual(model(x).scalars(as: Float.self), model(x).scalars(as: Float.self))
        model.eval()
        XCTAssertEqual(model(x).scalars(as: Float.self), model(x).scalars(as: Float.self))
    }

    /// The transformer's GELU (fused into `fc1`: one backward pass) against the `gelu` primitive's own
    /// rule, in both float dtypes, and its second derivative (the traced fallback) against the primitive's.
    func testFusedGeluBackwardMatchesThePrimitiveRule() throws {
        let x = Tensor.normal(PRNGKey(seed: 1), shape: [3, 50], stddev: 3)
        func geluTanh(_ t: Tensor) -> Tensor {
            t.linear(weight: Tensor.eye(50, dtype: t.dtype), bias: Tensor.zeros([50], dtype: t.dtype), activation: .geluTanh)
        }
        for dtype in [DType.float32, .float64] {
            let xd = x.cast(to: dtype)
            let fused = try grad { t in geluTanh(t).square().sum() }(xd)
            let reference = try grad { t in t.gelu().square().sum() }(xd)
            assertClose(fused, reference, rtol: dtype == .float32 ? 1e-5 : 1e-12, atol: dtype == .float32 ? 1e-5 : 1e-12, checkDType: false, "\(dtype)")
        }
        let x64 = x.cast(to: .float64)
        let second = try grad { t in try grad { u in geluTanh(u).sum() }(t).sum() }(x64)
        let secondReference = try grad { t in try grad { u in u.gelu().sum() }(t).sum() }(x64)
        assertClose(second, secondReference, rtol: 1e-12, atol: 1e-12, checkDType: false)
    }

    func testTrainingLearnsARepeatingSequence() throws {
        let model = TransformerLM(tiny(0), rngs: Rngs(0))
        let optimizer = Optimizer(model, adamw(learningRate: 1e-2))
        let pattern: [Int32] = [0, 1, 2, 3, 4, 5, 6, 0, 1, 2, 3, 4, 5]
        let x = Tensor(Array(pattern.prefix(12)), shape: [1, 12]), y = Tensor(Array(pattern.dropFirst()), shape: [1, 12])
        var first = 0.0, last = 0.0
        for step in 0..<60 {
            let (loss, grads) = try valueAndGrad(of: model) { m in try m.loss(inputs: x, targets: y) }
            try optimizer.update(grads)
            if step == 0 { first = loss.item(as: Double.self) }
            last = loss.item(as: Double.self)
        }
        XCTAssertLessThan(last, 0.2 * first, "loss \(first) → \(last)")
    }
}
