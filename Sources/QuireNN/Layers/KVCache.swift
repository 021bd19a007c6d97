import QuireTensor

/// The keys and values a ``TransformerLM`` has computed so far, one pair per block, so that decoding
/// one more token attends to the cached positions instead of running the whole prefix again: each new
/// token costs O(length) rather than O(length²).
///
/// ```swift
/// let cache = KVCache(layers: model.blocks.count)
/// var logits = model(prompt, cache: cache)          // fills the cache with the prompt
/// logits = model(Tensor([[next]] as [[Int32]]), cache: cache)   // one step: attends to the prompt too
/// cache.length                                       // prompt length + 1
/// ```
public final class KVCache {
    /// Per block: keys and values `[batch, heads, length, headFeatures]` (nil before the first call).
    public private(set) var keys: [Tensor?]
    public private(set) var values: [Tensor?]
    /// Number of positions cached (the position of the next token).
    public private(set) var length = 0

    public init(layers: Int) {
        keys = Array(repeating: nil, count: layers)
        values = Array(repeating: nil, count: layers)
    }

    /// Appends `k`, `v` (`[batch, heads, new, headFeatures]`) for `layer` and returns the full keys and
    /// values of that layer. The cache's ``length`` advances once all layers have appended
    /// (``advance(by:)``).
    func append(layer: Int, _ k: Tensor, _ v: Tensor) -> (keys: Tensor, values: Tensor) {
        let fullK = keys[layer].map { Tensor.concatenate([$0, k], axis: 2) } ?? k
        let fullV = values[layer].map { Tensor.concatenate([$0, v], axis: 2) } ?? v
        keys[layer] = fullK.stopGradient()
        values[layer] = fullV.stopGradient()
        return (fullK, fullV)
    }

    func advance(by n: Int) { length += n }

    /// Empties the cache (a new sequence).
    public func reset() {
        keys = Array(repeating: nil, count: keys.count)
        values = Array(repeating: nil, count: values.count)
        length = 0
    }
}
