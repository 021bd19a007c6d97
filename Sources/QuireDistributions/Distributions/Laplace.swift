import QuireTensor

/// The Laplace distribution with density exp(−|x − loc| / scale) / (2·scale) (distrax `Laplace`).
///
/// Samples are `loc − scale · sign(u) · log(1 − |u|)` with u uniform in (−1, 1): reparameterized.
///
/// ```swift
/// let noise = Laplace(loc: 0, scale: 0.5).sample(key: key, shape: [100])
/// ```
public struct Laplace: Distribution {
    public let loc: Tensor
    public let scale: Tensor
    public let dtype: DType

    /// A batch of Laplace distributions; `loc` and `scale` broadcast together and share a float dtype.
    public init(loc: Tensor, scale: Tensor) throws {
        let (dtype, _, p) = try Parameters.broadcast("Laplace", [("loc", loc), ("scale", scale)])
        (self.loc, self.scale, self.dtype) = (p[0], p[1], dtype)
    }

    /// One Laplace distribution with scalar parameters.
    public init(loc: Double, scale: Double, dtype: DType = .float32) {
        (self.loc, self.scale, self.dtype) = (Tensor(loc, dtype: dtype), Tensor(scale, dtype: dtype), dtype)
    }

    public var batchShape: [Int] { loc.shape }
    public var eventShape: [Int] { [] }
    public var isReparameterized: Bool { true }

    public func sample(key: PRNGKey, shape: [Int]) -> Tensor {
        // The open interval (−1, 1): from the lowest value above −1 in the dtype, so log(1 − |u|) is finite.
        let u = Tensor.uniform(key, shape: shape + batchShape, low: -1 + dtype.spacingBelowOne, high: 1, dtype: dtype)
        return loc - scale * u.sign() * (-u.abs()).log1p()
    }

    public func logProb(_ value: Tensor) -> Tensor {
        -((value.cast(to: dtype) - loc).abs() / scale) - (2 * scale).log()
    }

    public func entropy() -> Tensor { 1 + (2 * scale).log() }
    public var mean: Tensor { loc }
    public var mode: Tensor { loc }
    public var variance: Tensor { 2 * scale.square() }

    /// KL(self ‖ other) = log(b₂/b₁) + |μ₁ − μ₂|/b₂ + (b₁/b₂)·exp(−|μ₁ − μ₂|/b₁) − 1.
    public func klDivergence(to other: Laplace) -> Tensor {
        let distance = (loc - other.loc).abs()
        let ratio = scale / other.scale
        return (1 / ratio).log() + distance / other.scale + ratio * (-(distance / scale)).exp() - 1
    }
}
