import QuireTensor

/// The Beta distribution on [0, 1] with density x^{α−1}(1 − x)^{β−1} / B(α, β) (distrax `Beta`).
///
/// Samples are `G₁ / (G₁ + G₂)` for G₁ ~ Gamma(α), G₂ ~ Gamma(β): reparameterized through the Gamma
/// sampler's implicit gradients.
///
/// ```swift
/// let b = try Beta(alpha: Tensor(2.0), beta: Tensor(5.0))
/// b.mean   // 2/7
/// ```
public struct Beta: Distribution {
    public let alpha: Tensor
    public let beta: Tensor
    public let dtype: DType

    /// A batch of Betas; `alpha` and `beta` broadcast together and share a float dtype.
    public init(alpha: Tensor, beta: Tensor) throws {
        let (dtype, _, p) = try Parameters.broadcast("Beta", [("alpha", alpha), ("beta", beta)])
        (self.alpha, self.beta, self.dtype) = (p[0], p[1], dtype)
    }

    /// One Beta with scalar parameters.
    public init(alpha: Double, beta: Double, dtype: DType = .float32) {
        (self.alpha, self.beta, self.dtype) = (Tensor(alpha, dtype: dtype), Tensor(beta, dtype: dtype), dtype)
    }

    public var batchShape: [Int] { alpha.shape }
    public var eventShape: [Int] { [] }
    public var isReparameterized: Bool { true }

    public func sample(key: PRNGKey, shape: [Int]) -> Tensor {
        let (ka, kb) = key.splitPair()
        let full = shape + batchShape
        let ga = GammaSampler.sample(key: ka, concentration: alpha.broadcast(to: full))
        let gb = GammaSampler.sample(key: kb, concentration: beta.broadcast(to: full))
        return ga / (ga + gb)
    }

    public func logProb(_ value: Tensor) -> Tensor {
        let x = value.cast(to: dtype)
        return (alpha - 1) * x.log() + (beta - 1) * (-x).log1p() - Special.logBeta(alpha, beta)
    }

    /// log B(α, β) − (α − 1)ψ(α) − (β − 1)ψ(β) + (α + β − 2)ψ(α + β).
    public func entropy() -> Tensor {
        let total = alpha + beta
        let digammas = (alpha - 1) * Special.digamma(alpha) + (beta - 1) * Special.digamma(beta)
        return Special.logBeta(alpha, beta) - digammas + (total - 2) * Special.digamma(total)
    }

    public var mean: Tensor { alpha / (alpha + beta) }
    public var variance: Tensor {
        let total = alpha + beta
        return alpha * beta / (total.square() * (total + 1))
    }
    /// (α − 1)/(α + β − 2) when α > 1 and β > 1; NaN otherwise.
    public var mode: Tensor {
        let m = (alpha - 1) / (alpha + beta - 2)
        return Tensor.where((alpha .> 1) .&& (beta .> 1), m, m.filled(.nan, shape: [1]))
    }

    /// KL(self ‖ other) = log B(α₂, β₂) − log B(α₁, β₁) + (α₁ − α₂)ψ(α₁) + (β₁ − β₂)ψ(β₁)
    /// + (α₂ − α₁ + β₂ − β₁)ψ(α₁ + β₁).
    public func klDivergence(to other: Beta) -> Tensor {
        let (a1, b1, a2, b2) = (alpha, beta, other.alpha, other.beta)
        let logBetas = Special.logBeta(a2, b2) - Special.logBeta(a1, b1)
        let digammas = (a1 - a2) * Special.digamma(a1) + (b1 - b2) * Special.digamma(b1)
        return logBetas + digammas + (a2 - a1 + b2 - b1) * Special.digamma(a1 + b1)
    }
}
