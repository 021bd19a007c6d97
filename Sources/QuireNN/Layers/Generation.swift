import Foundation
import QuireTensor

extension TransformerLM {
    /// Samples `maxTokens` tokens after `prompt` with a ``KVCache``: the prompt runs once, then each
    /// new token is one single-position step. Returns the new tokens only.
    ///
    /// Each step divides the last logits by `temperature` (0: greedy argmax), keeps the `topK` most
    /// likely tokens and the smallest set whose probability reaches `topP` (nucleus sampling), and
    /// draws from what is left with `key.fold(in: step)`, so the same key gives the same text.
    ///
    /// ```swift
    /// let ids = try model.generate(prompt: tokenizer.encode("Q: "), maxTokens: 200, temperature: 0.8,
    ///                              topK: 20, key: PRNGKey(seed: 1))
    /// print(tokenizer.decode(ids))
    /// ```
    public func generate(prompt: [Int], maxTokens: Int, temperature: Double = 1, topK: Int? = nil,
                         topP: Double? = nil, key: PRNGKey) throws -> [Int] {
        let vocab = config.vocabularySize
        guard !prompt.isEmpty else { throw TransformerError("generate: the prompt is empty; give at least one token") }
        if let bad = prompt.first(where: { $0 < 0 || $0 >= vocab }) {
            throw TransformerError("generate: prompt token \(bad) is outside the vocabulary 0..<\(vocab)")
        }
        guard maxTokens >= 0, temperature >= 0 else {
            throw TransformerError("generate: maxTokens (\(maxTokens)) and temperature (\(temperature)) must be ≥ 0")
        }
        if let topK, topK < 1 { throw TransformerError("generate: topK must be ≥ 1, got \(topK)") }
        if let topP, !(topP > 0 && topP <= 1) { throw TransformerError("generate: topP must be in (0, 1], got \(topP)") }
        if config.positions == .learned && prompt.count + maxTokens > config.maxLength {
            throw TransformerError("generate: prompt (\(prompt.count)) + maxTokens (\(maxTokens)) exceeds the model's "
                                   + "maxLength \(config.maxLength) of learned positions")
        }
        let wasTraining = isTraining
        eval()
        defer { if wasTraining { train() } }
        let cache = KVCache(layers: blocks.count)
        var input = Tensor(prompt.map { Int32($0) }, shape: [1, prompt.count])
        var out: [Int] = []
        for step in 0..<maxTokens {
            let logits = self(input, cache: cache)
            let last = logits.sliced(axis: 1, logits.shape[1] - 1).reshaped([vocab]).cast(to: .float64).scalars(as: Double.self)
            let next = sampleToken(last, temperature: temperature, topK: topK, topP: topP, key: key.fold(in: step))
            out.append(next)
            input = Tensor([Int32(next)], shape: [1, 1])
        }
        return out
    }
}

/// One token from `logits` with temperature, top-k and top-p filtering (see `generate`).
func sampleToken(_ logits: [Double], temperature: Double, topK: Int?, topP: Double?, key: PRNGKey) -> Int {
    let order = logits.indices.sorted { logits[$0] > logits[$1] }
    if temperature == 0 { return order[0] }
    var keep = order.count
    if let topK { keep = min(keep, topK) }
    let scaled = logits.map { $0 / temperature }
    if let topP {
        let top = scaled[order[0]]
        let weights = order.prefix(keep).map { Foundation.exp(scaled[$0] - top) }
        let total = weights.reduce(0, +)
        var mass = 0.0, n = 0
        while n < keep { mass += weights[n] / total; n += 1; if mass >= topP { break } }
        keep = n
    }
    var masked = [Double](repeating: -Double.infinity, count: logits.count)
    for i in order.prefix(keep) { masked[i] = scaled[i] }
    let drawn = Tensor.categorical(key, logits: Tensor(masked, shape: [logits.count]))
    return Int(drawn.item(as: Int32.self))
}
