import QuireTensor

/// A layer that maps one tensor to one tensor; what ``Sequential`` chains.
public protocol UnaryLayer: Module {
    func callAsFunction(_ x: Tensor) -> Tensor
}

/// `y = x · weight + bias` over the last axis, with the kernel stored `[in, out]` as in Flax.
///
/// Initializers (Flax's defaults): LeCun normal kernel, zero bias.
///
/// ```swift
/// let fc = Linear(784, 128, rngs: Rngs(0))
/// fc(Tensor.zeros([32, 784])).shape   // [32, 128]
/// ```
public final class Linear: Module, UnaryLayer {
    /// `[inFeatures, outFeatures]`.
    public let weight: Param
    /// `[outFeatures]`, or nil with `useBias: false`.
    public let bias: Param?

    public init(_ inFeatures: Int, _ outFeatures: Int, useBias: Bool = true, dtype: DType = .float32,
                kernelInit: (PRNGKey, [Int], DType) -> Tensor = Initializer.lecunNormal, rngs: Rngs) {
        weight = Param(kernelInit(rngs.params(), [inFeatures, outFeatures], dtype))
        bias = useBias ? Param(Tensor.zeros([outFeatures], dtype: dtype)) : nil
    }

    public var inFeatures: Int { weight.shape[0] }
    public var outFeatures: Int { weight.shape[1] }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        callAsFunction(x, activation: .identity)
    }

    /// `activation(x · weight + bias)`, plus `residual` when given (a residual connection; then no
    /// activation). With a bias this is one fused op over the rows of `x`
    /// (``Tensor/linear(weight:bias:activation:adding:)``: bias and residual written into the GEMM's
    /// output, one backward pass for the activation's and the bias's cotangents).
    ///
    /// ```swift
    /// let h = fc1(x, activation: .geluTanh)   // gelu(x · W + b), tanh form
    /// let y = fc2(h, adding: x)               // x + h · W + b
    /// ```
    public func callAsFunction(_ x: Tensor, activation: LinearActivation = .identity, adding residual: Tensor? = nil) -> Tensor {
        precondition(residual == nil || activation == .identity, "Linear: a residual is added only without an activation")
        guard let bias else {
            let y = x.matmul(weight.value)
            let z = activation == .geluTanh ? y.gelu() : y
            return residual.map { $0 + z } ?? z
        }
        guard x.rank >= 1, x.shape[x.rank - 1] == inFeatures else {
            preconditionFailure("Linear: input \(x.shape) does not end in \(inFeatures) features")
        }
        let outShape = Array(x.shape.dropLast()) + [outFeatures]
        if let residual, residual.shape != outShape {
            preconditionFailure("Linear: residual \(residual.shape) does not match the output \(outShape)")
        }
        let rows = x.reshaped([x.scalarCount / Swift.max(1, inFeatures), inFeatures])
        let y = rows.linear(weight: weight.value, bias: bias.value, activation: activation,
                            adding: residual?.reshaped([rows.shape[0], outFeatures]))
        return y.reshaped(outShape)
    }
}

/// An elementwise function as a layer, for ``Sequential``.
///
/// ```swift
/// Sequential { Linear(4, 8, rngs: rngs); Activation { $0.relu() }; Linear(8, 1, rngs: rngs) }
/// ```
public final class Activation: Module, UnaryLayer {
    private let body: @Sendable (Tensor) -> Tensor
    public init(_ body: @escaping @Sendable (Tensor) -> Tensor) { self.body = body }
    public func callAsFunction(_ x: Tensor) -> Tensor { body(x) }

    public static var relu: Activation { Activation { $0.relu() } }
    public static var gelu: Activation { Activation { $0.gelu() } }
    public static var silu: Activation { Activation { $0.silu() } }
    public static var tanh: Activation { Activation { $0.tanh() } }
    public static var sigmoid: Activation { Activation { $0.sigmoid() } }
}
