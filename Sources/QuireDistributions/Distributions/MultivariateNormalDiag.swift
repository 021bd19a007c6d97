import QuireTensor

/// A multivariate normal with diagonal covariance over the last axis (distrax `MultivariateNormalDiag`):
/// event shape `[d]`, batch shape the leading axes of `loc` and `scaleDiag` broadcast together.
///
/// Samples are `loc + scaleDiag · ε`: reparameterized. `logProb`, `entropy` and `klDivergence(to:)` sum
/// over the event axis.
///
/// ```swift
/// let q = try MultivariateNormalDiag(loc: mu, scaleDiag: (0.5 * logVar).exp())   // mu: [batch, 16]
/// let z = q.sample(key: key)                                                    // [batch, 16]
/// let kl = q.klDivergence(to: try MultivariateNormalDiag(loc: mu * 0, scaleDiag: mu * 0 + 1))   // [batch]
/// ```
public struct MultivariateNormalDiag: Distribution {
    public let loc: Tensor
    public let scaleDiag: Tensor
    public let dtype: DType

    /// `loc` and `scaleDiag` of shape `[batch…, d]` (broadcasting), sharing a float dtype.
    public init(loc: Tensor, scaleDiag: Tensor) throws {
        try Parameters.requireVector("MultivariateNormalDiag", "loc", loc)
        try Parameters.requireVector("MultivariateNormalDiag", "scaleDiag", scaleDiag)
        let (dtype, _, p) = try Parameters.broadcast("MultivariateNormalDiag", [("loc", loc), ("scaleDiag", scaleDiag)])
        (self.loc, self.scaleDiag, self.dtype) = (p[0], p[1], dtype)
    }

    public var batchShape: [Int] { Array(loc.shape.dropLast()) }
    public var eventShape: [Int] { [loc.shape.last!] }
    public var isReparameterized: Bool { true }

    /// The elementwise normals this distribution is the product of.
    public var marginals: Normal { Normal(uncheckedLoc: loc, scale: scaleDiag, dtype: dtype) }

    public func sample(key: PRNGKey, shape: [Int]) -> Tensor { marginals.sample(key: key, shape: shape) }
    public func logProb(_ value: Tensor) -> Tensor { marginals.logProb(value).sum(axis: -1) }
    public func entropy() -> Tensor { marginals.entropy().sum(axis: -1) }
    public var mean: Tensor { loc }
    public var mode: Tensor { loc }
    public var variance: Tensor { scaleDiag.square() }

    /// The covariance matrices, `[batch…, d, d]` with `scaleDiag²` on the diagonal.
    public var covariance: Tensor {
        let d = eventShape[0]
        return variance.expandingDims(at: variance.rank) * Tensor.eye(d, dtype: dtype)
    }

    /// KL(self ‖ other): the sum over the event axis of the elementwise normal KLs.
    public func klDivergence(to other: MultivariateNormalDiag) -> Tensor {
        marginals.klDivergence(to: other.marginals).sum(axis: -1)
    }
}

extension Normal {
    /// Parameters already checked and broadcast by the caller.
    init(uncheckedLoc loc: Tensor, scale: Tensor, dtype: DType) {
        (self.loc, self.scale, self.dtype) = (loc, scale, dtype)
    }
}
