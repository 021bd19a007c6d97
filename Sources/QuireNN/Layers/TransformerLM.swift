import QuireOptim
import QuireTensor

/// A decoder-only transformer language model: token embedding (plus learned positions, or rotary
/// positions inside attention), ``TransformerBlock``s, a final norm, and an output projection to the
/// vocabulary (its own `head`, or the token table transposed when `tiedEmbeddings`).
///
/// Parameter paths read like the Flax peer's: `tok.weight`, `pos.weight`, `blocks.0.attn.query.weight`,
/// `lnF.scale`, `head.weight`.
///
/// ```swift
/// let config = TransformerConfig(vocabularySize: 96, maxLength: 128)
/// let model = TransformerLM(config, rngs: Rngs(0))
/// let logits = model(tokens)                              // tokens: int32 [batch, length] → [batch, length, 96]
/// let loss = model.loss(inputs: x, targets: y)            // mean next-token cross-entropy (nats)
/// ```
public final class TransformerLM: Module {
    public let config: TransformerConfig
    public let tok: Embedding
    /// Learned positions (nil with rotary positions).
    public let pos: Embedding?
    public let blocks: [TransformerBlock]
    public let lnF: any UnaryLayer
    /// The output projection (nil when tied to `tok`).
    public let head: Linear?
    let drop: Dropout?

    public init(_ config: TransformerConfig, rngs: Rngs) {
        precondition(config.features % config.heads == 0,
                     "TransformerLM: \(config.features) features do not split into \(config.heads) heads")
        self.config = config
        tok = Embedding(config.vocabularySize, config.features, dtype: config.dtype, rngs: rngs)
        pos = config.positions == .learned ? Embedding(config.maxLength, config.features, dtype: config.dtype, rngs: rngs) : nil
        blocks = (0..<config.layers).map { _ in TransformerBlock(config, rngs: rngs) }
        lnF = makeNorm(config)
        head = config.tiedEmbeddings ? nil : Linear(config.features, config.vocabularySize, dtype: config.dtype, rngs: rngs)
        drop = config.dropout > 0 ? Dropout(config.dropout, rngs: rngs) : nil
    }

    /// Logits `[batch, length, vocabularySize]` for int32 `tokens` `[batch, length]`. With `cache`, the
    /// tokens continue the cached sequence (positions start at `cache.length`) and are appended to it.
    public func callAsFunction(_ tokens: Tensor, cache: KVCache? = nil) -> Tensor {
        let offset = cache?.length ?? 0
        let length = tokens.shape[tokens.rank - 1]
        precondition(tokens.rank == 2, "TransformerLM: tokens must be [batch, length], got \(tokens.shape)")
        precondition(pos == nil || offset + length <= config.maxLength,
                     "TransformerLM: positions up to \(offset + length) exceed maxLength \(config.maxLength)")
        var x = tok(tokens)
        if let pos {
            let ids = Tensor((offset..<(offset + length)).map { Int32($0) }, shape: [length])
            x = x + pos(ids)
        }
        if let drop { x = drop(x) }
        for (i, block) in blocks.enumerated() { x = block(x, cache: cache, layer: i) }
        cache?.advance(by: length)
        let (b, d) = (x.shape[0], x.shape[2])
        let h = lnF(x.reshaped([b * length, d]))
        return (head.map { $0(h) } ?? tok.attend(h)).reshaped([b, length, config.vocabularySize])
    }

    /// Mean next-token cross-entropy (nats per token) of `targets` given `inputs` (both int32
    /// `[batch, length]`), through the fused softmax-cross-entropy op (one pass per row each way).
    /// Throws when `targets` does not match the inputs' shape or holds a token outside the vocabulary.
    public func loss(inputs: Tensor, targets: Tensor) throws -> Tensor {
        try Tensor.meanSoftmaxCrossEntropy(logits: self(inputs), labels: targets)
    }
}

/// A model or generation request that cannot run as asked (what was given and what was expected).
public struct TransformerError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
