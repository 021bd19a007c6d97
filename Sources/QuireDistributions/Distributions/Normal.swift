import QuireTensor

/// The normal distribution N(loc, scale²), elementwise over a batch (distrax `Normal`).
///
/// Samples are `loc + scale · ε` with ε standard normal, so they are reparameterized.
///
/// ```swift
/// let q = try Normal(loc: mu, scale: logSigma.exp())
/// let z = q.sample(key: key)                    // gradients reach mu and logSigma
/// let kl = q.klDivergence(to: Normal(loc: 0, scale: 1, dtype: .float32)).sum()
/// ```
public struct Normal: Distribution {
    public let loc: Tensor
    public let scale: Tensor
    public let dtype: DType

    /// A batch of normals; `loc` and `scale` broadcast together and share a float dtype.
    public init(loc: Tensor, scale: Tensor) throws {
        let (dtype, _, p) = try Parameters.broadcast("Normal", [("loc", loc), ("scale", scale)])
        (self.loc, self.scale, self.dtype) = (p[0], p[1], dtype)
    }

    /// One normal with scalar parameters.
    ///
    /// ```swift
    /// let prior = Normal(loc: 0, scale: 1, dtype: .float64)
    /// ```
    public init(loc: Double, scale: Double, dtype: DType = .float32) {
        (self.loc, self.scale, self.dtype) = (Tensor(loc, dtype: dtype), Tensor(scale, dtype: dtype), dtype)
    }

    public var batchShape: [Int] { loc.shape }
    public var eventShape: [Int] { [] }
    public var isReparameterized: Bool { true }

    public func sample(key: PRNGKey, shape: [Int]) -> Tensor {
        let eps = Tensor.normal(key, shape: shape + batchShape, dtype: dtype)
        return loc + scale * eps
    }

    public func logProb(_ value: Tensor) -> Tensor {
        let z = (value.cast(to: dtype) - loc) / scale
        return -0.5 * z.square() - scale.log() - 0.5 * Special.log2Pi
    }

    public func entropy() -> Tensor { scale.log() + 0.5 * (1 + Special.log2Pi) }
    public var mean: Tensor { loc }
    public var mode: Tensor { loc }
    public var variance: Tensor { scale.square() }

    /// The cumulative distribution function Φ((x − loc)/scale), computed in float64 on the host
    /// (no gradient).
    public func cdf(_ value: Tensor) -> Tensor {
        let z = ((value.cast(to: dtype) - loc) / scale).stopGradient()
        return z.mappedInFloat64 { 0.5 * erfc(-$0 / 2.0.squareRoot()) }
    }

    /// KL(self ‖ other) = log(σ₂/σ₁) + (σ₁² + (μ₁ − μ₂)²) / (2σ₂²) − ½.
    public func klDivergence(to other: Normal) -> Tensor {
        let ratio = (scale / other.scale).square()
        let diff = ((loc - other.loc) / other.scale).square()
        return 0.5 * (ratio + diff - 1) - 0.5 * ratio.log()
    }
}

import Foundation
