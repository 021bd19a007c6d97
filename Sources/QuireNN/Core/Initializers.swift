import QuireTensor

/// Weight initializers with Flax's (`jax.nn.initializers`) definitions.
///
/// Fans follow Flax: the last axis is the output, the one before it the input, and all other axes
/// form the receptive field (`fanIn = shape[-2] * receptive`).
///
/// ```swift
/// let w = Initializer.lecunNormal(rngs.params(), [784, 128])   // std ≈ 1/sqrt(784)
/// ```
public enum Initializer {
    /// (fanIn, fanOut) of a kernel shape.
    public static func fans(_ shape: [Int]) -> (fanIn: Int, fanOut: Int) {
        precondition(!shape.isEmpty, "fans of a scalar")
        if shape.count == 1 { return (shape[0], shape[0]) }
        let receptive = shape.dropLast(2).reduce(1, *)
        return (shape[shape.count - 2] * receptive, shape[shape.count - 1] * receptive)
    }

    /// LeCun normal: a normal truncated to ±2σ, rescaled so its standard deviation is `sqrt(1/fanIn)`
    /// (Flax `lecun_normal`, the default kernel initializer of Linear and Conv).
    public static func lecunNormal(_ key: PRNGKey, _ shape: [Int], dtype: DType = .float32) -> Tensor {
        varianceScaling(key, shape, scale: 1, fan: fans(shape).fanIn, dtype: dtype)
    }

    /// He (Kaiming) normal: truncated normal with standard deviation `sqrt(2/fanIn)`.
    public static func heNormal(_ key: PRNGKey, _ shape: [Int], dtype: DType = .float32) -> Tensor {
        varianceScaling(key, shape, scale: 2, fan: fans(shape).fanIn, dtype: dtype)
    }

    /// Glorot (Xavier) uniform: uniform in ±sqrt(6/(fanIn+fanOut)).
    public static func glorotUniform(_ key: PRNGKey, _ shape: [Int], dtype: DType = .float32) -> Tensor {
        let (i, o) = fans(shape)
        let limit = (6.0 / Double(i + o)).squareRoot()
        return Tensor.uniform(key, shape: shape, low: -limit, high: limit, dtype: dtype)
    }

    /// Plain normal with the given standard deviation.
    public static func normal(_ key: PRNGKey, _ shape: [Int], stddev: Double, dtype: DType = .float32) -> Tensor {
        Tensor.normal(key, shape: shape, stddev: stddev, dtype: dtype)
    }

    /// A matrix with orthonormal rows or columns (Flax `orthogonal`, used for recurrent kernels):
    /// Gram–Schmidt on a normal sample of the last two axes flattened to `[rows, cols]`.
    public static func orthogonal(_ key: PRNGKey, _ shape: [Int], dtype: DType = .float32) -> Tensor {
        let cols = shape.last!
        let rows = shape.dropLast().reduce(1, *)
        let transpose = rows < cols
        let (n, m) = transpose ? (cols, rows) : (rows, cols)   // n ≥ m; orthonormalize the m columns
        var a = Tensor.normal(key, shape: [n, m], dtype: .float64).scalars(as: Double.self)
        for j in 0..<m {
            for k in 0..<j {
                var dot = 0.0
                for i in 0..<n { dot += a[i * m + j] * a[i * m + k] }
                for i in 0..<n { a[i * m + j] -= dot * a[i * m + k] }
            }
            var norm = 0.0
            for i in 0..<n { norm += a[i * m + j] * a[i * m + j] }
            norm = norm.squareRoot()
            for i in 0..<n { a[i * m + j] /= norm }
        }
        var t = Tensor(a, shape: [n, m])
        if transpose { t = t.transposed().contiguous() }
        return t.reshaped(shape).cast(to: dtype)
    }

    /// `scale/fan` variance, truncated normal (the `variance_scaling(..., "truncated_normal")` family).
    static func varianceScaling(_ key: PRNGKey, _ shape: [Int], scale: Double, fan: Int, dtype: DType) -> Tensor {
        // The standard deviation of a unit normal truncated to [-2, 2].
        let truncatedStd = 0.87962566103423978
        let std = (scale / Double(Swift.max(1, fan))).squareRoot() / truncatedStd
        return Tensor.truncatedNormal(key, lower: -2, upper: 2, shape: shape, dtype: dtype) * std
    }
}
