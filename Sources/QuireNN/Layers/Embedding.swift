import QuireTensor

/// A lookup table `[count, features]` indexed by integer ids. Flax default initializer: normal with
/// standard deviation `1/sqrt(features)` (`variance_scaling(1, "fan_in", "normal", out_axis=0)`).
///
/// ```swift
/// let embed = Embedding(1000, 64, rngs: Rngs(0))
/// embed(Tensor([3, 1, 4] as [Int32])).shape   // [3, 64]
/// embed.attend(h)                              // logits over the vocabulary: h · tableᵀ
/// ```
public final class Embedding: Module {
    public let weight: Param

    public init(_ count: Int, _ features: Int, dtype: DType = .float32, rngs: Rngs) {
        weight = Param(Tensor.normal(rngs.params(), shape: [count, features], stddev: 1 / Double(features).squareRoot(), dtype: dtype))
    }

    /// Rows of the table for integer `ids` of any shape; the result is `ids.shape + [features]`.
    public func callAsFunction(_ ids: Tensor) -> Tensor {
        weight.value.take(ids, axis: 0)
    }

    /// `query · tableᵀ`: scores of every entry (tied output embeddings).
    public func attend(_ query: Tensor) -> Tensor {
        query.matmul(weight.value.transposed())
    }
}
