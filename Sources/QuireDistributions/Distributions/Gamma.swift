import QuireTensor

/// The Gamma distribution with shape `concentration` α and inverse scale `rate` β, density
/// β^α x^{α−1} e^{−βx} / Γ(α) (distrax `Gamma`).
///
/// Samples come from Marsaglia and Tsang's method and are reparameterized: the gradient with respect to
/// α is the implicit one, −(∂F/∂α)/p at the sample (F the CDF), and the rate enters as `z / β`.
///
/// ```swift
/// let g = try Gamma(concentration: Tensor([2.0, 0.5]), rate: Tensor([1.0, 3.0]))
/// let x = g.sample(key: key, shape: [1000])   // [1000, 2]
/// ```
public struct Gamma: Distribution {
    public let concentration: Tensor
    public let rate: Tensor
    public let dtype: DType

    /// A batch of Gammas; `concentration` and `rate` broadcast together and share a float dtype.
    public init(concentration: Tensor, rate: Tensor) throws {
        let (dtype, _, p) = try Parameters.broadcast("Gamma", [("concentration", concentration), ("rate", rate)])
        (self.concentration, self.rate, self.dtype) = (p[0], p[1], dtype)
    }

    /// One Gamma with scalar parameters.
    public init(concentration: Double, rate: Double, dtype: DType = .float32) {
        self.concentration = Tensor(concentration, dtype: dtype)
        (self.rate, self.dtype) = (Tensor(rate, dtype: dtype), dtype)
    }

    public var batchShape: [Int] { concentration.shape }
    public var eventShape: [Int] { [] }
    public var isReparameterized: Bool { true }

    public func sample(key: PRNGKey, shape: [Int]) -> Tensor {
        let alpha = concentration.broadcast(to: shape + batchShape)
        return GammaSampler.sample(key: key, concentration: alpha) / rate
    }

    public func logProb(_ value: Tensor) -> Tensor {
        let x = value.cast(to: dtype)
        let a = concentration
        return a * rate.log() + (a - 1) * x.log() - rate * x - Special.logGamma(a)
    }

    /// α − log β + log Γ(α) + (1 − α) ψ(α).
    public func entropy() -> Tensor {
        let a = concentration
        return a - rate.log() + Special.logGamma(a) + (1 - a) * Special.digamma(a)
    }

    public var mean: Tensor { concentration / rate }
    public var variance: Tensor { concentration / rate.square() }
    /// (α − 1)/β for α ≥ 1; NaN below (the density is unbounded at 0).
    public var mode: Tensor {
        let m = (concentration - 1) / rate
        return Tensor.where(concentration .>= 1, m, m.filled(.nan, shape: [1]))
    }

    /// KL(self ‖ other) = (α₁ − α₂)ψ(α₁) − log Γ(α₁) + log Γ(α₂) + α₂(log β₁ − log β₂) + α₁(β₂ − β₁)/β₁.
    public func klDivergence(to other: Gamma) -> Tensor {
        let (a1, b1, a2, b2) = (concentration, rate, other.concentration, other.rate)
        let digammaTerm = (a1 - a2) * Special.digamma(a1)
        let logGammas = Special.logGamma(a2) - Special.logGamma(a1)
        return digammaTerm + logGammas + a2 * (b1.log() - b2.log()) + a1 * (b2 - b1) / b1
    }
}
