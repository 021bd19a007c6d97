import QuireTensor

/// The shape of a decoder-only ``TransformerLM``: sizes, which norm, which MLP, which positions.
///
/// The defaults are the small character model of the `transformer` benchmark (GPT-style: pre-LayerNorm,
/// GELU MLP, learned positions, untied head).
///
/// ```swift
/// var config = TransformerConfig(vocabularySize: 96, maxLength: 128)
/// config.norm = .rmsNorm; config.mlp = .swiglu; config.positions = .rotary; config.tiedEmbeddings = true
/// let model = TransformerLM(config, rngs: Rngs(0))
/// ```
public struct TransformerConfig: Codable, Sendable, Equatable {
    public enum Norm: String, Codable, Sendable { case layerNorm, rmsNorm }
    public enum MLPKind: String, Codable, Sendable { case gelu, swiglu }
    public enum Positions: String, Codable, Sendable { case learned, rotary }

    public var vocabularySize: Int
    /// The longest sequence the model sees (learned position table size, KV cache capacity).
    public var maxLength: Int
    public var features: Int = 128
    public var heads: Int = 4
    public var layers: Int = 2
    public var mlpFeatures: Int = 512
    public var norm: Norm = .layerNorm
    public var mlp: MLPKind = .gelu
    public var positions: Positions = .learned
    /// Dropout after the attention and MLP branches and on the embeddings (training mode only).
    public var dropout: Double = 0
    /// Whether the output projection reuses the token embedding table (`logits = h · tableᵀ`).
    public var tiedEmbeddings: Bool = false
    /// Norm epsilon (Flax's default).
    public var epsilon: Double = 1e-6
    /// Parameter dtype (float32 trains on the flash-attention kernel; float64 is for gradient checks).
    public var dtype: DType = .float32

    public init(vocabularySize: Int, maxLength: Int, features: Int = 128, heads: Int = 4, layers: Int = 2,
                mlpFeatures: Int = 512) {
        self.vocabularySize = vocabularySize
        self.maxLength = maxLength
        self.features = features
        self.heads = heads
        self.layers = layers
        self.mlpFeatures = mlpFeatures
    }

    /// Features per attention head.
    public var headFeatures: Int { features / heads }
}
