import QuireTensor

/// Layer normalization over the last axis: `(x - mean) / sqrt(var + ε) * scale + bias`.
/// Flax defaults: ε = 1e-6, scale ones, bias zeros.
///
/// ```swift
/// let norm = LayerNorm(512)
/// norm(x)   // same shape as x, normalized over its last axis
/// ```
public final class LayerNorm: Module, UnaryLayer {
    public let scale: Param?
    public let bias: Param?
    public let epsilon: Double

    public init(_ features: Int, epsilon: Double = 1e-6, useScale: Bool = true, useBias: Bool = true, dtype: DType = .float32) {
        scale = useScale ? Param(Tensor.ones([features], dtype: dtype)) : nil
        bias = useBias ? Param(Tensor.zeros([features], dtype: dtype)) : nil
        self.epsilon = epsilon
    }

    /// With both scale and bias (the default), one fused pass per row forward and backward
    /// (`fusedLayerNorm`); the same values as the composed `layerNorm`.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        if let scale = scale?.value, let bias = bias?.value {
            return x.fusedLayerNorm(epsilon: epsilon, weight: scale, bias: bias)
        }
        return x.layerNorm(axis: -1, epsilon: epsilon, weight: scale?.value, bias: bias?.value)
    }
}

/// Root-mean-square normalization over the last axis: `x / sqrt(mean(x²) + ε) * scale` (Flax: ε = 1e-6).
///
/// ```swift
/// RMSNorm(512)(x)
/// ```
public final class RMSNorm: Module, UnaryLayer {
    public let scale: Param?
    public let epsilon: Double

    public init(_ features: Int, epsilon: Double = 1e-6, useScale: Bool = true, dtype: DType = .float32) {
        scale = useScale ? Param(Tensor.ones([features], dtype: dtype)) : nil
        self.epsilon = epsilon
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        x.rmsNorm(axis: -1, epsilon: epsilon, weight: scale?.value)
    }
}

/// Batch normalization over every axis but the last (features), with running statistics kept as
/// buffers `mean` and `var`.
///
/// In training mode it normalizes with the batch's mean and (biased) variance and updates
/// `running = momentum · running + (1 - momentum) · batch`; in eval mode it uses the running
/// statistics. Flax defaults: momentum 0.99, ε = 1e-5.
///
/// ```swift
/// let bn = BatchNorm(64)
/// bn(x)          // training: batch statistics, running stats updated
/// bn.eval(); bn(x)
/// ```
public final class BatchNorm: Module, UnaryLayer {
    public let scale: Param?
    public let bias: Param?
    /// Running mean (buffer).
    public let mean: Param
    /// Running variance (buffer).
    public let `var`: Param
    public let momentum: Double
    public let epsilon: Double

    public init(_ features: Int, momentum: Double = 0.99, epsilon: Double = 1e-5, useScale: Bool = true,
                useBias: Bool = true, dtype: DType = .float32) {
        scale = useScale ? Param(Tensor.ones([features], dtype: dtype)) : nil
        bias = useBias ? Param(Tensor.zeros([features], dtype: dtype)) : nil
        mean = .buffer(Tensor.zeros([features], dtype: dtype))
        `var` = .buffer(Tensor.ones([features], dtype: dtype))
        self.momentum = momentum
        self.epsilon = epsilon
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        let axes = Array(0..<(x.rank - 1))
        let mu: Tensor, sigma2: Tensor
        if isTraining {
            mu = x.mean(axes: axes)
            sigma2 = (x - mu).square().mean(axes: axes)
            mean.value = mean.value * momentum + mu.stopGradient() * (1 - momentum)
            `var`.value = `var`.value * momentum + sigma2.stopGradient() * (1 - momentum)
        } else {
            mu = mean.value
            sigma2 = `var`.value
        }
        var y = (x - mu) * (sigma2 + epsilon).rsqrt()
        if let scale { y = y * scale.value }
        if let bias { y = y + bias.value }
        return y
    }
}

/// Group normalization: channels (last axis) split into `groups`; each group normalized over it and
/// every spatial axis, per example. Flax defaults: 32 groups, ε = 1e-6.
///
/// ```swift
/// GroupNorm(64, groups: 8)(Tensor.zeros([2, 16, 16, 64])).shape   // [2, 16, 16, 64]
/// ```
public final class GroupNorm: Module, UnaryLayer {
    public let scale: Param?
    public let bias: Param?
    public let groups: Int
    public let epsilon: Double

    public init(_ features: Int, groups: Int = 32, epsilon: Double = 1e-6, useScale: Bool = true,
                useBias: Bool = true, dtype: DType = .float32) {
        precondition(features % groups == 0, "GroupNorm: \(features) features do not split into \(groups) groups")
        scale = useScale ? Param(Tensor.ones([features], dtype: dtype)) : nil
        bias = useBias ? Param(Tensor.zeros([features], dtype: dtype)) : nil
        self.groups = groups
        self.epsilon = epsilon
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        let c = x.shape.last!
        let grouped = x.reshaped(Array(x.shape.dropLast()) + [groups, c / groups])
        // Reduce over every axis but the batch (0) and the group axis (rank - 2).
        let axes = Array(1..<(grouped.rank - 2)) + [grouped.rank - 1]
        let mu = grouped.mean(axes: axes, keepDims: true)
        let sigma2 = (grouped - mu).square().mean(axes: axes, keepDims: true)
        var y = ((grouped - mu) * (sigma2 + epsilon).rsqrt()).reshaped(x.shape)
        if let scale { y = y * scale.value }
        if let bias { y = y + bias.value }
        return y
    }
}
