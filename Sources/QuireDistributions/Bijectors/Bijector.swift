import QuireTensor

/// An invertible, differentiable elementwise map with a tractable log-determinant of its Jacobian
/// (distrax `Bijector` with `event_ndims_in = 0`). A ``Transformed`` distribution pushes samples through
/// `forward` and corrects log-probabilities with the log-determinant.
///
/// ```swift
/// let squash = Chain([Affine(shift: 1, scale: 2), Tanh()])   // x ↦ 2·tanh(x) + 1
/// let y = squash.forward(x)
/// let x2 = squash.inverse(y)
/// ```
public protocol Bijector: Sendable {
    func forward(_ x: Tensor) -> Tensor
    func inverse(_ y: Tensor) -> Tensor
    /// log |dy/dx| at `x`, elementwise.
    func forwardLogDetJacobian(_ x: Tensor) -> Tensor
    /// log |dx/dy| at `y`, elementwise (by default −forwardLogDetJacobian(inverse(y))).
    func inverseLogDetJacobian(_ y: Tensor) -> Tensor
}

extension Bijector {
    public func inverseLogDetJacobian(_ y: Tensor) -> Tensor { -forwardLogDetJacobian(inverse(y)) }

    /// `forward(x)` and its log-determinant in one call.
    public func forwardAndLogDet(_ x: Tensor) -> (y: Tensor, logDet: Tensor) { (forward(x), forwardLogDetJacobian(x)) }
}

/// y = scale · x + shift (distrax `ScalarAffine`); `scale` must not be 0.
///
/// ```swift
/// let standardize = Affine(shift: -mean / std, scale: 1 / std)
/// ```
public struct Affine: Bijector {
    public let shift: Tensor
    public let scale: Tensor

    public init(shift: Tensor, scale: Tensor) { (self.shift, self.scale) = (shift, scale) }
    public init(shift: Double, scale: Double, dtype: DType = .float32) {
        (self.shift, self.scale) = (Tensor(shift, dtype: dtype), Tensor(scale, dtype: dtype))
    }

    public func forward(_ x: Tensor) -> Tensor { scale * x + shift }
    public func inverse(_ y: Tensor) -> Tensor { (y - shift) / scale }
    public func forwardLogDetJacobian(_ x: Tensor) -> Tensor { scale.abs().log() + x * 0 }
    public func inverseLogDetJacobian(_ y: Tensor) -> Tensor { -scale.abs().log() + y * 0 }
}

/// y = scale · x.
public struct Scale: Bijector {
    public let scale: Tensor
    public init(_ scale: Tensor) { self.scale = scale }
    public init(_ scale: Double, dtype: DType = .float32) { self.scale = Tensor(scale, dtype: dtype) }

    public func forward(_ x: Tensor) -> Tensor { scale * x }
    public func inverse(_ y: Tensor) -> Tensor { y / scale }
    public func forwardLogDetJacobian(_ x: Tensor) -> Tensor { scale.abs().log() + x * 0 }
}

/// y = x + shift (log-determinant 0).
public struct Shift: Bijector {
    public let shift: Tensor
    public init(_ shift: Tensor) { self.shift = shift }
    public init(_ shift: Double, dtype: DType = .float32) { self.shift = Tensor(shift, dtype: dtype) }

    public func forward(_ x: Tensor) -> Tensor { x + shift }
    public func inverse(_ y: Tensor) -> Tensor { y - shift }
    public func forwardLogDetJacobian(_ x: Tensor) -> Tensor { x * 0 }
}

/// y = tanh(x), onto (−1, 1). The log-determinant is 2(log 2 − x − softplus(−2x)), stable for large |x|.
public struct Tanh: Bijector {
    public init() {}
    public func forward(_ x: Tensor) -> Tensor { x.tanh() }
    /// atanh(y) = ½(log(1 + y) − log(1 − y)).
    public func inverse(_ y: Tensor) -> Tensor { 0.5 * (y.log1p() - (-y).log1p()) }
    public func forwardLogDetJacobian(_ x: Tensor) -> Tensor {
        2 * (0.69314718055994530942 - x - (-2 * x).softplus())
    }
}

/// y = σ(x) = 1/(1 + e^{−x}), onto (0, 1). The log-determinant is −softplus(−x) − softplus(x).
public struct Sigmoid: Bijector {
    public init() {}
    public func forward(_ x: Tensor) -> Tensor { x.sigmoid() }
    /// logit(y) = log y − log(1 − y).
    public func inverse(_ y: Tensor) -> Tensor { y.log() - (-y).log1p() }
    public func forwardLogDetJacobian(_ x: Tensor) -> Tensor { -(-x).softplus() - x.softplus() }
}

/// The composition of bijectors, applied right to left as in distrax: `Chain([f, g]).forward(x) == f(g(x))`.
///
/// ```swift
/// let toInterval = Chain([Affine(shift: 2, scale: 3), Sigmoid()])   // (2, 5)
/// ```
public struct Chain: Bijector {
    public let bijectors: [any Bijector]
    public init(_ bijectors: [any Bijector]) { self.bijectors = bijectors }

    public func forward(_ x: Tensor) -> Tensor { bijectors.reversed().reduce(x) { $1.forward($0) } }
    public func inverse(_ y: Tensor) -> Tensor { bijectors.reduce(y) { $1.inverse($0) } }

    public func forwardLogDetJacobian(_ x: Tensor) -> Tensor {
        var value = x, total = x * 0
        for b in bijectors.reversed() {
            total = total + b.forwardLogDetJacobian(value)
            value = b.forward(value)
        }
        return total
    }

    public func inverseLogDetJacobian(_ y: Tensor) -> Tensor {
        var value = y, total = y * 0
        for b in bijectors {
            total = total + b.inverseLogDetJacobian(value)
            value = b.inverse(value)
        }
        return total
    }
}
