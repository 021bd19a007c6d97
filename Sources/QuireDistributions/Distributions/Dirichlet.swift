import QuireTensor

/// The Dirichlet distribution over the probability simplex of the last axis (distrax `Dirichlet`):
/// event shape `[k]`, density Π x_i^{α_i − 1} / B(α).
///
/// Samples are `G / ΣG` for independent G_i ~ Gamma(α_i): reparameterized through the Gamma sampler's
/// implicit gradients.
///
/// ```swift
/// let d = try Dirichlet(concentration: Tensor([1.0, 2.0, 3.0]))
/// let p = d.sample(key: key, shape: [10])   // [10, 3], rows sum to 1
/// ```
public struct Dirichlet: Distribution {
    public let concentration: Tensor
    public let dtype: DType

    /// `concentration` of shape `[batch…, k]`, a float tensor of positive values.
    public init(concentration: Tensor) throws {
        try Parameters.requireVector("Dirichlet", "concentration", concentration)
        self.dtype = try Parameters.dtype("Dirichlet", [("concentration", concentration)])
        self.concentration = concentration
    }

    public var batchShape: [Int] { Array(concentration.shape.dropLast()) }
    public var eventShape: [Int] { [concentration.shape.last!] }
    public var isReparameterized: Bool { true }

    private var total: Tensor { concentration.sum(axis: -1, keepDims: true) }

    public func sample(key: PRNGKey, shape: [Int]) -> Tensor {
        let g = GammaSampler.sample(key: key, concentration: concentration.broadcast(to: shape + batchShape + eventShape))
        return g / g.sum(axis: -1, keepDims: true)
    }

    /// log B(α) = Σ log Γ(α_i) − log Γ(Σα_i), per distribution.
    private var logNormalizer: Tensor {
        Special.logGamma(concentration).sum(axis: -1) - Special.logGamma(total).squeezed(axes: [total.rank - 1])
    }

    public func logProb(_ value: Tensor) -> Tensor {
        ((concentration - 1) * value.cast(to: dtype).log()).sum(axis: -1) - logNormalizer
    }

    /// log B(α) + (α₀ − k)ψ(α₀) − Σ(α_i − 1)ψ(α_i).
    public func entropy() -> Tensor {
        let a0 = total.squeezed(axes: [total.rank - 1])
        let k = Double(eventShape[0])
        let perClass = ((concentration - 1) * Special.digamma(concentration)).sum(axis: -1)
        return logNormalizer + (a0 - k) * Special.digamma(a0) - perClass
    }

    public var mean: Tensor { concentration / total }
    public var variance: Tensor {
        let a0 = total
        return concentration * (a0 - concentration) / (a0.square() * (a0 + 1))
    }
    /// (α_i − 1)/(α₀ − k) when every α_i > 1; NaN otherwise.
    public var mode: Tensor {
        let k = Double(eventShape[0])
        let m = (concentration - 1) / (total - k)
        let defined = (concentration .> 1).all(axes: [concentration.rank - 1], keepDims: true)
        return Tensor.where(defined, m, m.filled(.nan, shape: [1]))
    }

    /// KL(self ‖ other) = log Γ(α₀) − Σ log Γ(α_i) − log Γ(β₀) + Σ log Γ(β_i) + Σ(α_i − β_i)(ψ(α_i) − ψ(α₀)).
    public func klDivergence(to other: Dirichlet) -> Tensor {
        let a = concentration, b = other.concentration
        let digammas = Special.digamma(a) - Special.digamma(total)
        return other.logNormalizer - logNormalizer + ((a - b) * digammas).sum(axis: -1)
    }
}
