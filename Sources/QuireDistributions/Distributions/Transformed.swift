import QuireTensor

/// The distribution of `bijector.forward(x)` for x drawn from `base` (distrax `Transformed`).
///
/// log p_Y(y) = log p_X(x) − log |dy/dx|, with x = inverse(y) and the log-determinant summed over the
/// base's event axes. Sampling is reparameterized when the base's is. `sampleAndLogProb` uses the drawn x
/// directly, so it stays exact where `inverse` is ill-conditioned (tanh near ±1). Entropy and moments have
/// no general closed form and throw.
///
/// ```swift
/// let policy = Transformed(try Normal(loc: mu, scale: sigma), Tanh())    // actions in (−1, 1)
/// let (action, logp) = policy.sampleAndLogProb(key: key)
/// ```
public struct Transformed<Base: Distribution>: Distribution {
    public let base: Base
    public let bijector: any Bijector

    public init(_ base: Base, _ bijector: any Bijector) { (self.base, self.bijector) = (base, bijector) }

    public var batchShape: [Int] { base.batchShape }
    public var eventShape: [Int] { base.eventShape }
    public var dtype: DType { base.dtype }
    public var isReparameterized: Bool { base.isReparameterized }

    public func sample(key: PRNGKey, shape: [Int]) -> Tensor { bijector.forward(base.sample(key: key, shape: shape)) }

    public func logProb(_ value: Tensor) -> Tensor {
        let y = value.cast(to: dtype)
        let x = bijector.inverse(y)
        return base.logProb(x) + sumEvent(bijector.inverseLogDetJacobian(y))
    }

    public func sampleAndLogProb(key: PRNGKey, shape: [Int]) -> (sample: Tensor, logProb: Tensor) {
        let x = base.sample(key: key, shape: shape)
        let (y, logDet) = bijector.forwardAndLogDet(x)
        return (y, base.logProb(x) - sumEvent(logDet))
    }

    /// Sums the event axes (the trailing `eventShape.count` axes) of an elementwise log-determinant.
    private func sumEvent(_ logDet: Tensor) -> Tensor {
        let n = eventShape.count
        guard n > 0 else { return logDet }
        return logDet.sum(axes: Array((logDet.rank - n)..<logDet.rank))
    }

    public func entropy() throws -> Tensor { throw DistributionError.undefined("Transformed", "entropy") }
    public var mean: Tensor { get throws { throw DistributionError.undefined("Transformed", "mean") } }
    public var mode: Tensor { get throws { throw DistributionError.undefined("Transformed", "mode") } }
    public var variance: Tensor { get throws { throw DistributionError.undefined("Transformed", "variance") } }
}
