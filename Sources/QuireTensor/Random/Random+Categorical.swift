// Categorical sampling by the Gumbel-max trick, as jax.random.categorical does it.

extension Tensor {
    /// Indices drawn from the categorical distributions whose unnormalized log-probabilities lie along
    /// `axis` of `logits` (JAX `jax.random.categorical`), as int32.
    ///
    /// The result has `shape`, which defaults to the logits' shape without `axis`; a longer `shape`
    /// draws several samples per distribution (its trailing dimensions must broadcast with the batch
    /// shape). Method: `argmax(logits + g)` with Gumbel noise `g = -log(-log(u))`, `u` uniform in
    /// [tiny, 1) of the logits' dtype.
    ///
    /// ```swift
    /// let logits = Tensor([[0, 1, 2], [2, 1, 0]] as [[Float]])
    /// let tokens = Tensor.categorical(key, logits: logits)                 // shape [2]
    /// let many = Tensor.categorical(key, logits: logits, shape: [100, 2])  // 100 draws each
    /// ```
    public static func categorical(_ key: PRNGKey, logits: Tensor, axis: Int = -1, shape: [Int]? = nil) -> Tensor {
        let op = "categorical"
        tensorCheck(logits.dtype.isFloatingPoint, op, "logits must be a float tensor, got \(logits.dtype)")
        tensorCheck(logits.rank >= 1, op, "logits must have rank >= 1, got shape \(shapeString(logits.shape))")
        let r = logits.rank
        let ax = normalizedAxis(axis, rank: r, op: op)
        tensorCheck(logits.shape[ax] > 0, op, "logits of shape \(shapeString(logits.shape)) have no categories along axis \(axis)")
        var batch = logits.shape
        batch.remove(at: ax)
        let target = shape ?? batch
        let joint = try? broadcastShape(target, batch, op: op)
        tensorCheck(target.count >= batch.count && joint == target, op,
                    "shape \(shapeString(target)) is not compatible with the logits' batch shape \(shapeString(batch)) (logits \(shapeString(logits.shape)), axis \(axis))")
        let prefix = Array(target[..<(target.count - batch.count)])
        var logitsShape = Array(target[(target.count - batch.count)...])
        logitsShape.insert(logits.shape[ax], at: ax)
        let noiseShape = prefix + logitsShape
        let noise = gumbel(key, shape: noiseShape, dtype: logits.dtype)
        let scores = noise + logits
        return scores.argmax(axis: prefix.count + ax)
    }

    /// Standard Gumbel samples `-log(-log(u))`, `u` uniform in [tiny, 1) (JAX `gumbel`, mode "low").
    static func gumbel(_ key: PRNGKey, shape: [Int], dtype: DType) -> Tensor {
        switch dtype {
        case .float32: return gumbelSamples(Float.self, key, shape, tiny: Float.leastNormalMagnitude)
        case .float64: return gumbelSamples(Double.self, key, shape, tiny: Double.leastNormalMagnitude)
        case .float16: return gumbelSamples(Float16.self, key, shape, tiny: Float(Float16.leastNormalMagnitude))
        case .bfloat16: return gumbelSamples(BFloat16.self, key, shape, tiny: Float.leastNormalMagnitude)
        default: floatDTypeFailure("gumbel", dtype)
        }
    }

    @inline(__always)
    static func gumbelSamples<T: RandomFloat>(_ type: T.Type, _ key: PRNGKey, _ shape: [Int], tiny: T.Compute) -> Tensor {
        uniformSamples(T.self, key: key, shape: shape, low: tiny, high: 1, op: "gumbel") { u in
            -T.rounded(T.log(-T.rounded(T.log(u))))
        }
    }
}
