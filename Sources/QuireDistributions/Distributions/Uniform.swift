import QuireTensor

/// The continuous uniform distribution on [low, high) (distrax `Uniform`).
///
/// Samples are `low + (high − low) · u`, so they are reparameterized. Every point of the support is a
/// mode, so `mode` throws.
///
/// ```swift
/// let u = try Uniform(low: Tensor(-1.0), high: Tensor(1.0))
/// u.logProb(Tensor(0.5))   // log(1/2)
/// ```
public struct Uniform: Distribution {
    public let low: Tensor
    public let high: Tensor
    public let dtype: DType

    /// A batch of uniforms; `low` and `high` broadcast together and share a float dtype.
    public init(low: Tensor, high: Tensor) throws {
        let (dtype, _, p) = try Parameters.broadcast("Uniform", [("low", low), ("high", high)])
        (self.low, self.high, self.dtype) = (p[0], p[1], dtype)
    }

    /// One uniform on [low, high).
    public init(low: Double = 0, high: Double = 1, dtype: DType = .float32) {
        (self.low, self.high, self.dtype) = (Tensor(low, dtype: dtype), Tensor(high, dtype: dtype), dtype)
    }

    public var batchShape: [Int] { low.shape }
    public var eventShape: [Int] { [] }
    public var isReparameterized: Bool { true }

    public func sample(key: PRNGKey, shape: [Int]) -> Tensor {
        let u = Tensor.uniform(key, shape: shape + batchShape, dtype: dtype)
        return low + (high - low) * u
    }

    /// −log(high − low) inside [low, high], −∞ outside.
    public func logProb(_ value: Tensor) -> Tensor {
        let x = value.cast(to: dtype)
        let inside = (x .>= low) .&& (x .<= high)
        let density = -(high - low).log() + x * 0   // broadcast to the value's shape
        return Tensor.where(inside, density, density.filled(-.infinity))
    }

    public func entropy() -> Tensor { (high - low).log() }
    public var mean: Tensor { (low + high) / 2 }
    public var mode: Tensor { get throws { throw DistributionError.undefined("Uniform", "mode (every point of the support is one)") } }
    public var variance: Tensor { (high - low).square() / 12 }

    /// KL(self ‖ other) = log((h₂ − l₂)/(h₁ − l₁)) when [l₁, h₁] ⊆ [l₂, h₂], +∞ otherwise.
    public func klDivergence(to other: Uniform) -> Tensor {
        let value = ((other.high - other.low) / (high - low)).log()
        let covered = (other.low .<= low) .&& (high .<= other.high)
        return Tensor.where(covered, value, value.filled(.infinity))
    }
}
