import QuireTensor

/// A categorical distribution over `k` classes along the last axis (distrax `Categorical`), from logits
/// or from probabilities. Samples are int32 class indices (not reparameterized); `logProb` takes class
/// indices of any integer or float dtype.
///
/// ```swift
/// let policy = try Categorical(logits: network(observation))     // [batch, actions]
/// let action = policy.sample(key: key)                          // [batch], int32
/// let logp = policy.logProb(action)                             // [batch]
/// let fair = try Categorical(probs: Tensor([0.25, 0.25, 0.5] as [Double]))
/// ```
public struct Categorical: Distribution {
    /// Normalized log-probabilities, `[batch…, k]`.
    public let logits: Tensor
    public let dtype: DType

    /// From unnormalized log-probabilities; they are normalized with `logSoftmax`.
    public init(logits: Tensor) throws {
        try Parameters.requireVector("Categorical", "logits", logits)
        self.dtype = try Parameters.dtype("Categorical", [("logits", logits)])
        self.logits = logits.logSoftmax(axis: -1)
    }

    /// From probabilities along the last axis (normalized by their sum; zeros allowed).
    public init(probs: Tensor) throws {
        try Parameters.requireVector("Categorical", "probs", probs)
        self.dtype = try Parameters.dtype("Categorical", [("probs", probs)])
        self.logits = (probs / probs.sum(axis: -1, keepDims: true)).log()
    }

    public var probs: Tensor { logits.exp() }
    public var classCount: Int { logits.shape.last! }
    public var batchShape: [Int] { Array(logits.shape.dropLast()) }
    public var eventShape: [Int] { [] }
    public var isReparameterized: Bool { false }

    /// Class indices (int32) of shape `shape + batchShape`, by the Gumbel-max trick.
    public func sample(key: PRNGKey, shape: [Int]) -> Tensor {
        Tensor.categorical(key, logits: logits.stopGradient(), shape: shape + batchShape)
    }

    /// The log-probability of class indices `value` (shape `… + batchShape`).
    public func logProb(_ value: Tensor) -> Tensor {
        let oneHot = value.cast(to: .int32).oneHot(depth: classCount, dtype: dtype)
        // Zero-probability classes have logit −∞; pick with `where` so 0 · −∞ never appears.
        let picked = Tensor.where(oneHot .> 0, logits + oneHot * 0, logits.filled(0, shape: [1]))
        return picked.sum(axis: -1)
    }

    /// −Σ p log p over the classes (classes of probability 0 contribute 0).
    public func entropy() -> Tensor { -(plogq(logits).sum(axis: -1)) }

    public var mean: Tensor { get throws { throw DistributionError.undefined("Categorical", "mean") } }
    public var variance: Tensor { get throws { throw DistributionError.undefined("Categorical", "variance") } }
    /// The most probable class (int32).
    public var mode: Tensor { logits.argmax(axis: -1) }

    /// KL(self ‖ other) = Σ p (log p − log q).
    public func klDivergence(to other: Categorical) -> Tensor {
        (plogq(logits) - plogq(other.logits)).sum(axis: -1)
    }

    /// p · log q with p = exp(self.logits), and 0 where p is 0.
    private func plogq(_ logQ: Tensor) -> Tensor {
        let p = probs
        return Tensor.where(p .> 0, p * logQ, p.filled(0, shape: [1]))
    }
}
